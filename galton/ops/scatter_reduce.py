"""scatter_reduce: src's elements combined into input at the positions index names along dim,
by sum, prod, mean, amax or amin; forward and backward side by side."""
import numpy as np

from ..tensor import _dim
from ._util import make_result

_UFUNC = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
          "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """``input`` with ``src[i]`` combined into position ``index[i]`` along ``dim`` by
    ``reduce`` ('sum', 'prod', 'mean', 'amax', 'amin'); ``include_self=False`` leaves input's
    own values out where something is scattered (torch.scatter_reduce)."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch takes these too
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    a, s, idx = input._data, src._data, np.asarray(index._data)
    d = _dim(dim, max(a.ndim, 1))
    if idx.ndim != a.ndim or s.ndim != a.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    coords = list(np.indices(idx.shape))
    coords[d] = idx
    where = tuple(coords)  # where each picked src element goes
    picked = s[tuple(slice(0, n) for n in idx.shape)]
    out = a.copy()
    hit = np.zeros(a.shape, bool)
    hit[where] = True
    if not include_self:
        out[hit] = _identity(reduce, a.dtype)
    _UFUNC[reduce].at(out, where, picked)
    count = None
    if reduce == "mean":
        count = np.zeros(a.shape, np.int64)
        np.add.at(count, where, 1)
        if include_self:
            count += 1
        count = np.maximum(count, 1)
        out = out // count if a.dtype.kind in "iu" else out / count
        out = out.astype(a.dtype, copy=False)
    own = ~hit if not include_self else np.ones(a.shape, bool)

    def backward(g):
        g_in = np.where(own, g, 0)
        if reduce == "sum":
            g_src_at = g[where]
        elif reduce == "mean":
            g_in = np.where(own, g / count, 0)
            g_src_at = (g / count)[where]
        elif reduce in ("amax", "amin"):
            # the gradient is shared evenly by every element equal to the result
            ties = np.where(own & (a == out), 1, 0).astype(np.int64)
            np.add.at(ties, where, (picked == out[where]).astype(np.int64))
            share = g / np.maximum(ties, 1)
            g_in = np.where(own & (a == out), share, 0)
            g_src_at = np.where(picked == out[where], share[where], 0)
        else:  # prod: the product of the other contributors, exact where there are zeros
            nonzero = np.where(own & (a != 0), a, 1).astype(np.float64)
            zeros = np.where(own & (a == 0), 1, 0)
            np.multiply.at(nonzero, where, np.where(picked != 0, picked, 1))
            np.add.at(zeros, where, (picked == 0).astype(np.int64))
            g_in = np.where(own, g * _others(a, nonzero, zeros), 0)
            g_src_at = g[where] * _others(picked, nonzero[where], zeros[where])
        g_src = np.zeros(s.shape, g.dtype)
        g_src[tuple(slice(0, n) for n in idx.shape)] = g_src_at
        return g_in.astype(g.dtype, copy=False), g_src
    return make_result(out, (input, src), backward, "ScatterReduceBackward0")


def _others(x, nonzero, zeros):
    """The product of the other contributors to x's position, from the product of the nonzero
    ones and the count of zeros there."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x != 0, np.where(zeros > 0, 0, nonzero / np.where(x != 0, x, 1)),
                        np.where(zeros == 1, nonzero, 0))


TENSOR_METHODS = ["scatter_reduce"]
