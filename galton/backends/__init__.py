"""``galton.backends``: the switches of ``torch.backends`` with a CPU's answers.

``import galton.backends.cudnn as cudnn; cudnn.benchmark = True`` and
``galton.backends.mps.is_available()`` work as in CPU-only PyTorch. galton computes with NumPy
on the CPU (CuPy on a GPU): cuDNN, MPS and oneDNN are never used, so the switches are kept and
reported but change nothing, and galton's CPU kernels are deterministic whatever they say.

The float32 matmul precision lives here too (``galton.set_float32_matmul_precision``).
"""
import warnings

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

_matmul_precision = "highest"
_deterministic = {"mode": False, "warn_only": False}


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium', as PyTorch. NumPy's float32 GEMM is always full
    precision, so the setting is recorded (and read back) but changes no result."""
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision = precision


def get_float32_matmul_precision():
    return _matmul_precision


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded for ``are_deterministic_algorithms_enabled``; galton's ops are deterministic."""
    _deterministic["mode"], _deterministic["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic["warn_only"]
