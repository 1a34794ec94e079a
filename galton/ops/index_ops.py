"""Ops that pick, place or order elements by index: gather/scatter, masks, sort, topk, unique.

Forward and backward side by side. A gradient that flows back through a pick (gather,
index_select, take_along_dim) must be *added* into the input where an index repeats, so those
backwards use ``np.add.at``; picks whose indices cannot repeat (sort, topk, masks) write
with plain assignment.
"""
import warnings
from collections import namedtuple

import numpy as np

from ._util import (Tensor, _dim, check_broadcast, identity_backward, linear_backward,
                    linear_map, make_result, unbroadcast)

# what torch.return_types.* look like: tuples with .values and .indices
_Sort = namedtuple("sort", ["values", "indices"])
_Topk = namedtuple("topk", ["values", "indices"])


def _index_array(index, op, allow_int32=True):
    """The array of an index tensor, refusing non-integer dtypes with PyTorch's message."""
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype != np.int64 and not (allow_int32 and arr.dtype == np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    return arr


def _check_bounds(idx, size, dim):
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _along(idx, dim):
    """A fancy-index tuple that addresses ``a[i0, ..., idx[i], ..., in]`` for every i of idx."""
    nd = idx.ndim
    return tuple(idx if d == dim else
                 np.arange(s).reshape((1,) * d + (s,) + (1,) * (nd - d - 1))
                 for d, s in enumerate(idx.shape))


def _check_index_shape(op, a, idx, dim, src=None):
    """PyTorch's rules: same ndim; index no larger than self (apart from dim) nor than src."""
    if idx.ndim != max(a.ndim, 1) and not (idx.ndim == 0 and a.ndim == 0) and idx.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(idx.ndim):
        too_big_self = d != dim and idx.shape[d] > (a.shape[d] if a.ndim else 1)
        too_big_src = src is not None and idx.shape[d] > src.shape[d]
        if too_big_self or too_big_src:
            if src is None:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index {list(idx.shape)} to be "
                    f"no larger than self {list(a.shape)} apart from dimension {dim}")
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be no larger than self {list(a.shape)} "
                f"apart from dimension {dim} and to be no larger size than src "
                f"{list(src.shape)}")


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for dim=1, as ``torch.gather``."""
    a = input._data
    idx = _index_array(index, "gather")
    dim = _dim(dim, a.ndim)
    _check_index_shape("gather", a, idx, dim)
    if a.ndim == 0:
        _check_bounds(idx, 1, dim)
        return make_result(a.copy(), (input,), identity_backward, "GatherBackward0")
    _check_bounds(idx, a.shape[dim], dim)
    where = _along(idx, dim)
    out = a[where]
    shape = a.shape

    def scatter_back(g):
        full = np.zeros(shape, dtype=g.dtype)
        np.add.at(full, where, g)  # an index may pick the same element twice
        return full
    return make_result(out, (input,), linear_backward(scatter_back, lambda v: v[where],
                                                      "GatherBackward0"), "GatherBackward0")


def take_along_dim(input, indices, dim=None):
    """Pick values of ``input`` at ``indices`` along ``dim`` (the flattened input when None);
    input and indices broadcast in the other dimensions."""
    a = input._data
    idx = _index_array(indices, "take_along_dim")
    if dim is None:
        flat, fidx = a.reshape(-1), idx.reshape(-1)  # both are flattened, as in PyTorch
        _check_bounds(fidx, flat.size, 0)
        out = flat[fidx]
        shape = a.shape

        def scatter_flat(g):
            full = np.zeros(flat.shape, dtype=g.dtype)
            np.add.at(full, fidx, g)
            return full.reshape(shape)
        return make_result(out, (input,), linear_backward(
            scatter_flat, lambda v: v.reshape(-1)[fidx], "GatherBackward0"), "GatherBackward0")
    if idx.ndim != a.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {a.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    dim = _dim(dim, a.ndim)
    a_rest = a.shape[:dim] + (1,) + a.shape[dim + 1:]
    i_rest = idx.shape[:dim] + (1,) + idx.shape[dim + 1:]
    check_broadcast("take_along_dim", a_rest, i_rest)
    common = np.broadcast_shapes(a_rest, i_rest)
    ab_shape = common[:dim] + (a.shape[dim],) + common[dim + 1:]
    ib = np.broadcast_to(idx, common[:dim] + (idx.shape[dim],) + common[dim + 1:])
    _check_bounds(ib, a.shape[dim], dim)
    where = _along(ib, dim)
    out = np.broadcast_to(a, ab_shape)[where]
    shape = a.shape

    def scatter_back(g):
        full = np.zeros(ab_shape, dtype=g.dtype)
        np.add.at(full, where, g)
        return unbroadcast(full, shape)
    return make_result(out, (input,), linear_backward(
        scatter_back, lambda v: np.broadcast_to(v, ab_shape)[where], "GatherBackward0"),
        "GatherBackward0")


def _scatter_src(op, a, idx, dim, src):
    """The values a scatter writes: the leading ``idx.shape`` block of src, or a scalar."""
    if isinstance(src, Tensor):
        s = src._data
        if s.dtype != a.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        _check_index_shape(op, a, idx, dim, s)
        return s[tuple(slice(0, n) for n in idx.shape)] if s.shape != idx.shape else s
    _check_index_shape(op, a, idx, dim)
    return np.asarray(src).astype(a.dtype)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Write ``src`` (a tensor, or a number given as src or value) into a copy of ``input`` at
    ``index`` along ``dim``; ``reduce='add'`` or ``'multiply'`` combines instead of writing."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if reduce is not None and isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning,
                      stacklevel=3)  # 3: past the quiet wrapper (galton/_quiet.py)
    a = input._data
    idx = _index_array(index, "scatter")
    dim = _dim(dim, a.ndim)
    s = _scatter_src("scatter", a, idx, dim, src)
    _check_bounds(idx, a.shape[dim] if a.ndim else 1, dim)
    ts = src if isinstance(src, Tensor) else None
    out = a.copy()
    where = _along(idx, dim) if a.ndim else ()
    if reduce is None:
        out[where] = s
    elif reduce == "add":
        np.add.at(out, where, s)
    else:
        np.multiply.at(out, where, s)
    if reduce is not None:
        def no_backward(g):
            raise RuntimeError("derivative for aten::scatter is not implemented")
        return make_result(out, (input, ts), no_backward, "NotImplemented")
    shape = a.shape
    src_shape = ts._data.shape if ts is not None else None

    block = tuple(slice(0, n) for n in idx.shape)

    def kept(g):
        gx = g.copy()
        gx[where] = 0  # overwritten elements do not reach the output
        return gx

    def picked(g):
        gs = np.zeros(src_shape, dtype=g.dtype)
        gs[block] = g[where] if shape else g
        return gs

    def put(v):  # picked's adjoint
        full = np.zeros(shape, dtype=v.dtype)
        full[where] = v[block] if shape else v
        return full

    def backward(g, xp=np):
        if xp is np:
            return (kept(g) if input._rg else None,
                    picked(g) if ts is not None and ts._rg else None)
        return (linear_map(kept, kept, g, "ScatterBackward0") if input._rg else None,
                linear_map(picked, put, g, "ScatterBackward0")
                if ts is not None and ts._rg else None)
    return make_result(out, (input, ts), backward,
                       "ScatterBackward0" if ts is not None else "ScatterBackward1")


def scatter_add(input, dim, index, src):
    """Add ``src`` into a copy of ``input`` at ``index`` along ``dim`` (repeats accumulate)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not "
                        f"{type(src).__name__}")
    a = input._data
    idx = _index_array(index, "scatter_add")
    dim = _dim(dim, a.ndim)
    s = _scatter_src("scatter_add", a, idx, dim, src)
    _check_bounds(idx, a.shape[dim] if a.ndim else 1, dim)
    out = a.copy()
    where = _along(idx, dim) if a.ndim else ()
    np.add.at(out, where, s)
    src_shape = src._data.shape

    block = tuple(slice(0, n) for n in idx.shape)
    shape = a.shape

    def picked(g):
        gs = np.zeros(src_shape, dtype=g.dtype)
        gs[block] = g[where]
        return gs

    def put(v):  # picked's adjoint
        full = np.zeros(shape, dtype=v.dtype)
        np.add.at(full, where, v[block])
        return full

    def backward(g, xp=np):
        if not src._rg:
            return g, None
        return g, (picked(g) if xp is np else linear_map(picked, put, g, "ScatterAddBackward0"))
    return make_result(out, (input, src), backward, "ScatterAddBackward0")


