"""Helpers shared by the ops: operand conversion, dtype promotion, un-broadcasting."""
import numbers

import numpy as np

from .. import dtypes
from ..tensor import Tensor, make_result, will_record, _dim  # noqa: F401  (re-exported for the ops)

_FLOAT_KINDS = "f"


def as_array(v, dtype=None):
    """A reduction's result as an array on its input's device: NumPy's scalars become 0-d
    arrays (np.asarray), a device array stays one (np.asarray on a CuPy array raises)."""
    if type(v) is np.ndarray or isinstance(v, (np.generic, numbers.Number)):
        return np.asarray(v, dtype=dtype)
    return v if dtype is None or v.dtype == dtype else v.astype(dtype)


def to_float(arr):
    """Integer/bool arrays become the default float dtype (exp, log, mean, ... of ints)."""
    return arr if arr.dtype.kind == "f" else arr.astype(dtypes.default_float_np())


def _promote_arrays(x, y):
    """PyTorch's rule: categories (bool < int < float) first; a 0-d operand of the same
    category does not widen a dimensioned one."""
    dx, dy = dtypes.from_numpy_dtype(x.dtype), dtypes.from_numpy_dtype(y.dtype)
    if dtypes._category(dx) == dtypes._category(dy):
        if x.ndim == 0 and y.ndim:
            return x.astype(y.dtype), y
        if y.ndim == 0 and x.ndim:
            return x, y.astype(x.dtype)
    target = dtypes.promote_types(dx, dy).np
    return x.astype(target, copy=False), y.astype(target, copy=False)


def operands(a, b):
    """Arrays for a binary op, and the tensors among a and b (None for non-tensors)."""
    if type(a) is Tensor or isinstance(a, Tensor):
        x, ta = a._data, a
    else:
        x, ta = a, None
    if type(b) is Tensor or isinstance(b, Tensor):
        y, tb = b._data, b
    else:
        y, tb = b, None
    if ta is not None and tb is not None:
        if x.dtype is not y.dtype and x.dtype != y.dtype:
            x, y = _promote_arrays(x, y)
        return x, y, ta, tb
    if ta is None:
        y, x = _scalar_operand(y, x)
    else:
        x, y = _scalar_operand(x, y)
    return x, y, ta, tb


def _scalar_operand(arr, other):
    """Combine a tensor's array with a non-tensor operand (a Python number, NumPy value, list)."""
    if isinstance(other, bool):
        return arr, other
    if isinstance(other, numbers.Number):
        if isinstance(other, complex):
            raise TypeError("galton tensors do not support complex numbers")
        if arr.dtype.kind in "biu" and isinstance(other, float):
            arr = arr.astype(dtypes.default_float_np())  # int tensor * 2.5 -> float, as PyTorch
        elif isinstance(other, (np.floating, np.integer)):
            other = other.item()
        return arr, other
    other = np.asarray(other)
    if other.dtype == np.float64 and other.ndim == 0:
        other = other.item()
        if arr.dtype.kind in "biu":
            arr = arr.astype(dtypes.default_float_np())
        return arr, other
    if other.dtype.kind not in "fiub":
        raise TypeError(f"unsupported operand of type {type(other).__name__}")
    if other.dtype != arr.dtype:
        arr, other = _promote_arrays(arr, other)
    return arr, other


def unbroadcast(g, shape):
    """Sum a gradient over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == shape:
        return g
    if isinstance(g, Tensor):  # a backward running on tensors (create_graph=True)
        from ..autograd.tensor_xp import unbroadcast as unbroadcast_tensor
        return unbroadcast_tensor(g, shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


def check_broadcast(name, xs, ys):
    """PyTorch's message for shapes that do not broadcast."""
    try:
        np.broadcast_shapes(xs, ys)
    except ValueError:
        a, b = tuple(xs), tuple(ys)
        for i in range(1, max(len(a), len(b)) + 1):
            sa = a[-i] if i <= len(a) else 1
            sb = b[-i] if i <= len(b) else 1
            if sa != sb and sa != 1 and sb != 1:
                raise RuntimeError(
                    f"{name}: The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                    f"at non-singleton dimension {max(len(a), len(b)) - i}; shapes {list(a)} and "
                    f"{list(b)}") from None
        raise


def shape_of(x):
    return x.shape if hasattr(x, "shape") else ()


def normalize_dims(dim, ndim):
    """dim=None -> all axes; int or tuple -> a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_dim(int(dim), ndim),)
    return tuple(sorted(_dim(int(d), ndim) for d in dim))


def linear_map(fwd, adj, g, name):
    """A backward that is linear in ``g`` and reads nothing else, as an op of its own (for
    create_graph): ``fwd`` maps the gradient on arrays, ``adj`` is its adjoint. The op's own
    backward is ``adj``, again as such an op, so the pair differentiates to any order."""
    def backward(gg, xp=np):
        return (linear_map(adj, fwd, gg, name) if xp is not np else adj(gg),)
    return make_result(fwd(g._data), (g,), backward, name)


def linear_backward(bwd, fwd, name):
    """The backward of an op linear in its one input (``out = fwd(x)``, indices and other
    constants fixed): ``bwd`` maps the output's gradient to the input's, on arrays. Under
    create_graph it becomes an op whose own backward is ``fwd`` (the adjoint of the adjoint),
    so it differentiates to any order."""
    def backward(g, xp=np):
        return (bwd(g),) if xp is np else (linear_map(bwd, fwd, g, name),)
    return backward


def identity_backward(g, xp=np):
    """The backward of an op whose output equals its input (a copy, a 0-d pick)."""
    return (g,)


def composite(fn, inputs, g):
    """The gradient on tensors (create_graph) of a fused op, from ``fn``: the same op written
    with galton ops. See autograd/twice.py."""
    from ..autograd.twice import composite as run
    return run(fn, inputs, g)


def restore(x, arr):
    """Under create_graph, an input the op did not keep, over the value ``arr`` its backward
    recomputed: linked to the graph when it needs a gradient (autograd/twice.py's Unsaved),
    else a constant."""
    return Tensor._wrap(arr) if x is None else x.value(arr)
