"""Tensor methods that make or reshape storage: ``new_zeros`` / ``new_ones`` / ``new_full`` /
``new_empty`` / ``new_tensor`` / ``new`` (a tensor of this one's dtype and device),
``resize_`` / ``resize_as_``, and ``pin_memory`` / ``is_pinned``."""
import warnings

import numpy as np

from . import backend, dtypes
from .tensor import Size, Tensor


def _size(size, options=None):
    if options:  # size=... given by keyword; layout / pin_memory are accepted and ignored
        if "size" in options:
            size = size or (options.pop("size"),)
        unknown = set(options) - {"layout", "pin_memory", "memory_format"}
        if unknown:
            raise TypeError(f"got an unexpected keyword argument '{sorted(unknown)[0]}'")
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _made(self, arr, dtype, device, requires_grad):
    """An array of the new tensor's values -> the tensor, in ``self``'s dtype and device unless
    given others."""
    arr = arr.astype(dtypes.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype,
                     copy=False)
    dev = backend.device(device) if device is not None else self.device
    t = Tensor._wrap(backend.to_device(arr, dev))
    if requires_grad:
        t.requires_grad = True
    return t


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """A tensor of ``size`` filled with ``fill_value``, of this tensor's dtype and device."""
    d = dtypes.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype
    return _made(self, np.full(_size((size,)), fill_value).astype(d), dtype, device,
                 requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **options):
    """Zeros of ``size`` (ints or one sequence), this tensor's dtype and device by default."""
    d = dtypes.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype
    return _made(self, np.zeros(_size(size, options), d), dtype, device, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **options):
    d = dtypes.to_numpy_dtype(dtype) if dtype is not None else self._data.dtype
    return _made(self, np.ones(_size(size, options), d), dtype, device, requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **options):
    """Uninitialised in PyTorch; zeros here (the cost is the same and runs are repeatable)."""
    return new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad,
                     **options)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """A copy of ``data`` as a new leaf, in this tensor's dtype and device by default."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = backend.to_device(data._data, backend.CPU)
    return _made(self, np.array(data), dtype, device, requires_grad)


def new(self, *args, device=None):
    """The legacy constructor: ``x.new(2, 3)`` (a shape) or ``x.new(data)``, in x's type."""
    from ._legacy_tensors import CPU, CUDA, _TORCH_TYPE_NAMES
    typed = (CUDA if self.is_cuda else CPU)[_TORCH_TYPE_NAMES[self._data.dtype.name]]
    return typed(*args, device=device) if device is not None else typed(*args)


def resize_(self, *sizes, memory_format=None):
    """Give the tensor the shape ``sizes`` in place: the first elements in memory order are
    kept; new elements are zeros (uninitialised in PyTorch)."""
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _size(sizes)
    old = self._data
    n = int(np.prod(shape, dtype=np.int64))
    if n == old.size:
        self._data = old.reshape(shape)
    else:
        flat = self.xp.zeros(n, old.dtype)
        k = min(n, old.size)
        flat[:k] = old.reshape(-1)[:k]
        self._data = flat.reshape(shape)
    self._version += 1
    return self


def resize_as_(self, other, memory_format=None):
    return resize_(self, other._data.shape)


def pin_memory(self, device=None):
    """Page-locked host memory exists only beside a GPU: without one this raises, as CPU-only
    PyTorch does; with one the tensor is returned (CuPy copies from ordinary memory)."""
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return self


def is_pinned(self, device=None):
    return False


METHODS = ["new_full", "new_zeros", "new_ones", "new_empty", "new_tensor", "new", "resize_",
           "resize_as_", "pin_memory", "is_pinned"]


def bind():
    for name in METHODS:
        setattr(Tensor, name, globals()[name])
