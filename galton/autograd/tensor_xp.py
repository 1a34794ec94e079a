"""NumPy's names over galton tensors: the ``xp`` a backward formula gets under create_graph.

A backward closure written as ``g * xp.cos(x)`` runs on arrays with ``xp = numpy`` (the
first-order path) and, handed this module and tensors, runs as galton ops that record a graph
(twice.py). Only what the formulas use is here; each name behaves as its NumPy namesake.
"""
import contextlib

import numpy as np

from .. import ops as _ops  # noqa: F401  (binds the Tensor methods)
from ..ops import pointwise as _p, reduction as _r, shape as _s

errstate = np.errstate
newaxis = None
inf = np.inf



def _t(x):
    """A tensor for an operand that may be an array or a number (a constant of the formula)."""
    from ..tensor import Tensor
    return x if isinstance(x, Tensor) else Tensor._wrap(np.asarray(x))


def _unary(op):
    def f(x):
        return op(_t(x))
    f.__name__ = op.__name__
    return f


exp, log, sqrt, sin, cos, tanh, sign, abs, sigmoid, log1p, expm1, erf, isnan, isfinite = (
    _unary(f) for f in (_p.exp, _p.log, _p.sqrt, _p.sin, _p.cos, _p.tanh, _p.sign, _p.abs,
                        _p.sigmoid, _p.log1p, _p.expm1, _p.erf, _p.isnan, _p.isfinite))


def where(c, a, b):
    from ..tensor import Tensor
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = _t(a)
    return _p.where(c, a, b)


def clip(x, lo, hi):
    return _p.clamp(_t(x), lo, hi)


def maximum(a, b):
    return _p.maximum(_t(a), b)


def minimum(a, b):
    return _p.minimum(_t(a), b)


@contextlib.contextmanager
def strict():
    """While a formula runs on tensors, a tensor that slips into a NumPy function raises
    (``Tensor.__array__`` would otherwise hand NumPy a plain array and cut the graph)."""
    from . import graph
    prev, graph._strict_tensors = graph._strict_tensors, True
    try:
        yield
    finally:
        graph._strict_tensors = prev


def zeros_like(x, dtype=None):
    from ..tensor import Tensor
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._wrap(np.zeros_like(a, dtype=dtype))


def ones_like(x, dtype=None):
    from ..tensor import Tensor
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    return Tensor._wrap(np.ones_like(a, dtype=dtype))


def astype(x, dtype, copy=True):
    from .. import dtypes
    x = _t(x)
    return x if x._data.dtype == dtype else x.to(dtypes.from_numpy_dtype(np.dtype(dtype)))


def reshape(x, shape):
    return _s.reshape(_t(x), shape)


def expand_dims(x, axis):
    x = _t(x)
    axes = (axis,) if isinstance(axis, int) else axis
    n = x.ndim + len(axes)
    for a in sorted(d % n for d in axes):
        x = _s.unsqueeze(x, a)
    return x


def squeeze(x, axis=None):
    return _s.squeeze(_t(x), axis)


def broadcast_to(x, shape):
    return _s.expand(_t(x), tuple(shape))


def swapaxes(x, a, b):
    return _s.transpose(_t(x), a, b)


def transpose(x, axes=None):
    x = _t(x)
    return _s.permute(x, tuple(reversed(range(x.ndim))) if axes is None else tuple(axes))


def moveaxis(x, source, destination):
    x = _t(x)
    src = [d % x.ndim for d in (source if isinstance(source, tuple) else (source,))]
    dst = [d % x.ndim for d in (destination if isinstance(destination, tuple) else
                                (destination,))]
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):  # as NumPy: fill the destinations in increasing order
        order.insert(d, s)
    return _s.permute(x, tuple(order))


def sum(x, axis=None, keepdims=False, dtype=None):  # noqa: A001
    x = _t(x)
    if axis is not None and not isinstance(axis, int) and len(axis) == 0:
        return x
    return _r.sum(x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    return _r.mean(_t(x), axis, keepdims)


def matmul(x, y):
    from ..ops.linalg import matmul as mm
    return mm(x, y)


def flip(x, axis):
    from ..ops.joining import flip as fl
    return fl(_t(x), *((axis,) if isinstance(axis, int) else axis))


def cumsum(x, axis):
    return _r.cumsum(_t(x), axis)


def square(x):
    return _p.square(_t(x))


def unbroadcast(g, shape):
    """Sum a tensor gradient back to ``shape`` over the axes broadcasting added or stretched."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if axes:
        g = _r.sum(g, axes, True)
    if lead:
        g = _s.reshape(g, tuple(shape))
    return g
