"""Making tensors: from data, filled, ranges and random."""
import builtins

import numpy as np

from . import _defaults, backend, dtypes, memory_formats
from ._quiet import quiet_module
from .random import rng
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "randint_like",
           "arange", "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm",
           "normal", "bernoulli", "multinomial", "FloatTensor", "DoubleTensor", "HalfTensor",
           "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


def _np_dtype(dtype):
    return dtypes.to_numpy_dtype(dtype) if dtype is not None else None


def _finish(arr, dtype=None, device=None, requires_grad=False):
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype), copy=False)
    if device is None:
        device = _defaults._device  # set_default_device('cuda'); None on the CPU
    if device is not None:
        arr = backend.to_device(arr, backend.device(device))
    t = Tensor._wrap(arr)
    if requires_grad:
        if arr.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._rg = True
    return t


def _infer(data, dtype=None):
    """NumPy array of Python data with PyTorch's dtype rules: Python floats -> the default
    float dtype, ints -> int64, bools -> bool; NumPy arrays and scalars keep their dtype.
    With a ``dtype`` asked for, Python floats are kept in float64 until cast to it (through
    float32 first, tensor(0.7, dtype=float64) would hold 0.699999988)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        dtypes.from_numpy_dtype(arr.dtype)  # refuses dtypes galton lacks
        return arr
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flat(data)):
        data = _to_lists(data)
    try:
        arr = np.asarray(data)
    except ValueError:
        raise ValueError(_ragged_message(data)) from None
    if arr.dtype == np.float64:
        # NumPy float64 scalars inside a list keep float64, as in PyTorch
        if dtype is None and not (isinstance(data, (list, tuple)) and any(
                isinstance(d, np.float64) for d in _flat(data))):
            arr = arr.astype(dtypes.default_float_np())
    elif arr.dtype.kind in "iu":
        if not any(isinstance(d, np.integer) for d in _flat(data)) if isinstance(
                data, (list, tuple)) else not isinstance(data, np.integer):
            arr = arr.astype(np.int64)
    elif arr.dtype.kind == "U":
        raise TypeError("new(): invalid data type 'str'")
    elif arr.dtype.kind not in "fb":
        raise TypeError(f"can't convert {type(data).__name__} of dtype {arr.dtype} to a tensor")
    return arr


def _ragged_message(data, dim=0):
    """PyTorch's words for nested lists of unequal lengths."""
    level = [data]
    while level:
        seqs = [s for s in level if isinstance(s, (list, tuple))]
        if not seqs:
            break
        n = len(seqs[0])
        for s in level:
            if not isinstance(s, (list, tuple)) or len(s) != n:
                got = len(s) if isinstance(s, (list, tuple)) else type(s).__name__
                return f"expected sequence of length {n} at dim {dim} (got {got})"
        level = [x for s in seqs for x in s]
        dim += 1
    return "setting an array element with a sequence"


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def _to_lists(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_lists(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors)."""
    arr = np.array(_infer(data, dtype), copy=True)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray):
        return _finish(data, dtype, device)
    return _finish(_infer(data, dtype), dtype, device)


def from_numpy(arr):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dtypes.from_numpy_dtype(arr.dtype)  # refuses unsupported dtypes
    return Tensor._wrap(arr)


def _size(size, kw=None, name=None):
    """A shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if kw:
        if set(kw) != {"size"} or size:
            bad = next(k for k in kw if k != "size") if set(kw) != {"size"} else "size"
            raise TypeError(f"{name or 'factory'}() got an unexpected keyword argument '{bad}'")
        size = (kw["size"],)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            if name == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _float_or(dtype):
    return _np_dtype(dtype) or dtypes.default_float_np()


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, **kw):
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros(size=(2, 3))``."""
    return _finish(np.zeros(_size(size, kw, "zeros"), _float_or(dtype)), None,
                   device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    """A tensor of ones."""
    return _finish(np.ones(_size(size, kw, "ones"), _float_or(dtype)), None, device,
                   requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
    """An uninitialised tensor (here: whatever NumPy's ``empty`` holds), laid out as
    ``memory_format`` says (``channels_last``: NHWC in memory)."""
    arr = memory_formats.empty(_size(size, kw, "empty"), _float_or(dtype), memory_format)
    return _finish(arr, None, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dt = (np.bool_ if isinstance(fill_value, bool) else np.int64
              if isinstance(fill_value, (int, np.integer)) else dtypes.default_float_np())
    else:
        dt = _np_dtype(dtype)
    return _finish(np.full(_size((size,) if isinstance(size, int) else (size,)), fill_value, dt),
                   None, device, requires_grad)


def zeros_like(x, *, dtype=None, device=None, requires_grad=False,
               memory_format=memory_formats.preserve_format):
    return _finish(_like(np.zeros(x._data.shape, _np_dtype(dtype) or x._data.dtype), x,
                         memory_format), None, device, requires_grad)


def ones_like(x, *, dtype=None, device=None, requires_grad=False,
              memory_format=memory_formats.preserve_format):
    return _finish(_like(np.ones(x._data.shape, _np_dtype(dtype) or x._data.dtype), x,
                         memory_format), None, device, requires_grad)


def empty_like(x, *, dtype=None, device=None, requires_grad=False,
               memory_format=memory_formats.preserve_format):
    return _finish(_like(np.empty(x._data.shape, _np_dtype(dtype) or x._data.dtype), x,
                         memory_format), None, device, requires_grad)


def full_like(x, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=memory_formats.preserve_format):
    return _finish(_like(np.full(x._data.shape, fill_value, _np_dtype(dtype) or x._data.dtype),
                         x, memory_format), None, device, requires_grad)


def _like(arr, x, memory_format):
    """The layout a ``*_like`` result takes: ``x``'s channels-last one under preserve_format."""
    if memory_format is memory_formats.preserve_format and x._data.ndim not in (4, 5):
        return arr  # the common case, one check
    return memory_formats.like(arr, x._data, memory_format)


def _float_like(x, dtype, kernel):
    d = _np_dtype(dtype) or x._data.dtype
    if d.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_TORCH_TYPE_NAMES[d.name][:-6]}'")
    return dtypes.from_numpy_dtype(d)


