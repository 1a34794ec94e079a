"""Reductions over dims (``dim`` None, an int, a tuple or a list; ``keepdim``) and the scans
cumsum/cumprod: forward and backward side by side.

Every backward first puts the reduced dims back (``_expand``) so the output gradient
broadcasts against the input.
"""
import builtins
import collections
import warnings

import numpy as np

from ..backend import array_module
from ._util import Tensor, _dim, as_array, composite, make_result, to_float
from .pointwise import maximum, minimum

# PyTorch's names for dtypes in its error messages ("... Got: Long")
_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _return_type(name):
    """A (values, indices) tuple with attribute access, as ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, ["values", "indices"])
    cls.__module__ = "galton.return_types"
    cls.__repr__ = lambda self: (f"galton.return_types.{name}(\nvalues={self.values},\n"
                                 f"indices={self.indices})")
    return cls


_MaxResult, _MinResult, _MedianResult = (_return_type(n) for n in ("max", "min", "median"))


def _axes(dim, ndim):
    """The reduced axes: None for all of them, else a sorted tuple (empty for a 0-d input).

    An empty dim list means all dims, as in PyTorch."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        d = _dim(int(dim), ndim)
        return (d,) if ndim else ()
    if len(dim) == 0:
        return None
    axes = [_dim(int(d), ndim) for d in dim]
    if len(set(axes)) != len(axes):
        dup = next(d for d in axes if axes.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    return tuple(sorted(axes)) if ndim else ()


def _expand(g, axes, keepdim, xp=np):
    """Put back the dims a reduction removed, so ``g`` broadcasts against its input."""
    if not keepdim and axes:
        g = xp.expand_dims(g, axes)
    return g


def _count(shape, axes):
    """How many input elements fold into each output element."""
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[i] for i in axes]))


def _check_float(name, a):
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_NAMES.get(a.dtype.name, a.dtype.name)}")


def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A001
    """Sum over ``dim`` (all dims by default); integers and bools sum as int64."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    a = x._data
    axes = _axes(dim, a.ndim)
    in_dtype = a.dtype
    if dtype is not None:
        a = a.astype(dtype.np)
    elif a.dtype.kind in "biu":
        a = a.astype(np.int64)
    out = as_array(a.sum(axis=axes, keepdims=keepdim))
    shape = a.shape

    def backward(g, xp=np):
        g = xp.broadcast_to(_expand(g, axes, keepdim, xp), shape)
        return (g if g.dtype == in_dtype else xp.astype(g, in_dtype),)
    return make_result(out, (x,), backward, "SumBackward1" if dim is not None else "SumBackward0")


def mean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean over ``dim`` (all dims by default); integer inputs need ``dtype=``, as in PyTorch."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    a = x._data
    in_dtype = a.dtype
    if dtype is not None:
        a = a.astype(dtype.np)
    if a.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_TORCH_NAMES.get(a.dtype.name, a.dtype.name)}")
    axes = _axes(dim, a.ndim)
    shape = a.shape
    n = _count(shape, axes)
    # over nothing: 0 / 0 = nan, silently as PyTorch (NumPy's mean warns "Mean of empty slice")
    out = as_array(a.mean(axis=axes, keepdims=keepdim) if n else
                     a.sum(axis=axes, keepdims=keepdim) / a.dtype.type(0))

    def backward(g, xp=np):
        g = xp.broadcast_to(_expand(g, axes, keepdim, xp) / n if n else g, shape)
        return (g if g.dtype == in_dtype else xp.astype(g, in_dtype),)
    return make_result(out, (x,), backward, "MeanBackward1" if dim is not None else "MeanBackward0")


def _prod_of_others(a, axis):
    """For each element, the product of the other elements along ``axis``; exact with zeros
    (no division), from exclusive cumulative products taken from both ends."""
    a = np.moveaxis(a, axis, -1)
    ones = np.ones(a.shape[:-1] + (1,), a.dtype)
    left = np.cumprod(np.concatenate([ones, a[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, a[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


def prod(x, dim=None, keepdim=False, *, dtype=None):
    """Product over one ``dim`` (or all elements); integers and bools multiply as int64."""
    a = x._data
    if dtype is not None:
        a = a.astype(dtype.np)
    elif a.dtype.kind in "biu":
        a = a.astype(np.int64)
    shape = a.shape
    if dim is None:
        out = as_array(a.prod())
        axis = None
    else:
        axis = _dim(dim, a.ndim) if a.ndim else None
        out = as_array(a.prod(axis=axis, keepdims=keepdim)) if a.ndim else a.copy()

    def backward(g, x=a, xp=np):
        if xp is not np:  # create_graph: the product as a chain of multiplications
            return composite(lambda x: _prod_chain(x, axis, keepdim), (x,), g)
        if axis is None:
            return (g * _prod_of_others(a.reshape(-1), 0).reshape(shape),)
        return (_expand(g, (axis,), keepdim) * _prod_of_others(a, axis),)
    return make_result(out, (x,), backward, "ProdBackward0" if dim is None else "ProdBackward1")


def _prod_chain(x, axis, keepdim):
    """prod written with galton's multiplication (exact with zeros), for create_graph."""
    from functools import reduce
    import operator
    if axis is None:
        x, axis, keepdim = x.reshape(-1), 0, False
    if x.shape[axis] == 0:
        return prod(x, axis, keepdim)
    out = reduce(operator.mul, x.unbind(axis))
    return out.unsqueeze(axis) if keepdim else out


