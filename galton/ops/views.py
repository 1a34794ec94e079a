"""Splits, rotations, broadcasting and the scatter-into-a-copy family PyTorch names
(tensor_split, rot90, broadcast_to, unfold, diag_embed, select_scatter, index_fill, put,
masked_scatter, ...). Each is written with existing ops (narrow, flip, expand, getitem, an
assignment into a clone), so gradients come from those ops."""
import numpy as np

from ._util import Tensor
from ..tensor import Size, _dim
from . import joining as J, shape as S
from .index_ops import index_add, index_select
from .indexing import getitem


def _sections(name, input, spec, d):
    n = input.shape[d]
    if isinstance(spec, Tensor):
        if spec.dtype.is_floating_point or spec.ndim > 1:
            raise RuntimeError(f"{name} expected tensor_indices_or_sections to be a zero-"
                               f"dimensional or one-dimensional tensor, but got a tensor with "
                               f"{spec.ndim} dims")
        spec = spec.item() if spec.ndim == 0 else spec.tolist()
    if isinstance(spec, (int, np.integer)):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        q, r = divmod(n, int(spec))
        sizes = [q + 1] * r + [q] * (int(spec) - r)
        bounds = np.cumsum([0] + sizes)
    else:
        bounds = [0, *[min(max(int(i), 0), n) for i in spec], n]
    return tuple(J.narrow(input, d, int(lo), max(int(hi) - int(lo), 0))
                 for lo, hi in zip(bounds[:-1], np.maximum.accumulate(bounds[1:])))


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal parts, or at the given indices, along ``dim`` (views)
    (torch.tensor_split)."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    return _sections("tensor_split", input, indices_or_sections, _dim(dim, input.ndim))


def _directional(name, dim, min_dims):
    def op(input, indices_or_sections):
        if input.ndim < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                               f"dimension{'s' if min_dims > 1 else ''}, but got a tensor with "
                               f"{input.ndim} dimensions!")
        d = dim if not (name == "hsplit" and input.ndim == 1) else 0
        if isinstance(indices_or_sections, (int, np.integer)):
            n = input.shape[d]
            if indices_or_sections == 0 or n % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {n} is not divisible by the "
                                   f"split_size {indices_or_sections}!")
        return _sections(name, input, indices_or_sections, d)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tensor_split`` along dimension {dim} (torch.{name})."
    return op


hsplit = _directional("hsplit", 1, 1)
vsplit = _directional("vsplit", 0, 2)
dsplit = _directional("dsplit", 2, 3)


def swapdims(input, dim0, dim1):
    """``transpose`` under NumPy's name (torch.swapdims)."""
    return S.transpose(input, dim0, dim1)


def ravel(input):
    """The elements as a 1-D tensor (torch.ravel)."""
    return S.reshape(input, -1)


def broadcast_to(input, size):
    """``input`` expanded to ``size`` (torch.broadcast_to)."""
    return S.expand(input, *size)