def rand_like(x, *, dtype=None, generator=None, device=None, requires_grad=False,
              memory_format=memory_formats.preserve_format):
    """Uniform [0, 1) numbers in a tensor shaped like ``x``."""
    return _laid_like(rand(x._data.shape, dtype=_float_like(x, dtype, "check_uniform_bounds"),
                           generator=generator, requires_grad=requires_grad), x, memory_format)


def randn_like(x, *, dtype=None, generator=None, device=None, requires_grad=False,
               memory_format=memory_formats.preserve_format):
    """Standard normal numbers in a tensor shaped like ``x``."""
    return _laid_like(randn(x._data.shape, dtype=_float_like(x, dtype, "normal_kernel_cpu"),
                            generator=generator, requires_grad=requires_grad), x, memory_format)


def randint_like(x, low=0, high=None, *, dtype=None, generator=None, device=None,
                 requires_grad=False, memory_format=memory_formats.preserve_format):
    if high is None:
        low, high = 0, low
    return _laid_like(randint(low, high, x._data.shape, dtype=dtype or x.dtype,
                              generator=generator), x, memory_format)


def _laid_like(t, x, memory_format):
    """A freshly drawn tensor moved into the layout ``_like`` gives (drawn in logical order)."""
    t._data = _like(t._data, x, memory_format)
    return t


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    vals = (start, end, step)
    if dtype is None:
        is_float = builtins.any(isinstance(v, float) or (
            isinstance(v, Tensor) and v.is_floating_point()) for v in vals)
        dt = dtypes.default_float_np() if is_float else np.int64
    else:
        dt = _np_dtype(dtype)
    return _finish(np.arange(start, end, step).astype(dt), None, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end, both included."""
    if int(steps) < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(float(start), float(end), int(steps)).astype(_float_or(dtype)),
                   None, device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_float_or(dtype)), None,
                   device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float_or(dtype)), None, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform numbers in [0, 1)."""
    dt = _float_or(dtype)
    return _finish(rng(generator).random(_size(size, kw, "rand"), dtype=np.float64)
                   .astype(dt), None, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal numbers."""
    dt = _float_or(dtype)
    return _finish(rng(generator).standard_normal(_size(size, kw, "randn")).astype(dt),
                   None, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Random integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    arr = rng(generator).integers(low, high, size=_size(tuple(size)))
    return _finish(arr.astype(_np_dtype(dtype) or np.int64), None, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _finish(rng(generator).permutation(int(n)).astype(_np_dtype(dtype) or np.int64), None,
                   device, requires_grad)


def normal(mean, std, size=None, *, generator=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return Tensor._wrap((m + s * rng(generator).standard_normal(shape)).astype(dt))
    return Tensor._wrap((mean + std * rng(generator).standard_normal(tuple(size))).astype(
        dtypes.default_float_np()))


def bernoulli(p, *, generator=None):
    probs = p._data
    return Tensor._wrap((rng(generator).random(probs.shape) < probs).astype(probs.dtype))


def multinomial(probs, num_samples, replacement=False, *, generator=None):
    p = probs._data.astype(np.float64)
    g = rng(generator)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([g.choice(r.size, size=num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return Tensor._wrap(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))


# --- the legacy typed constructors: FloatTensor([1, 2]), x.type(galton.LongTensor) -----------
from ._legacy_tensors import CPU as _TYPED, _TORCH_TYPE_NAMES  # noqa: E402

FloatTensor, DoubleTensor, HalfTensor = _TYPED["FloatTensor"], _TYPED["DoubleTensor"], \
    _TYPED["HalfTensor"]
LongTensor, IntTensor, ShortTensor = _TYPED["LongTensor"], _TYPED["IntTensor"], \
    _TYPED["ShortTensor"]
CharTensor, ByteTensor, BoolTensor = _TYPED["CharTensor"], _TYPED["ByteTensor"], \
    _TYPED["BoolTensor"]


def __getattr__(name):  # BFloat16Tensor: made on first use, with galton.bfloat16
    if name == "BFloat16Tensor":
        try:
            return _TYPED[name]
        except KeyError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# a float64 list cast to float32 may underflow or overflow, an infinite mean gives NaN samples:
# silently, as in PyTorch (galton/_quiet.py)
quiet_module(__import__("sys").modules[__name__])
