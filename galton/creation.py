"""Making tensors: from data, filled, ranges and random."""
import builtins

import numpy as np

from . import backend, dtypes
from .random import rng
from .tensor import Tensor


def _np_dtype(dtype):
    return dtypes.to_numpy_dtype(dtype) if dtype is not None else None


def _finish(arr, dtype=None, device=None, requires_grad=False):
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype), copy=False)
    if device is not None:
        arr = backend.to_device(arr, backend.device(device))
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _infer(data):
    """NumPy array of Python data with PyTorch's dtype rules (floats -> float32 by default)."""
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flat(data)):
        data = _to_lists(data)
    arr = np.asarray(data)
    if arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(dtypes.default_float_np())
    elif arr.dtype.kind in "iu" and not isinstance(data, np.ndarray):
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "fiub":
        raise TypeError(f"can't convert {type(data).__name__} of dtype {arr.dtype} to a tensor")
    return arr


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def _to_lists(data):
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, (list, tuple)):
        return [_to_lists(d) for d in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors)."""
    arr = np.array(_infer(data), copy=True)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray):
        return _finish(data, dtype, device)
    return _finish(_infer(data), dtype, device)


def from_numpy(arr):
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dtypes.from_numpy_dtype(arr.dtype)  # refuses unsupported dtypes
    return Tensor._wrap(arr)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if int(s) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _float_or(dtype):
    return _np_dtype(dtype) or dtypes.default_float_np()


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _finish(np.zeros(_size(size), _float_or(dtype)), None, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_size(size), _float_or(dtype)), None, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.empty(_size(size), _float_or(dtype)), None, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dt = (np.bool_ if isinstance(fill_value, bool) else np.int64
              if isinstance(fill_value, (int, np.integer)) else dtypes.default_float_np())
    else:
        dt = _np_dtype(dtype)
    return _finish(np.full(_size((size,) if isinstance(size, int) else (size,)), fill_value, dt),
                   None, device, requires_grad)


def zeros_like(x, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(x.data.shape, _np_dtype(dtype) or x.data.dtype), None, device,
                   requires_grad)


def ones_like(x, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(x.data.shape, _np_dtype(dtype) or x.data.dtype), None, device,
                   requires_grad)


def empty_like(x, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(x.data.shape, _np_dtype(dtype) or x.data.dtype), None, device,
                   requires_grad)


def full_like(x, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.full(x.data.shape, fill_value, _np_dtype(dtype) or x.data.dtype), None,
                   device, requires_grad)


def rand_like(x, *, dtype=None, generator=None, requires_grad=False):
    return rand(x.data.shape, dtype=dtype or x.dtype, generator=generator,
                requires_grad=requires_grad)


def randn_like(x, *, dtype=None, generator=None, requires_grad=False):
    return randn(x.data.shape, dtype=dtype or x.dtype, generator=generator,
                 requires_grad=requires_grad)


def randint_like(x, low=0, high=None, *, dtype=None, generator=None):
    if high is None:
        low, high = 0, low
    return randint(low, high, x.data.shape, dtype=dtype or x.dtype, generator=generator)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    vals = (start, end, step)
    if dtype is None:
        is_float = builtins.any(isinstance(v, float) or (isinstance(v, Tensor) and v.is_floating_point())
                                for v in vals)
        dt = dtypes.default_float_np() if is_float else np.int64
    else:
        dt = _np_dtype(dtype)
    return _finish(np.arange(start, end, step).astype(dt), None, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(start, end, int(steps)).astype(_float_or(dtype)), None, device,
                   requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_float_or(dtype)), None,
                   device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_float_or(dtype)), None, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dt = _float_or(dtype)
    return _finish(rng(generator).random(_size(size), dtype=np.float64).astype(dt), None, device,
                   requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    dt = _float_or(dtype)
    return _finish(rng(generator).standard_normal(_size(size)).astype(dt), None, device,
                   requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    arr = rng(generator).integers(low, high, size=tuple(size)).astype(_np_dtype(dtype) or np.int64)
    return _finish(arr, None, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _finish(rng(generator).permutation(int(n)).astype(_np_dtype(dtype) or np.int64), None,
                   device, requires_grad)


def normal(mean, std, size=None, *, generator=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean.data if isinstance(mean, Tensor) else mean
        s = std.data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std).data.dtype
        return Tensor._wrap((m + s * rng(generator).standard_normal(shape)).astype(dt))
    return Tensor._wrap((mean + std * rng(generator).standard_normal(tuple(size))).astype(
        dtypes.default_float_np()))


def bernoulli(p, *, generator=None):
    probs = p.data
    return Tensor._wrap((rng(generator).random(probs.shape) < probs).astype(probs.dtype))


def multinomial(probs, num_samples, replacement=False, *, generator=None):
    p = probs.data.astype(np.float64)
    g = rng(generator)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([g.choice(r.size, size=num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return Tensor._wrap(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))
