"""Ops that join tensors, cut them apart or rearrange their elements: cat, stack, split,
chunk, unbind, repeat, tile, flip, roll, tril/triu, narrow, movedim, diag: forward and
backward side by side.

Each piece that split/chunk/unbind/narrow returns is its own graph node: its backward puts
its gradient back into its slice of a zero tensor of the input's shape.
"""
import functools

import numpy as np

from .. import dtypes
from ._util import Tensor, _dim, linear_backward, make_result
from .shape import reshape


def _check_list(name, tensors, empty_error):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise empty_error
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _result_dtype(arrays):
    """PyTorch's promotion over a list (floats win over ints, ints over bool), or None when
    every array already has the same dtype."""
    first = arrays[0].dtype
    if all(a.dtype == first for a in arrays):
        return None
    return functools.reduce(dtypes.promote_types,
                            (dtypes.from_numpy_dtype(a.dtype) for a in arrays)).np



def _grad_as(g, dtype):
    if g.dtype == dtype:
        return g
    if isinstance(g, Tensor):  # a backward running on tensors (create_graph)
        return g if g._data.dtype == dtype else g.to(Tensor._wrap(np.zeros(0, dtype)).dtype)
    return g.astype(dtype)


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing ``dim``; their other sizes must match.

    >>> galton.cat([galton.ones(2, 3), galton.zeros(1, 3)]).shape
    galton.Size([3, 3])
    """
    tensors = _check_list("cat", tensors,
                          ValueError("torch.cat(): expected a non-empty list of Tensors"))
    if axis is not None:
        dim = axis
    arrays = [t._data for t in tensors]
    # legacy PyTorch rule: 1-D empty tensors are skipped whatever the other shapes are
    used = [i for i, a in enumerate(arrays) if not (a.ndim == 1 and a.shape[0] == 0)] or [0]
    ref = arrays[used[0]]
    for i in used:
        if arrays[i].ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = _dim(dim, ref.ndim)
    for i in used[1:]:
        a = arrays[i]
        if a.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{a.ndim}")
        for k in range(ref.ndim):
            if k != d and a.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {a.shape[k]} for "
                                   f"tensor number {i} in the list.")
    target = _result_dtype(arrays)
    out_arr = np.concatenate([arrays[i] for i in used], axis=d, dtype=target)
    bounds = np.cumsum([arrays[i].shape[d] for i in used])[:-1]
    shapes_dtypes = [(a.shape, a.dtype) for a in arrays]

    def backward(g, xp=np):
        grads = [None] * len(arrays)
        lead = (slice(None),) * d
        starts = [0, *bounds]
        ends = [*bounds, None]
        for i, lo, hi in zip(used, starts, ends):
            piece = g[lead + (slice(lo, hi),)]
            grads[i] = _grad_as(piece, shapes_dtypes[i][1])
        for i, (shape, dt) in enumerate(shapes_dtypes):
            if grads[i] is None:  # a skipped empty tensor
                grads[i] = np.zeros(shape, dt)
        return tuple(grads)
    return make_result(out_arr, tuple(tensors), backward, "CatBackward0")


def concat(tensors, dim=0):
    """Alias of ``cat``."""
    return cat(tensors, dim)


def concatenate(tensors, axis=0):
    """Alias of ``cat`` with NumPy's argument name."""
    return cat(tensors, axis)


def stack(tensors, dim=0):
    """Join same-shaped tensors along a new ``dim``."""
    tensors = _check_list("stack", tensors,
                          RuntimeError("stack expects a non-empty TensorList"))
    arrays = [t._data for t in tensors]
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(a.shape)} at entry {i}")
    d = _dim(dim, len(shape) + 1)
    target = _result_dtype(arrays)
    out_arr = np.stack(arrays, axis=d) if target is None else np.stack(arrays, d, dtype=target)
    in_dtypes = [a.dtype for a in arrays]

    def backward(g, xp=np):
        lead = (slice(None),) * d
        return tuple(_grad_as(g[lead + (i,)], dt) for i, dt in enumerate(in_dtypes))
    return make_result(out_arr, tuple(tensors), backward, "StackBackward0")


def atleast_1d(*tensors):
    """Tensors with at least one dim (0-d ones become shape (1,))."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Tensors with at least two dims: (n,) becomes (1, n)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Tensors with at least three dims: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    return _atleast(tensors, 3)


def _atleast(tensors, n):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        s = t._data.shape
        if len(s) < n:
            # NumPy's placement: a vector is a row (1, n) or (1, n, 1); a matrix gains a
            # trailing dim
            if len(s) == 0:
                s = (1,) * n
            elif len(s) == 1:
                s = (1, s[0], 1)[:n]
            else:
                s = s + (1,)
            t = reshape(t, s)
        out.append(t)
    return out[0] if single else tuple(out)


def hstack(tensors):
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    tensors = atleast_1d(*_check_list("hstack", tensors,
                                      RuntimeError("hstack expects a non-empty TensorList")))
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Join along dim 0, 1-D tensors counted as rows."""
    tensors = atleast_2d(*_check_list("vstack", tensors,
                                      RuntimeError("vstack expects a non-empty TensorList")))
    return cat(tensors, 0)