def _evenly(x, out, name):
    """A full reduction that picks an element (max, min, median): the elements equal to the
    result (NaN matches NaN) share its gradient equally, as in PyTorch."""
    a = x._data

    def backward(g, xp=np):
        mask = np.isnan(a) if np.isnan(out).any() else a == out
        return (xp.where(mask, g / mask.sum(), 0.0),)
    return make_result(out, (x,), backward, name)


def _picked(x, idx, d, keepdim, name, result_type):
    """``(values, indices)`` of the elements at ``idx`` (keepdims form) along ``d``; the
    gradient goes back to exactly those elements."""
    a = x._data
    values = np.take_along_axis(a, idx, d)
    shape = a.shape
    idx_out = idx if keepdim else idx.squeeze(d)

    def backward(g, xp=np):
        if xp is not np:  # on tensors: g where the one-hot mask of idx is set
            mask = np.zeros(shape, bool)
            np.put_along_axis(mask, idx, True, d)
            return (xp.where(mask, g if keepdim else xp.expand_dims(g, d), 0.0),)
        m = array_module(g)  # NumPy, or CuPy for a device gradient
        full = m.zeros(shape, g.dtype)
        m.put_along_axis(full, idx, g if keepdim else m.expand_dims(g, d), d)
        return (full,)
    return result_type(make_result(values if keepdim else values.squeeze(d), (x,), backward,
                                   name), Tensor._wrap(idx_out.astype(np.int64, copy=False)))


def _scalar_pick(x, name, result_type):
    """The dim form on a 0-d tensor: the value itself at index 0."""
    return result_type(make_result(x._data.copy(), (x,), lambda g, xp=np: (g,), name),
                       Tensor._wrap(np.zeros((), np.int64)))


def _extreme(name, x, dim, keepdim, argfn, result_type):
    """Shared body of max and min: no dim -> a 0-d tensor; a dim -> (values, indices)."""
    a = x._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return _evenly(x, np.asarray(a.reshape(-1)[argfn(a)]), name.capitalize() + "Backward1")
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        return _scalar_pick(x, name.capitalize() + "Backward0", result_type)
    if a.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return _picked(x, argfn(a, axis=d, keepdims=True), d, keepdim,
                   name.capitalize() + "Backward0", result_type)


