"""Reductions over dims (``dim`` None, an int or a tuple; ``keepdim``): forward and backward."""
import numpy as np

from ._util import Tensor, make_result, normalize_dims, to_float
from .. import dtypes


def _expand_back(g, shape, axes, keepdim):
    """Undo a reduction's shape change so ``g`` broadcasts against the input."""
    if not keepdim and axes:
        g = np.expand_dims(g, axes)
    return g


def sum(x, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    a = x.data
    axes = normalize_dims(dim, a.ndim) if dim is not None else None
    if dtype is not None:
        a = a.astype(dtype.np)
    elif a.dtype.kind in "biu":
        a = a.astype(np.int64)  # PyTorch sums integers and bools as int64
    out = np.asarray(a.sum(axis=axes, keepdims=keepdim))
    shape = a.shape

    def backward(g):
        if axes is not None:
            g = _expand_back(g, shape, axes, keepdim)
        return (np.broadcast_to(g, shape),)
    return make_result(out, (x,), backward, "SumBackward1" if dim is not None else "SumBackward0")


def mean(x, dim=None, keepdim=False, *, dtype=None):
    a = x.data
    if dtype is not None:
        a = a.astype(dtype.np)
    if a.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {dtypes.from_numpy_dtype(a.dtype).name.capitalize()}")
    axes = normalize_dims(dim, a.ndim) if dim is not None else None
    out = np.asarray(a.mean(axis=axes, keepdims=keepdim))
    shape = a.shape
    n = a.size // max(out.size, 1) if a.size else 0

    def backward(g):
        if axes is not None:
            g = _expand_back(g, shape, axes, keepdim)
        return (np.broadcast_to(g / n if n else g, shape),)
    return make_result(out, (x,), backward, "MeanBackward1" if dim is not None else "MeanBackward0")




TENSOR_METHODS = ["sum", "mean"]