row_stack = vstack


def dstack(tensors):
    """Join along dim 2 (depth), after making every tensor at least 3-D."""
    tensors = atleast_3d(*_check_list("dstack", tensors,
                                      RuntimeError("dstack expects a non-empty TensorList")))
    return cat(tensors, 2)


def column_stack(tensors):
    """Join as columns: 0-d and 1-D tensors become (n, 1) columns first."""
    tensors = _check_list("column_stack", tensors,
                          RuntimeError("column_stack expects a non-empty TensorList"))
    cols = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1)


def _piece(x, d, start, stop, name, drop=False):
    """x[..., start:stop, ...] along d (or x[..., start, ...] when drop), as its own node."""
    a = x._data
    key = (slice(None),) * d + ((start if drop else slice(start, stop)),)
    shape = a.shape

    def backward(g, xp=np):
        if xp is not np:  # on tensors: the same placement, as an op of its own
            from .indexing import placed
            return (placed(g, shape, key),)
        full = np.zeros(shape, g.dtype)
        full[key] = g
        return (full,)
    return make_result(a[key], (x,), backward, name)


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of one size (the last may be smaller) or of the
    listed sizes; a tuple of views."""
    a = x._data
    if a.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, a.ndim)
    n = a.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                               f"entries, but got split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(_piece(x, d, start, start + s, "SplitBackward0"))
        start += s
    return tuple(out)



def split_with_sizes(x, split_sizes, dim=0):
    """``split`` with a list of sizes."""
    return split(x, list(split_sizes), dim)


def chunk(x, chunks, dim=0):
    """Cut into ``chunks`` pieces of ceil(size / chunks) (so there may be fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    a = x._data
    if a.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = a.shape[_dim(dim, a.ndim)]
    if n == 0:
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


def unbind(x, dim=0):
    """The slices of ``x`` along ``dim``, that dim removed."""
    a = x._data
    if a.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _dim(dim, a.ndim)
    return tuple(_piece(x, d, i, None, "UnbindBackward0", drop=True) for i in range(a.shape[d]))


def narrow(x, dim, start, length):
    """The view ``x[..., start:start + length, ...]`` along ``dim``."""
    a = x._data
    d = _dim(dim, a.ndim)
    n = a.shape[d]
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _piece(x, d, start, start + length, "SliceBackward0")


def _sizes_arg(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Tensor)):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def repeat(x, *sizes):
    """``Tensor.repeat``: tile ``x`` ``sizes[i]`` times along dim i; extra leading sizes add
    leading dims (``np.tile``)."""
    sizes = _sizes_arg(sizes)
    a = x._data
    if len(sizes) < a.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - a.ndim) + a.shape
    out_shape = tuple(r * s for r, s in zip(sizes, shape))
    for s in out_shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(out_shape)}")
    # (r0, s0, r1, s1, ...) views the output as copies of the input along the r axes
    pairs = tuple(v for r, s in zip(sizes, shape) for v in (r, s))
    src = a.reshape(tuple(v for s in shape for v in (1, s)))
    out = np.broadcast_to(src, pairs).reshape(out_shape)
    in_shape = a.shape

    def backward(g, xp=np):  # reshape and sum: the same lines run on tensors
        return (xp.sum(xp.reshape(g, pairs), axis=tuple(range(0, len(pairs), 2))).reshape(
            in_shape),)
    return make_result(out, (x,), backward, "RepeatBackward0")