def _vector_index(index, op):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32 or int64 for index")
    return idx.reshape(-1)


def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` listed by the 1-D ``index``."""
    a = input._data
    dim = _dim(dim, a.ndim)
    idx = _vector_index(index, "index_select")
    n = a.shape[dim] if a.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
    out = np.take(a, idx, axis=dim) if a.ndim else a.copy()
    shape = a.shape

    if not shape:
        return make_result(out, (input,), identity_backward, "IndexSelectBackward0")

    def add_back(g):
        full = np.zeros(shape, dtype=g.dtype)
        np.add.at(np.moveaxis(full, dim, 0), idx, np.moveaxis(g, dim, 0))
        return full
    return make_result(out, (input,), linear_backward(
        add_back, lambda v: np.take(v, idx, axis=dim), "IndexSelectBackward0"),
        "IndexSelectBackward0")


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` added at the slices ``index`` along ``dim``."""
    a, s = input._data, source._data
    dim = _dim(dim, a.ndim)
    idx = _vector_index(index, "index_add")
    exp = a.shape[:dim] + (idx.size,) + a.shape[dim + 1:] if a.ndim else (idx.size,)
    if a.ndim and s.shape != exp:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(a.shape)} source.shape "
                           f"= {list(s.shape)}")
    _check_bounds(idx, a.shape[dim] if a.ndim else 1, dim)
    out = a.copy()
    if a.ndim:
        np.add.at(np.moveaxis(out, dim, 0), idx, np.moveaxis(s * alpha if alpha != 1 else s,
                                                             dim, 0).astype(a.dtype, copy=False))
    else:
        out += (s * alpha).sum().astype(a.dtype)

    def taken(g):
        gs = np.take(g, idx, axis=dim) if g.ndim else np.broadcast_to(g, s.shape).copy()
        return gs * alpha if alpha != 1 else gs

    def added(v):  # taken's adjoint
        full = np.zeros(a.shape, dtype=v.dtype)
        if a.ndim:
            np.add.at(np.moveaxis(full, dim, 0), idx, np.moveaxis(v, dim, 0))
        else:
            full += v.sum()
        return full * alpha if alpha != 1 else full

    def backward(g, xp=np):
        if not source._rg:
            return g, None
        return g, (taken(g) if xp is np else linear_map(taken, added, g, "IndexAddBackward0"))
    return make_result(out, (input, source), backward, "IndexAddBackward0")


def _mask_array(mask, op):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        if op == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype "
                           f"{_torch_dtype_name(m.dtype)}")
    return m


def _torch_dtype_name(d):
    from .. import dtypes
    return {np.float32: "float", np.float64: "double", np.int64: "long", np.int32: "int",
            np.uint8: "unsigned char"}.get(np.dtype(d).type, dtypes.from_numpy_dtype(d).name)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where the boolean ``mask`` (broadcast) is True.

    value: a number or a 0-d tensor (whose gradient is the sum of the filled positions').
    """
    a = input._data
    m = _mask_array(mask, "masked_fill_")
    tv = None
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        tv, value = value, value._data
    check_broadcast("masked_fill", a.shape, m.shape)
    out = np.where(m, np.asarray(value).astype(a.dtype), a)
    shape = a.shape

    def backward(g, xp=np):
        gx = unbroadcast(xp.where(m, 0, g), shape) if input._rg else None
        gv = None
        if tv is not None and tv._rg:
            gv = (g[np.broadcast_to(m, g.shape)].sum().astype(g.dtype) if xp is np
                  else (g * m).sum())
        return gx, gv
    return make_result(out, (input, tv), backward, "MaskedFillBackward0")


