"""Changing dtype or device: ``to``, ``float``, ``long``, ``type``, ``cpu``, ``cuda``."""
import numpy as np

from .. import backend, dtypes, memory_formats
from ._util import Tensor, make_result


def cast(x, dtype):
    """A copy in another dtype; gradients flow back cast to the input's dtype."""
    target = dtypes.to_numpy_dtype(dtype)
    a = x._data
    if a.dtype == target:
        return x
    src = a.dtype
    return make_result(a.astype(target), (x,) if target.kind == "f" else (None,),
                       lambda g, xp=np: (xp.astype(g, src),), "ToCopyBackward0")


def move(x, dev):
    dev = backend.device(dev)
    if x.device == dev:
        return x
    here = x.device
    return make_result(backend.to_device(x._data, dev), (x,),
                       lambda g, xp=np: (backend.to_device(g, here) if xp is np else g.to(here),),
                       "ToCopyBackward0")


def to(x, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
    """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other_tensor)``."""
    for a in args:
        if isinstance(a, dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, backend.device)):
            device = a
        elif a is not None:
            raise TypeError(f"to() received an invalid argument: {a!r}")
    out = x
    if device is not None:
        out = move(out, device)
    if dtype is not None:
        out = cast(out, dtype)
    fmt = memory_formats.check(memory_format)
    if fmt is not memory_formats.preserve_format:  # a layout asked for: copy only if needed
        arr = (memory_formats.clone(out._data, fmt) if copy and out is x
               else memory_formats.to(out._data, fmt))
        if arr is not out._data:
            return make_result(arr, (out,), lambda g, xp=np: (g,), "CloneBackward0")
    if copy and out is x:
        out = make_result(memory_formats.clone(x._data, fmt), (x,), lambda g, xp=np: (g,),
                          "CloneBackward0")
    return out


def float(x):  # noqa: A001
    return cast(x, dtypes.float32)


def double(x):
    return cast(x, dtypes.float64)


def half(x):
    return cast(x, dtypes.float16)


def long(x):
    return cast(x, dtypes.int64)


def int(x):  # noqa: A001
    return cast(x, dtypes.int32)


def bool(x):  # noqa: A001
    return cast(x, dtypes.bool_)


def byte(x):
    return cast(x, dtypes.uint8)


def short(x):
    return cast(x, dtypes.int16)


def char(x):
    return cast(x, dtypes.int8)


def type_(x, dtype=None, non_blocking=False):
    """Without an argument the type name (``'galton.FloatTensor'``); with a dtype, a typed
    tensor class or its name (``'torch.LongTensor'``), the tensor in that dtype."""
    from ..creation import _TORCH_TYPE_NAMES
    if dtype is None:
        return f"galton.{_TORCH_TYPE_NAMES[x._data.dtype.name]}"
    if isinstance(dtype, str):
        by_name = {v: k for k, v in _TORCH_TYPE_NAMES.items()}
        name = dtype.rsplit(".", 1)[-1]
        if name not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = by_name[name]
    elif isinstance(getattr(dtype, "dtype", None), dtypes.dtype):  # FloatTensor, LongTensor, ...
        if getattr(dtype, "is_cuda", False):  # galton.cuda.FloatTensor: to the GPU as well
            return move(cast(x, dtype.dtype), "cuda")
        dtype = dtype.dtype
    return cast(x, dtype)


def type_as(x, other):
    return cast(x, other.dtype)


def cpu(x):
    return move(x, "cpu")


def cuda(x, device=None):
    return move(x, "cuda" if device is None else f"cuda:{device}" if isinstance(device, type(1))
                else device)


TENSOR_METHODS = ["to", "float", "double", "half", "long", "int", "bool", "byte", "short", "char",
                  "type_as",
                  "cpu", "cuda"]
