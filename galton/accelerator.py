"""``galton.accelerator``: the device-agnostic API (``torch.accelerator``).

galton's only accelerator is a CUDA GPU through CuPy. Without one, ``is_available()`` is
False, ``current_accelerator()`` None, ``device_count()`` 0, and the functions that need a
device raise PyTorch's RuntimeError, so the common

    device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"

picks the CPU, as under CPU-only PyTorch.
"""
import warnings

from . import backend

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    from . import cuda
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``galton.device('cuda')`` when a GPU is usable, else None."""
    return backend.device("cuda") if is_available() else None


def device_count():
    from . import cuda
    return cuda.device_count()


def _cuda():
    if not is_available():
        raise RuntimeError(_NONE)
    from . import cuda
    return cuda


def current_device_index():
    return _cuda().current_device()


def set_device_index(device):
    _cuda().set_device(device)


def current_device_idx():
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device):
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    set_device_index(device)


def synchronize(device=None):
    _cuda().synchronize(device)


def empty_cache():
    _cuda().empty_cache()


def memory_allocated(device_index=None):
    return _cuda().memory_allocated(device_index)


def max_memory_allocated(device_index=None):
    return _cuda().max_memory_allocated(device_index)


def memory_reserved(device_index=None):
    return _cuda().memory_reserved(device_index)


def max_memory_reserved(device_index=None):
    return _cuda().max_memory_reserved(device_index)


def reset_peak_memory_stats(device_index=None):
    _cuda().reset_peak_memory_stats(device_index)


def memory_stats(device_index=None):
    return _cuda().memory_stats(device_index)


def get_memory_info(device_index=None):
    return _cuda().mem_get_info(device_index)


class device_index:
    """``with galton.accelerator.device_index(i):`` makes device i current (None: no change)."""

    def __init__(self, device):
        self.idx, self._prev = device, None

    def __enter__(self):
        if self.idx is not None:
            self._prev = current_device_index()
            set_device_index(self.idx)
        return self

    def __exit__(self, *exc):
        if self._prev is not None:
            set_device_index(self._prev)
        return False
