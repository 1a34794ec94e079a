"""Ops that move elements without changing them: reshape, view, transpose, permute, ..."""
import numpy as np

from .. import memory_formats
from ._util import Tensor, _dim, make_result


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    shape = _shape_arg(shape)
    a = x._data
    try:
        out = a.reshape(shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {a.size}") from None
    in_shape = a.shape
    return make_result(out, (x,), lambda g, xp=np: (g.reshape(in_shape),), "ViewBackward0")


def view(x, *shape):
    """Like reshape; PyTorch refuses non-contiguous inputs, and so does galton."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
        from .. import dtypes
        if isinstance(shape[0], dtypes.dtype):
            return Tensor._wrap(x._data.view(shape[0].np))
    shape = _shape_arg(shape)
    a = x._data
    if not a.flags.c_contiguous and a.ndim > 1:
        try:
            a.view().shape = shape  # succeeds only when no copy is needed, as torch.view
        except AttributeError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None
        except ValueError:
            pass
    return reshape(x, shape)


def flatten(x, start_dim=0, end_dim=-1):
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, 1)
    s, e = _dim(start_dim, nd), _dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = x._data.shape
    return reshape(x, shp[:s] + (-1 if x._data.size else int(np.prod(shp[s:e + 1])),) + shp[e + 1:])


def unflatten(x, dim, sizes):
    d = _dim(dim, x._data.ndim)
    shp = x._data.shape
    return reshape(x, shp[:d] + tuple(sizes) + shp[d + 1:])


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    if nd == 0:
        return make_result(x._data, (x,), lambda g, xp=np: (g,), "TransposeBackward0")
    d0, d1 = _dim(dim0, nd), _dim(dim1, nd)
    out = np.swapaxes(x._data, d0, d1)
    return make_result(out, (x,), lambda g, xp=np: (xp.swapaxes(g, d0, d1),),
                       "TransposeBackward0")


def t(x):
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x._data.ndim}D")
    if x._data.ndim < 2:
        return x
    return make_result(x._data.T, (x,), lambda g, xp=np: (g.T,), "TBackward0")


def permute(x, *dims):
    dims = _shape_arg(dims)
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {nd} is not equal to len(dims) = {len(dims)}")
    perm = tuple(_dim(d, nd) for d in dims)
    if len(set(perm)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    inv = tuple(np.argsort(perm))
    return make_result(x._data.transpose(perm), (x,), lambda g, xp=np: (xp.transpose(g, inv),),
                       "PermuteBackward0")


def squeeze(x, dim=None):
    a = x._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(a.shape) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = tuple(sorted({_dim(d, a.ndim) for d in dims if a.ndim and a.shape[_dim(d, a.ndim)] == 1}))
    shape = a.shape
    # PyTorch's overloads: squeeze(), squeeze(dim), squeeze(dims)
    name = ("SqueezeBackward0" if dim is None else
            "SqueezeBackward1" if isinstance(dim, (int, np.integer)) else "SqueezeBackward2")
    return make_result(np.squeeze(a, axes) if axes else a, (x,),
                       lambda g, xp=np: (g.reshape(shape),), name)


def unsqueeze(x, dim):
    a = x._data
    d = _dim(dim, a.ndim + 1)
    shape = a.shape
    return make_result(np.expand_dims(a, d), (x,), lambda g, xp=np: (g.reshape(shape),),
                       "UnsqueezeBackward0")


def expand(x, *sizes):
    sizes = _shape_arg(sizes)
    a = x._data
    if len(sizes) < a.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({a.ndim})")
    lead = len(sizes) - a.ndim
    target = tuple(a.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i in range(a.ndim):
        if a.shape[i] != 1 and a.shape[i] != target[i + lead]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i + lead]}) must match the existing "
                f"size ({a.shape[i]}) at non-singleton dimension {i + lead}.  Target sizes: "
                f"{list(sizes)}.  Tensor sizes: {list(a.shape)}")
    from ._util import unbroadcast
    shape = a.shape
    return make_result(np.broadcast_to(a, target), (x,), lambda g, xp=np: (unbroadcast(g, shape),),
                       "ExpandBackward0")


def view_as(x, other):
    return view(x, other.shape)


def reshape_as(x, other):
    return reshape(x, other.shape)


def expand_as(x, other):
    return expand(x, other.shape)


def contiguous(x, memory_format=memory_formats.contiguous_format):
    """``x`` itself when its elements already lie in ``memory_format``'s order, else a copy
    that does (``channels_last``: NHWC in memory, still NCHW in shape)."""
    a = x._data
    if memory_format is memory_formats.contiguous_format:
        if a.flags.c_contiguous:
            return x
        out = np.ascontiguousarray(a)
    else:
        out = memory_formats.contiguous(a, memory_format)
        if out is a:
            return x
    return make_result(out, (x,), lambda g, xp=np: (g,), "CloneBackward0")


def clone(x, *, memory_format=memory_formats.preserve_format):
    """A copy; preserve keeps a channels-last layout (every other copy is C-ordered)."""
    out = memory_formats.clone(x._data, memory_format)
    return make_result(out, (x,), lambda g, xp=np: (g,), "CloneBackward0")


TENSOR_METHODS = ["reshape", "view", "flatten", "unflatten", "transpose", "swapaxes=transpose",
                  "t", "permute", "squeeze", "unsqueeze", "expand", "expand_as", "view_as",
                  "reshape_as", "contiguous", "clone"]
