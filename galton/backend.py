"""The array module: NumPy on the CPU, CuPy on a GPU.

Kernels use ``xp`` (or ``array_module(arr)``) for array math so the same code runs on
both. The CPU path never imports CuPy: it is imported only when a user asks for ``cuda``.
"""
import numpy as np

xp = np  # the CPU array module; kernels that must follow their input use array_module()

_cupy = None


def cupy_module():
    """Import CuPy on first use, with a message that says how to get it."""
    global _cupy
    if _cupy is None:
        try:
            import cupy  # noqa: F401
            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("no CUDA device is visible")
        except Exception as exc:  # ImportError, or a CUDA runtime error
            raise RuntimeError(
                "galton: device 'cuda' needs CuPy and an NVIDIA GPU "
                f"({type(exc).__name__}: {exc}). Install it with "
                "`pip install cupy-cuda12x` (match your CUDA version), or use device='cpu'."
            ) from None
        _cupy = cupy
    return _cupy


def array_module(arr):
    """NumPy for host arrays, CuPy for device arrays."""
    if type(arr) is np.ndarray or _cupy is None:
        return np
    return _cupy.get_array_module(arr)


def cuda_available():
    try:
        cupy_module()
        return True
    except RuntimeError:
        return False


class device:
    """A device name as in PyTorch: ``device('cpu')``, ``device('cuda')``, ``device('cuda:0')``."""

    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        spec = str(spec)
        if ":" in spec:
            spec, idx = spec.split(":", 1)
            index = int(idx)
        if spec not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {spec}")
        self.type = spec
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and (
            self.index == other.index or self.index is None or other.index is None)

    def __hash__(self):
        return hash(self.type)

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


def module_for(dev):
    """The array module that holds arrays of a device."""
    return np if dev.type == "cpu" else cupy_module()


def to_device(arr, dev):
    """Move an array to a device (a no-op when it is already there)."""
    if dev.type == "cpu":
        if type(arr) is np.ndarray:
            return arr
        return arr.get() if hasattr(arr, "get") else np.asarray(arr)
    cp = cupy_module()
    return cp.asarray(arr)


def device_of(arr):
    return CPU if type(arr) is np.ndarray or _cupy is None else device("cuda")