def masked_select(input, mask):
    """A 1-D tensor of the elements of ``input`` where ``mask`` (both broadcast) is True."""
    a = input._data
    m = _mask_array(mask, "masked_select")
    check_broadcast("masked_select", a.shape, m.shape)
    shape = np.broadcast_shapes(a.shape, m.shape)
    mb = np.broadcast_to(m, shape)
    out = np.broadcast_to(a, shape)[mb]
    in_shape = a.shape

    def put(g):
        full = np.zeros(shape, dtype=g.dtype)
        full[mb] = g
        return unbroadcast(full, in_shape)
    return make_result(out, (input,), linear_backward(
        put, lambda v: np.broadcast_to(v, shape)[mb], "MaskedSelectBackward0"),
        "MaskedSelectBackward0")


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim."""
    a = input._data
    if as_tuple:
        if a.ndim == 0:
            return (Tensor._wrap(np.zeros(int(a != 0), dtype=np.int64)),)
        return tuple(Tensor._wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(a))
    return Tensor._wrap(np.argwhere(a).astype(np.int64, copy=False))


def argwhere(input):
    """``nonzero(input)``: the (n, ndim) indices of the non-zero elements."""
    return nonzero(input)


def _sort_indices(a, dim, descending, stable):
    """Indices that sort ``a`` along ``dim``; descending keeps equal elements in their order
    (and NaN first) by sorting the reversed array ascending and reversing back."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable" if stable else None)
    n = a.shape[dim]
    rev = np.flip(a, axis=dim)
    return (n - 1) - np.flip(np.argsort(rev, axis=dim, kind="stable"), axis=dim)