def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to (torch.broadcast_shapes)."""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    result = []
    for i, s in enumerate(shapes):
        pad = [1] * (len(s) - len(result)) + result
        for k in range(1, len(s) + 1):
            if s[-k] != 1 and pad[-k] != 1 and s[-k] != pad[-k]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[-k]} at "
                                   f"-{k}! Mismatching argument at index {i} had {tuple(s)}; "
                                   f"but expected shape should be broadcastable to {pad}")
            if pad[-k] == 1:
                pad[-k] = s[-k]
        result = pad
    return Size(result)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common shape (torch.broadcast_tensors)."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(S.expand(t, *shape) for t in tensors)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of ``dims``, from the first towards the
    second (torch.rot90)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = _dim(dims[0], input.ndim), _dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return S.transpose(J.flip(input, d1), d0, d1)
    if k == 2:
        return J.flip(input, d0, d1)
    if k == 3:
        return J.flip(S.transpose(input, d0, d1), d1)
    return input.clone()


def _unfold(input, dimension, size, step):
    """Every window of ``size`` elements along ``dimension``, ``step`` apart; the window is a
    new last dimension (Tensor.unfold)."""
    d = _dim(dimension, max(input.ndim, 1))
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return S.reshape(input, 1)
    count = (n - size) // step + 1
    idx = (np.arange(count)[:, None] * step + np.arange(size)).reshape(-1)
    picked = index_select(input, d, Tensor._wrap(idx))
    shape = list(input.shape)
    shape[d:d + 1] = [count, size]
    return J.movedim(S.reshape(picked, *shape), d + 1, -1)


def select(input, dim, index):
    """The slice at ``index`` of dimension ``dim``, that dimension removed (torch.select)."""
    d = _dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (index,))


def _scattered(input, idx, src):
    from .inplace import setitem
    out = input.clone()
    setitem(out, idx, src)
    return out


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` written at ``index`` of ``dim`` (torch.select_scatter)."""
    d = _dim(dim, input.ndim)
    return _scattered(input, (slice(None),) * d + (index,), src)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written into the slice start:end:step of ``dim``
    (torch.slice_scatter)."""
    d = _dim(dim, input.ndim)
    return _scattered(input, (slice(None),) * d + (slice(start, end, step),), src)


def _diag_index(shape, offset, dim1, dim2):
    n1, n2 = shape[dim1], shape[dim2]
    rows = np.arange(max(0, -offset), n1)
    rows = rows[rows + offset < n2]
    return rows, rows + offset


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` written on the diagonal of dims dim1, dim2
    (torch.diagonal_scatter)."""
    d1, d2 = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    moved = J.movedim(input, (d1, d2), (-2, -1))
    rows, cols = _diag_index(moved.shape, offset, -2, -1)
    out = _scattered(moved, (Ellipsis, Tensor._wrap(rows), Tensor._wrap(cols)), src)
    return J.movedim(out, (-2, -1), (d1, d2)).contiguous()


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose diagonal (offset ``offset``, in dims dim1, dim2) holds the last
    dimension of ``input`` (torch.diag_embed)."""
    from ..creation import zeros
    n = input.shape[-1] if input.ndim else 1
    m = n + abs(offset)
    base = zeros(*input.shape[:-1], m, m, dtype=input.dtype)
    rows, cols = _diag_index(base.shape, offset, -2, -1)
    out = _scattered(base, (Ellipsis, Tensor._wrap(rows), Tensor._wrap(cols)), input)
    nd = out.ndim
    d1, d2 = _dim(dim1, nd), _dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return J.movedim(out, (nd - 2, nd - 1), (d1, d2))


def diagflat(input, offset=0):
    """A matrix with the flattened input on diagonal ``offset`` (torch.diagflat)."""
    return diag_embed(S.reshape(input, -1), offset)


def _index_tuple(input, dim, index):
    d = _dim(dim, max(input.ndim, 1))
    return (slice(None),) * d + (index if isinstance(index, Tensor) else Tensor._wrap(
        np.asarray(index, np.int64)),)


def index_fill(input, dim, index, value):
    """A copy of ``input`` with ``value`` at the listed indices of ``dim``
    (torch.index_fill)."""
    return _scattered(input, _index_tuple(input, dim, index), value)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with ``source``'s slices put at the listed indices of ``dim``
    (torch.index_copy)."""
    return _scattered(input, _index_tuple(input, dim, index), source)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` put (or, with ``accumulate``, added) at the
    positions the tuple of index tensors names (torch.index_put)."""
    indices = tuple(indices)
    if not accumulate:
        return _scattered(input, indices, values)
    # accumulate: one index_add over the indexed leading dimensions, flattened
    k = len(indices)
    arrays = np.broadcast_arrays(*(np.asarray(i._data) for i in indices))
    lin = np.ravel_multi_index(tuple(a.reshape(-1) for a in arrays), input.shape[:k],
                               mode="wrap")
    flat = S.reshape(input, -1, *input.shape[k:])
    vals = values if isinstance(values, Tensor) else Tensor._wrap(
        np.asarray(values, input._data.dtype))
    vals = S.reshape(S.expand(vals, *arrays[0].shape, *input.shape[k:]), -1, *input.shape[k:])
    return S.reshape(index_add(flat, 0, Tensor._wrap(lin), vals), *input.shape)


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``source`` put at the flat positions ``index``
    (torch.put)."""
    flat = S.reshape(input, -1)
    return S.reshape(index_put(flat, (Tensor._wrap(np.asarray(index._data).reshape(-1)),),
                               S.reshape(source, -1), accumulate), *input.shape)


def take(input, index):
    """The elements at the flat positions ``index``, in index's shape (torch.take)."""
    n = input.numel()
    idx = index._data
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError(f"out of range: tried to access index {int(idx.max())} on a tensor of "
                         f"{n} elements.")
    return getitem(S.reshape(input, -1), index)


def masked_scatter(input, mask, source):
    """A copy of ``input`` whose elements where ``mask`` is True are, in order, ``source``'s
    first elements (torch.masked_scatter)."""
    m = np.broadcast_to(mask._data, input.shape)
    pos = np.flatnonzero(m)
    if source.numel() < pos.size:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements "
                           "as ones in mask")
    picked = J.narrow(S.reshape(source, -1), 0, 0, pos.size)
    return put(input, Tensor._wrap(pos), picked)


def _indices(name, np_fn, row, col, offset, dtype):
    from .. import dtypes
    r, c = np_fn(row, offset, col)
    dt = (dtype or dtypes.int64).np
    return Tensor._wrap(np.stack([r, c]).astype(dt).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) indices of the lower triangle of a row x col matrix, a 2 x N tensor
    (torch.tril_indices)."""
    return _indices("tril_indices", np.tril_indices, row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) indices of the upper triangle of a row x col matrix, a 2 x N tensor
    (torch.triu_indices)."""
    return _indices("triu_indices", np.triu_indices, row, col, offset, dtype)


def unravel_index(indices, shape):
    """The coordinates in ``shape`` of flat indices, a tuple of tensors (torch.unravel_index)."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind == "f" or idx.dtype == bool:
        raise TypeError("expected 'indices' to be integer dtype, but got "
                        f"{Tensor._wrap(idx).dtype}")
    n = int(np.prod(shape))
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise RuntimeError("'indices' must be in range [-prod(shape), prod(shape) - 1], but got "
                           f"{list(idx.reshape(-1))}")
    coords = np.unravel_index(np.where(idx < 0, idx + n, idx), shape)
    return tuple(Tensor._wrap(np.asarray(c, np.int64)) for c in coords)


def _where_method(self, condition, y):
    """``x.where(condition, y)``: x where condition holds, else y (Tensor.where)."""
    from .pointwise import where
    return where(condition, self, y)


def unsafe_chunk(input, chunks, dim=0):
    """``chunk`` (torch.unsafe_chunk: the same without view tracking)."""
    return J.chunk(input, chunks, dim)


def unsafe_split(input, split_size, dim=0):
    """``split`` (torch.unsafe_split)."""
    return J.split(input, split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """``split_with_sizes`` (torch.unsafe_split_with_sizes)."""
    return J.split_with_sizes(input, split_sizes, dim)


TENSOR_METHODS = ["tensor_split", "hsplit", "vsplit", "dsplit", "swapdims", "ravel",
                  "broadcast_to", "rot90", "unfold=_unfold", "select", "select_scatter", "slice_scatter",
                  "diagonal_scatter", "diag_embed", "diagflat", "index_fill", "index_copy",
                  "index_put", "put", "take", "masked_scatter", "where=_where_method",
                  "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes"]
