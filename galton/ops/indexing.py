"""Indexing: ``x[...]`` (basic, integer-array and boolean) and its backward.

NumPy's indexing is PyTorch's indexing, except for the few places handled here: tensors inside
an index, a list holding sequences meaning a tuple of indices, negative steps and non-integer
indices being refused, and PyTorch's error messages.
"""
import numpy as np

from ..backend import array_module
from ._util import Tensor, make_result


def _seq_is_tuple(seq):
    """PyTorch's legacy rule: a short list holding a sequence, slice, None, Ellipsis or tensor
    is a tuple of indices (``x[[[0, 1], [1, 2]]]`` is ``x[[0, 1], [1, 2]]``)."""
    return len(seq) < 32 and any(
        i is None or i is Ellipsis or isinstance(i, (list, tuple, range, slice, Tensor, np.ndarray))
        for i in seq)


def _item(i):
    if isinstance(i, Tensor):
        i = i._data
    if isinstance(i, np.ndarray):
        if i.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return i
    if isinstance(i, slice):
        if i.step is not None and int(i.step) <= 0:
            raise ValueError("step must be greater than zero")
        return i
    if i is None or i is Ellipsis or isinstance(i, (int, np.integer)):
        return i
    if isinstance(i, range):  # x[range(n), y]: a sequence of ints, as PyTorch reads it
        return np.arange(i.start, i.stop, i.step, dtype=np.int64)
    if isinstance(i, (list, tuple)):
        arr = np.asarray([x.item() if isinstance(x, Tensor) else x for x in i])
        if arr.size and arr.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr.astype(np.int64) if arr.size == 0 else arr
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(i).__name__})")


def _index_arg(idx):
    """The NumPy index for a PyTorch index (tensors become arrays, bool tensors masks)."""
    if type(idx) is int:
        return idx
    if isinstance(idx, list) and _seq_is_tuple(idx):
        idx = tuple(idx)
    if isinstance(idx, tuple):
        return tuple(_item(i) for i in idx)
    return _item(idx)


def _is_basic(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) and
               not isinstance(i, bool) for i in items)


def _basic_name(idx):
    """The grad_fn name PyTorch gives: that of the last view op the index applies."""
    name = "SliceBackward0"
    for i in idx if isinstance(idx, tuple) else (idx,):
        if i is None:
            name = "UnsqueezeBackward0"
        elif isinstance(i, slice):
            if i != slice(None):
                name = "SliceBackward0"
        elif i is not Ellipsis:
            name = "SelectBackward0"
    return name


def _torch_error(a, idx, exc):
    """Rewrite NumPy's IndexError in PyTorch's words."""
    msg = str(exc)
    if msg.startswith("too many indices"):
        return IndexError(f"too many indices for tensor of dimension {a.ndim}")
    if "boolean index did not match" in msg:
        items = idx if isinstance(idx, tuple) else (idx,)
        dim = 0
        for i in items:
            if isinstance(i, np.ndarray) and i.dtype == np.bool_:
                if a.shape[dim:dim + i.ndim] != i.shape:
                    return IndexError(
                        f"The shape of the mask {list(i.shape)} at index {dim} does not match the "
                        f"shape of the indexed tensor {list(a.shape)} at index {dim}")
                dim += i.ndim
            elif i is not None and i is not Ellipsis:
                dim += 1
    if "out of bounds" in msg:
        return IndexError(msg.replace("for axis", "for dimension"))
    return IndexError(msg)


def placed(g, shape, idx, basic=True):
    """The adjoint of ``x[idx]``: ``g`` put into zeros of ``shape`` at ``idx`` (added up where
    advanced indices repeat). getitem's backward on tensors (create_graph); its own backward
    is ``g[idx]``, so the pair differentiates to any order."""
    full = np.zeros(shape, dtype=g._data.dtype)
    if basic:
        full[idx] = g._data
    else:
        np.add.at(full, idx, g._data)
    return make_result(full, (g,), lambda gg, xp=np: (gg[idx],), "IndexPutBackward0")


def getitem(x, idx):
    """``x[idx]``; basic indices give a view of ``x``'s data, as in PyTorch."""
    idx = _index_arg(idx)
    a = x._data
    try:
        out = a[idx]
    except IndexError as exc:
        raise _torch_error(a, idx, exc) from None
    basic = _is_basic(idx)
    if isinstance(out, np.generic):  # a single element: keep it a (0-d) view, as PyTorch
        out = a[(idx if isinstance(idx, tuple) else (idx,)) + (Ellipsis,)] if basic else \
            np.asarray(out)
    shape = a.shape

    def backward(g, xp=np):
        if xp is not np:  # on tensors: the same placement, as an op of its own
            return (placed(g, shape, idx, basic),)
        m = array_module(g)  # NumPy, or CuPy for a device gradient
        full = m.zeros(shape, dtype=g.dtype)
        if basic:
            full[idx] = g  # basic indices never repeat an element
        else:
            m.add.at(full, idx, g)  # repeated integer indices must add up
        return (full,)
    if basic:
        backward._view = (x, idx)  # in-place ops on the result must reach x (ops/inplace.py)
        return make_result(out, (x,), backward, _basic_name(idx))
    return make_result(out, (x,), backward, "IndexBackward0")