def tile(x, *dims):
    """Like ``repeat``, but fewer ``dims`` than the tensor has dims are padded with 1s."""
    dims = _sizes_arg(dims)
    return repeat(x, (1,) * (x._data.ndim - len(dims)) + dims)


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int, or a tensor with one count per slice)
    along ``dim`` (the flattened tensor when None). ``repeat_interleave(counts)`` alone gives
    the indices ``0, 0, ..., 1, ...`` repeated by counts."""
    if repeats is None:  # torch.repeat_interleave(counts)
        r = x._data
        return Tensor._wrap(np.repeat(np.arange(r.size, dtype=np.int64), r))
    a = x._data
    in_shape = a.shape
    if dim is None:
        a, d = a.reshape(-1), 0
    else:
        d = _dim(dim, a.ndim)
        if a.ndim == 0:
            a = a.reshape(1)
    r = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.size == 1:
        r = int(r.reshape(-1)[0])
    if np.any(np.asarray(r) < 0):
        raise RuntimeError("Repeats must be non-negative")
    if not isinstance(r, int) and r.size != a.shape[d]:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {r.size} and input.size({d}) = {a.shape[d]}")
    out = np.repeat(a, r, axis=d)
    shape = a.shape

    def sums(g):
        if isinstance(r, int):
            gi = g.reshape(shape[:d] + (shape[d], r) + shape[d + 1:]).sum(d + 1)
        else:
            gi = np.zeros(shape, g.dtype)
            keep = r > 0  # reduceat cannot express an empty segment
            if keep.any():
                starts = np.concatenate([[0], np.cumsum(r)[:-1]])[keep]
                key = (slice(None),) * d + (keep,)
                gi[key] = np.add.reduceat(g, starts, axis=d)
        return gi.reshape(in_shape)
    return make_result(out, (x,), linear_backward(
        sums, lambda v: np.repeat(v.reshape(shape), r, axis=d), "RepeatInterleaveBackward0"),
        "RepeatInterleaveBackward0")


def _dims_arg(dims, ndim, name="flip"):
    dims = _sizes_arg(dims) if isinstance(dims, tuple) else (
        (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(int(d) for d in dims))
    norm = tuple(_dim(d, ndim) for d in dims)
    for d in norm:
        if norm.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return norm


def flip(x, *dims):
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    a = x._data
    axes = _dims_arg(dims, a.ndim)
    out = np.flip(a, axes).copy() if axes else a.copy()
    return make_result(out, (x,), lambda g, xp=np: (xp.flip(g, axes) if axes else g,),
                       "FlipBackward0")


def fliplr(x):
    """Reverse the columns (dim 1)."""
    if x._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, (1,))


def flipud(x):
    """Reverse the rows (dim 0)."""
    if x._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, (0,))


def roll(x, shifts, dims=None):
    """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    None)."""
    a = x._data
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else tuple(
        int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        shape = a.shape
        out = np.roll(a.reshape(-1), shifts[0]).reshape(shape)
        return make_result(out, (x,), linear_backward(
            lambda g: np.roll(g.reshape(-1), -shifts[0]).reshape(shape),
            lambda v: np.roll(v.reshape(-1), shifts[0]).reshape(shape), "RollBackward0"),
            "RollBackward0")
    dims = (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(int(d) for d in dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    axes = tuple(_dim(d, a.ndim) for d in dims)
    back = tuple(-s for s in shifts)
    return make_result(np.roll(a, shifts, axes), (x,), linear_backward(
        lambda g: np.roll(g, back, axes), lambda v: np.roll(v, shifts, axes), "RollBackward0"),
        "RollBackward0")


def tril(x, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); zeros elsewhere."""
    if x._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    k = int(diagonal)
    return make_result(np.tril(x._data, k), (x,), linear_backward(
        lambda g: np.tril(g, k), lambda v: np.tril(v, k), "TrilBackward0"), "TrilBackward0")


def triu(x, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); zeros elsewhere."""
    if x._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    k = int(diagonal)
    return make_result(np.triu(x._data, k), (x,), linear_backward(
        lambda g: np.triu(g, k), lambda v: np.triu(v, k), "TriuBackward0"), "TriuBackward0")


def movedim(x, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or tuples); a view."""
    a = x._data
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(_dim(d, a.ndim) for d in src)
    dst = tuple(_dim(d, a.ndim) for d in dst)
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(ds)})")
    return make_result(np.moveaxis(a, src, dst), (x,), lambda g, xp=np: (xp.moveaxis(g, dst, src),),
                       "MovedimBackward0")


moveaxis = movedim


def _diag_len(rows, cols, offset):
    return max(0, min(rows + min(offset, 0), cols - max(offset, 0)))


def _diag_index(n, offset):
    i = np.arange(n)
    return i + max(0, -offset), i + max(0, offset)



def diagonal(x, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, as a last dim; a view."""
    a = x._data
    d1, d2 = _dim(dim1, a.ndim), _dim(dim2, a.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = np.diagonal(a, offset, d1, d2)
    shape = a.shape

    def put(g):
        full = np.zeros(shape, g.dtype)
        rows, cols = _diag_index(g.shape[-1], offset)
        np.moveaxis(full, (d1, d2), (-2, -1))[..., rows, cols] = g
        return full
    return make_result(out, (x,), linear_backward(
        put, lambda v: np.diagonal(v, offset, d1, d2).copy(), "DiagonalBackward0"),
        "DiagonalBackward0")


def diag(x, diagonal=0):
    """A 1-D tensor becomes a matrix with it on ``diagonal``; a matrix gives that diagonal."""
    a = x._data
    if a.ndim == 1:
        k = int(diagonal)
        return make_result(np.diag(a, k), (x,), linear_backward(
            lambda g: np.diagonal(g, k).copy(), lambda v: np.diag(v, k), "DiagEmbedBackward0"),
            "DiagEmbedBackward0")
    if a.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {a.ndim}D")
    k = int(diagonal)
    n = _diag_len(a.shape[0], a.shape[1], k)
    rows, cols = _diag_index(n, k)
    shape = a.shape

    def put(g):
        full = np.zeros(shape, g.dtype)
        full[rows, cols] = g
        return full
    return make_result(a[rows, cols], (x,), linear_backward(
        put, lambda v: v[rows, cols], "DiagBackward0"), "DiagBackward0")


TENSOR_METHODS = ["split", "split_with_sizes", "chunk", "unbind", "narrow", "repeat", "tile",
                  "repeat_interleave", "flip", "fliplr", "flipud", "roll", "tril", "triu",
                  "movedim", "moveaxis", "diagonal", "diag"]
