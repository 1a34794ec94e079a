"""Indexing: ``x[...]`` (basic, integer-array and boolean) and its backward."""
import numpy as np

from ._util import Tensor, make_result


def _index_arg(idx):
    """Turn tensors inside an index into arrays (bool tensors become masks)."""
    if isinstance(idx, Tensor):
        return idx.data
    if isinstance(idx, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in idx)
    if isinstance(idx, list) and any(isinstance(i, Tensor) for i in idx):
        return tuple(i.data if isinstance(i, Tensor) else i for i in idx)
    return idx


def _is_basic(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) and
               not isinstance(i, bool) for i in items)


def getitem(x, idx):
    idx = _index_arg(idx)
    a = x.data
    try:
        out = a[idx]
    except IndexError as exc:
        raise IndexError(f"index {idx!r} is out of bounds for a tensor of shape {tuple(a.shape)}: "
                         f"{exc}") from None
    basic = _is_basic(idx)
    if not isinstance(out, np.ndarray):
        out = np.asarray(out)
    shape, dtype = a.shape, a.dtype

    def backward(g):
        full = np.zeros(shape, dtype=g.dtype)
        if basic:
            full[idx] = g  # basic indices never repeat an element
        else:
            np.add.at(full, idx, g)  # repeated integer indices must add up
        return (full,)
    return make_result(out, (x,), backward, "SliceBackward0" if basic else "IndexBackward0")
