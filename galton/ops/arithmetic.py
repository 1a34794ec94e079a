"""Binary arithmetic with broadcasting: forward and backward side by side.

Every backward sums its gradient back to the input's shape (``unbroadcast``), so
``(3, 1) + (4,)`` gives gradients of shapes (3, 1) and (4,).
"""
import numpy as np

from ._util import Tensor, as_array, check_broadcast, make_result, operands, shape_of, to_float, unbroadcast


def _bcast_error(name, x, y):
    check_broadcast(name, shape_of(x), shape_of(y))


def add(a, b, *, alpha=1):
    x, y, ta, tb = operands(a, b)
    if alpha != 1:
        y = y * alpha
    try:
        out = x + y
    except ValueError:
        _bcast_error("add", x, y)
        raise
    xs, ys = shape_of(x), shape_of(y)

    def backward(g, xp=np):
        return (unbroadcast(g, xs) if ta is not None else None,
                unbroadcast(g if alpha == 1 else g * alpha, ys) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "AddBackward0")


def sub(a, b, *, alpha=1):
    x, y, ta, tb = operands(a, b)
    if alpha != 1:
        y = y * alpha
    try:
        out = x - y
    except ValueError:
        _bcast_error("sub", x, y)
        raise
    xs, ys = shape_of(x), shape_of(y)

    def backward(g, xp=np):
        return (unbroadcast(g, xs) if ta is not None else None,
                unbroadcast(-g if alpha == 1 else g * -alpha, ys) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "SubBackward0")


def rsub(a, b, *, alpha=1):
    """``b - alpha * a`` recorded as PyTorch records it: RsubBackward0 over (a, b) when b is a
    tensor, RsubBackward1 over (a,) alone when b is a number (``2 - t``)."""
    if not isinstance(a, Tensor):
        return sub(b, a, alpha=alpha)
    x, y, ta, tb = operands(a, b)
    try:
        out = y - (x if alpha == 1 else x * alpha)
    except ValueError:
        _bcast_error("rsub", x, y)
        raise
    xs, ys = shape_of(x), shape_of(y)

    def backward(g, xp=np):
        return (unbroadcast(-g if alpha == 1 else g * -alpha, xs),
                unbroadcast(g, ys) if tb is not None else None)
    if tb is None:
        return make_result(out, (ta,), lambda g, xp=np: backward(g, xp)[:1], "RsubBackward1")
    return make_result(out, (ta, tb), backward, "RsubBackward0")


def mul(a, b):
    x, y, ta, tb = operands(a, b)
    try:
        out = x * y
    except ValueError:
        _bcast_error("mul", x, y)
        raise

    def backward(g, x=x, y=y, xp=np):
        return (unbroadcast(g * y, shape_of(x)) if ta is not None and ta._rg else None,
                unbroadcast(g * x, shape_of(y)) if tb is not None and tb._rg else None)
    return make_result(out, (ta, tb), backward, "MulBackward0")


def _kind(v):
    return v.dtype.kind if hasattr(v, "dtype") else ("f" if isinstance(v, float) else "i")


def div(a, b, *, rounding_mode=None):
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    x, y, ta, tb = operands(a, b)
    if _kind(x) in "biu" and _kind(y) in "biu":
        # true division of integers gives the default float dtype, as in PyTorch
        x, y = to_float(np.asarray(x)), to_float(np.asarray(y))
    try:
        out = x / y
    except ValueError:
        _bcast_error("div", x, y)
        raise

    def backward(g, x=x, y=y, out=out, xp=np):
        gx = unbroadcast(g / y, shape_of(x)) if ta is not None and ta._rg else None
        gy = unbroadcast(-g * out / y, shape_of(y)) if tb is not None and tb._rg else None
        return gx, gy
    return make_result(out, (ta, tb), backward, "DivBackward0")


def rdiv(a, b):
    return div(b, a)


def _integer_zero_division(x, y):
    """PyTorch raises for an integer division by zero, where NumPy returns 0."""
    if _kind(x) in "biu" and _kind(y) in "biu" and np.any(np.equal(y, 0)):
        raise RuntimeError("ZeroDivisionError")


def _rounded_div(a, b, mode):
    x, y, _, _ = operands(a, b)
    _integer_zero_division(x, y)
    if mode == "floor":
        out = np.floor_divide(x, y) if np.asarray(x).dtype.kind in "iu" else np.floor(x / y)
    elif mode == "trunc":
        out = np.trunc(x / y)
        if np.asarray(x).dtype.kind in "iu":
            out = out.astype(np.asarray(x).dtype)
    else:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{mode}'")
    return Tensor._wrap(np.asarray(out))