def _picked(input, a, idx, dim, name):
    """values = a at idx along dim, with the backward that puts g back at idx (no repeats)."""
    vals = np.take_along_axis(a, idx, axis=dim)
    shape = a.shape

    def put(g):
        full = np.zeros(shape, dtype=g.dtype)
        np.put_along_axis(full, idx, g, axis=dim)
        return full
    return make_result(vals, (input,), linear_backward(
        put, lambda v: np.take_along_axis(v, idx, axis=dim), name), name)


def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) of ``input`` sorted along ``dim``; NaN counts as the largest."""
    a = input._data
    if a.ndim == 0:
        return _Sort(make_result(a.copy(), (input,), identity_backward, "SortBackward0"),
                     Tensor._wrap(np.zeros((), dtype=np.int64)))
    dim = _dim(dim, a.ndim)
    idx = _sort_indices(a, dim, descending, stable)
    return _Sort(_picked(input, a, idx, dim, "SortBackward0"), Tensor._wrap(idx))


def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort ``input`` along ``dim``."""
    a = input._data
    if a.ndim == 0:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    return Tensor._wrap(_sort_indices(a, _dim(dim, a.ndim), descending, stable))


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name
    """(values, indices) of the ``k`` largest (or smallest) elements along ``dim``."""
    a = input._data
    dim = _dim(dim, a.ndim)
    n = a.shape[dim] if a.ndim else 1
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if a.ndim == 0:
        return _Topk(make_result(a.copy(), (input,), identity_backward, "TopkBackward0"),
                     Tensor._wrap(np.zeros((), dtype=np.int64)))
    if 0 < k and k * 8 < n:
        # only k of n elements are wanted: partition first, then order those k
        key = np.argpartition(a, n - k if largest else k - 1, axis=dim)
        cand = np.take(key, np.arange(n - k, n) if largest else np.arange(k), axis=dim)
        order = _sort_indices(np.take_along_axis(a, cand, axis=dim), dim, largest, False)
        idx = np.take_along_axis(cand, order, axis=dim)
    else:
        idx = np.take(_sort_indices(a, dim, largest, False), np.arange(k), axis=dim)
    return _Topk(_picked(input, a, idx, dim, "TopkBackward0"), Tensor._wrap(idx))


def unique(input, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """The distinct values (sorted), and optionally where each input element went
    (``return_inverse``) and how often each value occurs (``return_counts``)."""
    a = input._data
    res = np.unique(a if dim is not None else a.reshape(-1), return_inverse=True,
                    return_counts=True, axis=None if dim is None else _dim(dim, a.ndim))
    vals, inv, counts = res
    out = [Tensor._wrap(vals)]
    if return_inverse:
        inv = inv.reshape(a.shape if dim is None else (a.shape[_dim(dim, a.ndim)],))
        out.append(Tensor._wrap(inv.astype(np.int64, copy=False)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


TENSOR_METHODS = ["gather", "scatter", "scatter_add", "index_select", "index_add", "masked_fill",
                  "masked_select", "take_along_dim", "nonzero", "argwhere", "sort", "argsort",
                  "topk", "unique"]
