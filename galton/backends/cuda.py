"""``galton.backends.cuda``: the CUDA switches (``matmul.allow_tf32``, the attention kernels).

``is_built()`` says whether galton can reach a GPU (CuPy and a device). The TF32 switch is tied
to ``galton.set_float32_matmul_precision`` as in PyTorch ('highest' <-> False)."""
import enum


def is_built():
    from .. import cuda
    return cuda.is_available()


class _Matmul:
    """``galton.backends.cuda.matmul.allow_tf32`` and friends."""

    _names = ("allow_tf32", "allow_fp16_reduced_precision_reduction",
              "allow_bf16_reduced_precision_reduction", "fp32_precision")

    def __init__(self):
        object.__setattr__(self, "_values", {"allow_fp16_reduced_precision_reduction": True,
                                             "allow_bf16_reduced_precision_reduction": True,
                                             "fp32_precision": "none"})

    def __getattr__(self, name):
        if name == "allow_tf32":
            from . import get_float32_matmul_precision
            return get_float32_matmul_precision() != "highest"
        if name in self._values:
            return self._values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name, value):
        if name == "allow_tf32":
            from . import set_float32_matmul_precision
            set_float32_matmul_precision("high" if value else "highest")
        elif name in self._values:
            self._values[name] = value
        else:
            raise AttributeError(f"Unknown attribute {name}")


matmul = _Matmul()


class _LinalgBackend(enum.Enum):
    Default = 0
    Cusolver = 1
    Magma = 2


def preferred_linalg_library(backend=None):
    return _LinalgBackend.Default


_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def flash_sdp_enabled():
    return _sdp["flash"]


def enable_flash_sdp(enabled):
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled():
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled):
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled():
    return _sdp["math"]


def enable_math_sdp(enabled):
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled():
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled):
    _sdp["cudnn"] = bool(enabled)
