"""Order statistics and scans PyTorch names: quantile, nanmedian, kthvalue, mode, cummax,
logcumsumexp, diff, nansum, searchsorted, histogram, trapezoid, ... The values are picked from
the input with ``gather`` (or written as other ops), so their gradients flow back to the
elements picked; logcumsumexp is the one op with a backward of its own."""
import collections

import numpy as np

from .. import dtypes
from ._util import Tensor, make_result, normalize_dims
from ..tensor import _dim
from . import arithmetic as A, joining as J, pointwise as P, reduction as R, shape as S
from .index_ops import gather


def _pair(name, fields):
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "galton.return_types"
    return cls


_Values = {n: _pair(n, ["values", "indices"]) for n in
           ("cummax", "cummin", "kthvalue", "mode", "nanmedian")}
_Aminmax = _pair("aminmax", ["min", "max"])
_Histogram = _pair("histogram", ["hist", "bin_edges"])


def _picked(input, idx, d, keepdim, name):
    """(values, indices): input's elements at ``idx`` (keepdim-shaped) along d."""
    it = Tensor._wrap(idx)
    values = gather(input, d, it)
    if not keepdim:
        values, it = S.squeeze(values, d), S.squeeze(it, d)
    return _Values[name](values, it)


def _cumulative(name, better):
    def op(input, dim):
        a = input._data
        if a.ndim == 0:
            return _Values[name](input.clone(), Tensor._wrap(np.zeros((), np.int64)))
        d = _dim(dim, a.ndim)
        m = np.moveaxis(a, d, -1)
        n = m.shape[-1]
        best = better.accumulate(m, axis=-1)
        # the index of the latest element that is the running best (NaN wins and sticks)
        hit = (m == best) | (np.isnan(m) if m.dtype.kind == "f" else False)
        idx = np.maximum.accumulate(np.where(hit, np.arange(n), 0), axis=-1)
        return _picked(input, np.moveaxis(idx, -1, d).astype(np.int64), d, True, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"(values, indices) of the running {name[3:]}imum along ``dim``; indices name "
                  f"the latest element equal to it (torch.{name}).")
    return op


cummax = _cumulative("cummax", np.maximum)
cummin = _cumulative("cummin", np.minimum)