def floor_divide(a, b):
    return _rounded_div(a, b, "floor")


def remainder(a, b):
    x, y, ta, tb = operands(a, b)
    _integer_zero_division(x, y)
    out = np.asarray(np.mod(x, y))
    return make_result(out, (ta, None), lambda g, xp=np: (unbroadcast(g, shape_of(x)), None),
                       "RemainderBackward0")


def fmod(a, b):
    x, y, ta, _ = operands(a, b)
    _integer_zero_division(x, y)
    out = np.asarray(np.fmod(x, y))
    return make_result(out, (ta, None), lambda g, xp=np: (unbroadcast(g, shape_of(x)), None),
                       "FmodBackward0")


def pow(a, b):  # noqa: A001 - PyTorch's name
    x, y, ta, tb = operands(a, b)
    if isinstance(y, int) and not isinstance(y, bool) and y < 0 and np.asarray(x).dtype.kind in "iu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if y == 2 if isinstance(y, (int, float)) else False:
        out = x * x  # the common square, without the generic power routine
    else:
        out = x ** y
    out = np.asarray(out) if not hasattr(out, "dtype") else out

    def backward(g, x=x, y=y, out=out, xp=np):
        gx = gy = None
        if ta is not None and ta._rg:
            if isinstance(y, (int, float)):
                gx = g * (2 * x if y == 2 else y * x ** (y - 1)) if y != 0 else g * 0
            else:
                gx = unbroadcast(g * y * x ** (y - 1), shape_of(x))
        if tb is not None and tb._rg:
            with np.errstate(divide="ignore", invalid="ignore"):
                logx = xp.where(x > 0, xp.log(xp.where(x > 0, x, 1)), 0.0) if np.ndim(x) else (
                    np.log(x) if x > 0 else 0.0)
            gy = unbroadcast(g * out * logx, shape_of(y))
        return gx, gy
    # one input in PyTorch's next_functions when the other is a number: pow(Tensor, Scalar)
    # is PowBackward0, pow(Scalar, Tensor) PowBackward2; two tensors PowBackward1
    if tb is None:
        return make_result(out, (ta,), lambda g, x=x, y=y, out=out, xp=np:
                           backward(g, x, y, out, xp)[:1], "PowBackward0")
    if ta is None:
        return make_result(out, (tb,), lambda g, x=x, y=y, out=out, xp=np:
                           backward(g, x, y, out, xp)[1:], "PowBackward2")
    return make_result(out, (ta, tb), backward, "PowBackward1")


def rpow(a, b):
    return pow(b, a)


def neg(x):
    return make_result(-x._data, (x,), lambda g, xp=np: (-g,), "NegBackward0")


def _compare(fn, a, b):
    x, y, _, _ = operands(a, b)
    try:
        return Tensor._wrap(as_array(fn(x, y)))
    except ValueError:
        _bcast_error(fn.__name__, x, y)
        raise


def eq(a, b):
    return _compare(np.equal, a, b)


def ne(a, b):
    return _compare(np.not_equal, a, b)


def lt(a, b):
    return _compare(np.less, a, b)


def le(a, b):
    return _compare(np.less_equal, a, b)


def gt(a, b):
    return _compare(np.greater, a, b)


def ge(a, b):
    return _compare(np.greater_equal, a, b)


def logical_and(a, b):
    return _compare(np.logical_and, a, b)


def logical_or(a, b):
    return _compare(np.logical_or, a, b)


def logical_xor(a, b):
    return _compare(np.logical_xor, a, b)


def logical_not(x):
    return Tensor._wrap(np.logical_not(x._data))


def bitwise_and(a, b):
    return _compare(np.bitwise_and, a, b)


def bitwise_or(a, b):
    return _compare(np.bitwise_or, a, b)


def bitwise_not(x):
    return Tensor._wrap(np.invert(x._data))


def equal(a, b):
    """True when both tensors have the same shape and elements."""
    return a._data.shape == b._data.shape and bool(np.all(a._data == b._data))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._wrap(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


TENSOR_METHODS = ["add", "sub", "mul", "div", "true_divide=div", "divide=div", "multiply=mul",
                  "subtract=sub", "floor_divide", "remainder", "fmod", "pow", "neg",
                  "negative=neg", "eq", "ne", "lt", "le", "gt", "ge", "greater=gt", "less=lt",
                  "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
                  "bitwise_or", "bitwise_not", "equal", "allclose", "isclose"]