def max(x, dim=None, keepdim=False, *, axis=None):  # noqa: A001
    """The largest element, or ``(values, indices)`` along ``dim``; ``max(x, other)`` is
    ``maximum``. Ties: the full reduction splits the gradient evenly, the dim form sends it
    to the returned index (the first maximum)."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _extreme("max", x, axis if axis is not None else dim, keepdim, np.argmax, _MaxResult)


def min(x, dim=None, keepdim=False, *, axis=None):  # noqa: A001
    """The smallest element, or ``(values, indices)`` along ``dim``; see ``max``."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _extreme("min", x, axis if axis is not None else dim, keepdim, np.argmin, _MinResult)


def _amax_amin(name, npfn, x, dim, keepdim):
    a = x._data
    axes = _axes(dim, a.ndim)
    if a.size == 0:
        if axes is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        for i in axes:
            if a.shape[i] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {i} to have non-zero size.")
    out = as_array(npfn(a, axis=axes, keepdims=keepdim))

    def backward(g, xp=np):
        mask = a == _expand(out, axes, keepdim)
        n = np.maximum(mask.sum(axis=axes, keepdims=True), 1).astype(a.dtype)
        return (xp.where(mask, _expand(g, axes, keepdim, xp) / n, 0.0),)
    return make_result(out, (x,), backward, name.capitalize() + "Backward0")


def amax(x, dim=(), keepdim=False):
    """Maximum over ``dim`` (int or tuple; all dims by default); ties share the gradient."""
    return _amax_amin("amax", np.max, x, dim, keepdim)


def amin(x, dim=(), keepdim=False):
    """Minimum over ``dim`` (int or tuple; all dims by default); ties share the gradient."""
    return _amax_amin("amin", np.min, x, dim, keepdim)