def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))`` without overflow (torch.logcumsumexp)."""
    a = input._data
    if a.dtype.kind != "f":
        a = a.astype(dtypes.default_float_np())
    d = _dim(dim, a.ndim) if a.ndim else 0
    y = np.logaddexp.accumulate(a, axis=d) if a.ndim else a.copy()

    def backward(g):
        if not a.ndim:
            return (g,)
        # d y_i / d x_j = exp(x_j - y_i) for j <= i: shift by the row's largest finite y
        top = np.max(np.where(np.isfinite(y), y, -np.inf), axis=d, keepdims=True)
        top = np.where(np.isfinite(top), top, 0)
        w = g * np.exp(top - y)
        tail = np.flip(np.cumsum(np.flip(w, d), d), d)
        return (tail * np.exp(a - top),)
    return make_result(y, (input,), backward, "LogcumsumexpBackward0")


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``, after prepend/append (torch.diff)."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _dim(dim, input.ndim)
    parts = [t for t in (prepend, input, append) if t is not None]
    x = J.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        hi, lo = J.narrow(x, d, 1, size - 1), J.narrow(x, d, 0, size - 1)
        x = A.logical_xor(hi, lo) if x.dtype == dtypes.bool_ else A.sub(hi, lo)
    return x


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum with NaN counted as zero (torch.nansum)."""
    x = P.where(P.isnan(input), 0, input) if input.is_floating_point() else input
    return R.sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN (torch.nanmean)."""
    if not input.is_floating_point() and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {str(input.dtype).split('.')[-1].capitalize()}")
    keep = P.isnan(input).logical_not()
    return A.div(nansum(input, dim, keepdim, dtype=dtype), R.sum(keep, dim, keepdim))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    if not input.is_floating_point():
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    qa = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qa < 0) | (qa > 1)).any():
        bad = qa[(qa < 0) | (qa > 1)].reshape(-1)[0]
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad:g}")
    x = input
    if dim is None:
        x, d = S.reshape(input, -1), 0
    else:
        d = _dim(dim, max(input.ndim, 1))
        if input.ndim == 0:
            x = S.reshape(input, 1)
    if x.shape[d] == 0:
        raise IndexError(f"{name}() input tensor must be non-empty")
    from .index_ops import sort
    values = J.movedim(sort(x, d).values, d, -1)  # NaN sorts last
    a = values._data
    n = a.shape[-1]
    nans = np.isnan(a).sum(-1, keepdims=True)
    valid = n - nans if ignore_nan else np.full_like(nans, n)
    pos = qa.reshape(-1) * np.maximum(valid - 1, 0)  # (..., k)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    # a row with NaN (quantile), or only NaN (nanquantile), gives NaN: point at its last element
    nan_row = (nans > 0) if not ignore_nan else (valid == 0)
    lo, hi = np.where(nan_row, n - 1, lo), np.where(nan_row, n - 1, hi)
    v_lo = gather(values, -1, Tensor._wrap(lo))
    v_hi = gather(values, -1, Tensor._wrap(hi))
    if interpolation == "linear":
        if isinstance(q, Tensor) and q.requires_grad:  # q's gradient flows through the weight
            span = Tensor._wrap(np.maximum(valid - 1, 0).astype(a.dtype))
            w = A.sub(A.mul(S.reshape(q, -1), span), Tensor._wrap(np.floor(pos).astype(a.dtype)))
        else:
            w = Tensor._wrap((pos - np.floor(pos)).astype(a.dtype))
        out = A.add(v_lo, A.mul(w, A.sub(v_hi, v_lo)))
    elif interpolation == "midpoint":
        out = A.mul(A.add(v_lo, v_hi), 0.5)
    else:
        out = v_lo
    out = J.movedim(out, -1, 0)  # (k, ...): the q dimension first, as PyTorch
    if keepdim:
        if dim is None:
            out = S.reshape(out, out.shape[0], *(1,) * input.ndim)
        elif input.ndim:
            out = S.unsqueeze(out, d + 1)
    return S.squeeze(out, 0) if qa.ndim == 0 else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along ``dim`` (all elements when None); NaN if a row has NaN
    (torch.quantile)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` of the elements that are not NaN (torch.nanquantile)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def nanmedian(input, dim=None, keepdim=False):
    """The lower median of the elements that are not NaN; with ``dim``, (values, indices)
    (torch.nanmedian)."""
    a = input._data
    if dim is None:
        flat = S.reshape(input, -1)
        order = np.argsort(flat._data, kind="stable")
        valid = int((~np.isnan(flat._data)).sum()) if a.dtype.kind == "f" else flat.shape[0]
        if flat.shape[0] == 0:
            return Tensor._wrap(np.asarray(np.nan, a.dtype))
        i = order[(valid - 1) // 2] if valid else order[-1]
        return S.reshape(gather(flat, 0, Tensor._wrap(np.array([i]))), ())
    if a.ndim == 0:
        return _Values["nanmedian"](input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    d = _dim(dim, a.ndim)
    n = a.shape[d]
    if n == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    order = np.argsort(a, axis=d, kind="stable")
    keep_shape = a.shape[:d] + (1,) + a.shape[d + 1:]
    valid = (~np.isnan(a)).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else n
    pos = np.broadcast_to(np.where(valid > 0, (valid - 1) // 2, 0), keep_shape)
    return _picked(input, np.take_along_axis(order, pos, d),
                   d, keepdim, "nanmedian")


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along ``dim`` (torch.kthvalue)."""
    a = input._data
    d = _dim(dim, a.ndim) if a.ndim else 0
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if a.ndim == 0:
        return _Values["kthvalue"](input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    order = np.argsort(a, axis=d, kind="stable")
    return _picked(input, np.take(order, [k - 1], axis=d), d, keepdim, "kthvalue")


def mode(input, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along ``dim`` (the smallest among equally
    frequent ones) and the last place it occurs (torch.mode)."""
    a = input._data
    if a.ndim == 0:
        return _Values["mode"](input.clone(), Tensor._wrap(np.zeros((), np.int64)))
    d = _dim(dim, a.ndim)
    m = np.moveaxis(a, d, -1)
    rows = m.reshape(-1, m.shape[-1])
    idx = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        best = vals[np.argmax(counts)]  # np.unique sorts: the first maximum is the smallest
        idx[r] = np.flatnonzero(row == best)[-1]
    idx = np.moveaxis(idx.reshape(m.shape[:-1] + (1,)), -1, d)
    return _picked(input, idx, d, keepdim, "mode")


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) in one call (torch.aminmax)."""
    if dim is None:
        if keepdim:
            return _Aminmax(R.amin(input, tuple(range(input.ndim)), True),
                            R.amax(input, tuple(range(input.ndim)), True))
        return _Aminmax(R.amin(input), R.amax(input))
    return _Aminmax(R.amin(input, dim, keepdim), R.amax(input, dim, keepdim))


def msort(input):
    """``input`` sorted along its first dimension (torch.msort)."""
    from .index_ops import sort
    return sort(input, 0).values


def _sorted_search(seq, values, right):
    side = "right" if right else "left"
    if seq.ndim <= 1:
        return np.searchsorted(seq, values, side=side)
    rows = seq.reshape(-1, seq.shape[-1])
    vals = np.asarray(values).reshape(rows.shape[0], -1)
    out = np.stack([np.searchsorted(r, v, side=side) for r, v in zip(rows, vals)])
    return out.reshape(np.shape(values))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each value of ``input`` would be inserted into ``sorted_sequence`` (along its last
    dimension) to keep it sorted (torch.searchsorted)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, -1)
    scalar = not isinstance(input, Tensor)
    vals = np.asarray(input) if scalar else input._data
    if seq.ndim > 1 and seq.shape[:-1] != vals.shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(vals.shape)}")
    out = np.asarray(_sorted_search(seq, vals, right))
    return Tensor._wrap(out.astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element given the 1-D ``boundaries`` (torch.bucketize)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """(hist, bin_edges) of the elements: ``bins`` equal bins over ``range`` (default the
    data's min and max) or the given edges (torch.histogram)."""
    a = input._data
    edges = bins._data if isinstance(bins, Tensor) else int(bins)
    w = weight._data if weight is not None else None
    hist, e = np.histogram(a, bins=edges, range=range, weights=w, density=density)
    return _Histogram(Tensor._wrap(hist.astype(a.dtype)), Tensor._wrap(e.astype(a.dtype)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The input with runs of equal elements collapsed to one (torch.unique_consecutive)."""
    a = input._data
    d = 0 if dim is None else _dim(dim, a.ndim)
    m = a.reshape(-1) if dim is None else np.moveaxis(a, d, 0)
    n = m.shape[0]
    if n == 0:
        change = np.zeros(0, bool)
    else:
        diff_ = (m[1:] != m[:-1]).reshape(n - 1, -1).any(axis=1)
        change = np.concatenate([[True], diff_])
    starts = np.flatnonzero(change)
    vals = m[starts]
    out = Tensor._wrap(vals if dim is None else np.moveaxis(vals, 0, d))
    extra = []
    if return_inverse:
        inv = np.cumsum(change) - 1
        extra.append(Tensor._wrap(inv.reshape(a.shape) if dim is None else inv))
    if return_counts:
        extra.append(Tensor._wrap(np.diff(np.append(starts, n)).astype(np.int64)))
    return (out, *extra) if extra else out


def _spacing(y, x, dx, d):
    if x is not None:
        if x.ndim == 1:
            shape = [1] * y.ndim
            shape[d] = -1
            x = S.reshape(x, *shape)
        n = x.shape[d]
        return A.sub(J.narrow(x, d, 1, n - 1), J.narrow(x, d, 0, n - 1))
    return 1 if dx is None else dx


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``, with sample points ``x`` or spacing ``dx``
    (torch.trapezoid)."""
    d = _dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return R.sum(y, d)
    mid = A.mul(A.add(J.narrow(y, d, 1, n - 1), J.narrow(y, d, 0, n - 1)), 0.5)
    return R.sum(A.mul(mid, _spacing(y, x, dx, d)), d)


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` under its older name (torch.trapz)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal rule along ``dim`` (torch.cumulative_trapezoid)."""
    d = _dim(dim, y.ndim)
    n = y.shape[d]
    mid = A.mul(A.add(J.narrow(y, d, 1, max(n - 1, 0)), J.narrow(y, d, 0, max(n - 1, 0))), 0.5)
    return R.cumsum(A.mul(mid, _spacing(y, x, dx, d)), d)


TENSOR_METHODS = ["cummax", "cummin", "logcumsumexp", "diff", "nansum", "nanmean", "quantile",
                  "nanquantile", "nanmedian", "kthvalue", "mode", "aminmax", "msort",
                  "histogram", "unique_consecutive"]