def _arg(name, fn, x, dim, keepdim):
    a = x._data
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        out = np.asarray(fn(a), dtype=np.int64)
        return Tensor._wrap(out.reshape((1,) * a.ndim) if keepdim else out)
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    if a.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._wrap(fn(a, axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(x, dim=None, keepdim=False, *, axis=None):
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmax", np.argmax, x, axis if axis is not None else dim, keepdim)


def argmin(x, dim=None, keepdim=False, *, axis=None):
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmin", np.argmin, x, axis if axis is not None else dim, keepdim)


def _correction(dim, unbiased, correction):
    """Sort out PyTorch's two signatures: (dim, unbiased, keepdim) and (dim, *, correction)."""
    if isinstance(dim, bool):  # x.var(False): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError("var()/std() take either unbiased= or correction=, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _var(x, dim, correction, keepdim):
    """Variance forward; returns the result and what the backward needs."""
    a = x._data
    if a.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    axes = _axes(dim, a.ndim)
    n = _count(a.shape, axes)
    dof = builtins.max(0, n - correction)
    if dof == 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)  # 4: past the quiet wrapper (_quiet.py)
    centred = a - (a.mean(axis=axes, keepdims=True) if n else a.sum(axis=axes, keepdims=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = as_array((centred * centred).sum(axis=axes, keepdims=keepdim) / a.dtype.type(dof))
    return out, axes, centred, dof


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with ``correction`` (1, Bessel's, by default; ``unbiased=False``
    is ``correction=0``)."""
    dim, c = _correction(dim, unbiased, correction)
    out, axes, centred, dof = _var(x, dim, c, keepdim)

    def backward(g, a=x._data, xp=np):
        c = centred if xp is np else a - xp.mean(a, axis=axes, keepdims=True)  # on tensors: from a
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_expand(g, axes, keepdim, xp) * (2 / centred.dtype.type(dof)) * c,)
    return make_result(out, (x,), backward, "VarBackward0")


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``; see ``var``. Where it is 0 the gradient is 0."""
    dim, c = _correction(dim, unbiased, correction)
    v, axes, centred, dof = _var(x, dim, c, keepdim)
    out = np.sqrt(v)

    def backward(g, a=x._data, out=out, xp=np):
        c = centred if xp is np else a - xp.mean(a, axis=axes, keepdims=True)  # on tensors: from a
        with np.errstate(divide="ignore", invalid="ignore"):
            gv = xp.where(out == 0, 0.0, g / (2 * out))
            return (_expand(gv, axes, keepdim, xp) * (2 / centred.dtype.type(dof)) * c,)
    return make_result(out, (x,), backward, "StdBackward0")


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    dim, c = _correction(dim, unbiased, correction)
    return var(x, dim, keepdim=keepdim, correction=c), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    dim, c = _correction(dim, unbiased, correction)
    return std(x, dim, keepdim=keepdim, correction=c), mean(x, dim, keepdim)


def logsumexp(x, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim``, computed after subtracting the maximum so that
    large inputs do not overflow."""
    a = to_float(x._data)
    axes = _axes(dim, a.ndim)
    if a.size:
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or an inf) must not give inf - inf
    else:
        m = np.zeros((1,) * a.ndim, a.dtype)
    with np.errstate(divide="ignore"):
        lse = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
    out = lse if keepdim else as_array(lse.squeeze(axes))

    def backward(g, a=a, out=out, xp=np):
        m = lse if xp is np else _expand(out, axes, keepdim, xp)
        return (_expand(g, axes, keepdim, xp) * xp.exp(a - m),)
    return make_result(out, (x,), backward, "LogsumexpBackward0")


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of the elements over ``dim`` (all by default): p = 'fro' or 2, 1, any
    number, inf, -inf, 0 (count of non-zeros). At a zero norm the gradient is 0, as in
    PyTorch."""
    a = x._data if dtype is None else x._data.astype(dtype.np)
    in_dtype = x._data.dtype
    if isinstance(p, str):
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dim))
        p = 2
    _check_float("linalg.vector_norm", a)
    axes = _axes(dim, a.ndim)
    p = float(p)
    absa = np.abs(a)
    if p == 2:
        out = np.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
    elif p == 1:
        out = absa.sum(axis=axes, keepdims=keepdim)
    elif p == np.inf:
        out = absa.max(axis=axes, keepdims=keepdim)
    elif p == -np.inf:
        out = absa.min(axis=axes, keepdims=keepdim)
    elif p == 0:
        out = (a != 0).sum(axis=axes, keepdims=keepdim).astype(a.dtype)
    else:
        out = ((absa ** p).sum(axis=axes, keepdims=keepdim)) ** (1 / p)
    out = x_out = np.asarray(out)

    def backward(g, a=a, out=out, xp=np):
        g = _expand(g, axes, keepdim, xp)
        n = _expand(out, axes, keepdim, xp)
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                gi = xp.where(n == 0, 0.0, g / n) * a
            elif p == 1:
                gi = g * xp.sign(a)
            elif p == 0:
                gi = xp.zeros_like(a)
            elif np.isinf(p):
                mask = (absa == _expand(x_out, axes, keepdim)) | np.isnan(absa)
                gi = xp.sign(a) * mask * (g / mask.sum(axis=axes, keepdims=True))
            else:
                gi = xp.where(n == 0, 0.0, xp.sign(a) * xp.abs(a) ** (p - 1) * g / n ** (p - 1))
        return (gi if gi.dtype == in_dtype else xp.astype(gi, in_dtype, copy=False),)
    return make_result(out, (x,), backward, "LinalgVectorNormBackward0")


def _truth(fn, x, dim, keepdim):
    a = x._data
    out = as_array(fn(a, axis=_axes(dim, a.ndim), keepdims=keepdim))
    # uint8 keeps its dtype, for compatibility with old PyTorch code that used it as bool
    return Tensor._wrap(out.astype(np.uint8) if a.dtype == np.uint8 else out)


def all(x, dim=None, keepdim=False):  # noqa: A001
    """True where every element over ``dim`` is non-zero; a bool tensor."""
    return _truth(np.all, x, dim, keepdim)


def any(x, dim=None, keepdim=False):  # noqa: A001
    """True where some element over ``dim`` is non-zero; a bool tensor."""
    return _truth(np.any, x, dim, keepdim)


def count_nonzero(x, dim=None):
    """How many elements over ``dim`` (int or tuple; all by default) are non-zero (int64)."""
    a = x._data
    return Tensor._wrap(np.asarray(np.count_nonzero(a, axis=_axes(dim, a.ndim)), np.int64))


def _scan_input(a, dtype):
    if dtype is not None:
        return a.astype(dtype.np)
    return a.astype(np.int64) if a.dtype.kind in "biu" else a


def cumsum(x, dim, *, dtype=None):
    """Running sum along ``dim``; its gradient is the running sum of the output gradient
    taken from the other end."""
    a = _scan_input(x._data, dtype)
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        return make_result(a.copy(), (x,), lambda g, xp=np: (g,), "CumsumBackward0")

    def backward(g, xp=np):
        return (xp.flip(xp.cumsum(xp.flip(g, d), d), d),)
    return make_result(np.cumsum(a, d), (x,), backward, "CumsumBackward0")


def cumprod(x, dim, *, dtype=None):
    """Running product along ``dim``; the gradient is exact where the input has zeros."""
    a = _scan_input(x._data, dtype)
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        return make_result(a.copy(), (x,), lambda g, xp=np: (g,), "CumprodBackward0")
    out = np.cumprod(a, d)

    def backward(g, x=a, xp=np):
        if xp is not np:  # create_graph: the running product as a chain of multiplications
            return composite(lambda x: _cumprod_chain(x, d), (x,), g)
        xs, gs, os = (np.moveaxis(t, d, -1) for t in (a, g, out))
        zero = xs == 0
        before = np.cumsum(zero, -1) == 0  # positions before the first zero of each row
        # k before the first zero z: d out_j / d x_k = out_j / x_k for k <= j < z, 0 for j >= z
        tail = np.flip(np.cumsum(np.flip(np.where(before, gs * os, 0), -1), -1), -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            gi = np.where(before, tail / np.where(before, xs, 1), 0)
        # k == z: d out_j / d x_z = prod(x_i, i < z) * prod(x_i, z < i <= j) for j >= z
        first = zero & (np.cumsum(zero, -1) == 1)
        after = ~before
        partial = np.cumprod(np.where(after & ~first, xs, 1), -1)
        at_z = np.prod(np.where(before, xs, 1), -1, keepdims=True) * \
            np.sum(np.where(after, gs * partial, 0), -1, keepdims=True)
        gi = np.where(first, at_z, gi)
        return (np.moveaxis(gi, -1, d).astype(g.dtype, copy=False),)
    return make_result(out, (x,), backward, "CumprodBackward0")


def _cumprod_chain(x, d):
    """cumprod written with galton's multiplication, for create_graph."""
    from .joining import stack
    parts = x.unbind(d)
    if not parts:
        return cumprod(x, d)
    running = [parts[0]]
    for p in parts[1:]:
        running.append(running[-1] * p)
    return stack(running, d)


def median(x, dim=None, keepdim=False):
    """The lower median (no averaging of the two middle values), or ``(values, indices)``
    along ``dim``; NaN wins, as in PyTorch."""
    a = x._data
    if dim is None:
        if a.size == 0:
            return Tensor._wrap(np.asarray(np.nan, a.dtype))
        flat = a.reshape(-1)
        out = np.sort(flat)[(flat.size - 1) // 2]  # NaNs sort last; any NaN is the result
        return _evenly(x, np.asarray(out if not np.isnan(flat).any() else np.nan, a.dtype),
                       "MedianBackward0")
    d = _dim(dim, a.ndim)
    if a.ndim == 0:
        return _scalar_pick(x, "MedianBackward1", _MedianResult)
    n = a.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    order = np.argsort(a, axis=d, kind="stable")  # NaNs sort last
    nans = np.isnan(a).sum(axis=d, keepdims=True)
    pos = np.where(nans > 0, n - nans, (n - 1) // 2)
    return _picked(x, np.take_along_axis(order, pos, d), d, keepdim, "MedianBackward1",
                   _MedianResult)


TENSOR_METHODS = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var",
                  "std", "logsumexp", "norm", "all", "any", "count_nonzero", "cumsum", "cumprod",
                  "median"]
