"""More element-wise functions (erfc, logit, xlogy, logaddexp, copysign, fmax, ...) and the
integer and bit ops: forward and backward side by side. The ones that are a line of existing
ops are written as that line, so their gradients come from those ops."""
import collections
import math

import numpy as np

from .. import dtypes
from ._erf import erf_array
from ._util import Tensor, make_result, operands, shape_of, to_float, unbroadcast
from . import arithmetic as A, pointwise as P


def _t(v, like):
    """A Python number or array as a tensor of ``like``'s float dtype (for compositions)."""
    if isinstance(v, Tensor):
        return v
    return Tensor._wrap(np.asarray(v, dtype=like._data.dtype if like._data.dtype.kind == "f"
                                   else dtypes.default_float_np()))


def _floats(x, y, tx, ty):
    """The two operands as float arrays; a Python number takes the tensor's float dtype."""
    x, y = np.asarray(x), np.asarray(y)
    if tx is None:
        x = x.astype(to_float(y).dtype)
    if ty is None:
        y = y.astype(to_float(x).dtype)
    return to_float(x), to_float(y)


def erfc(input):
    """``1 - erf(input)`` (torch.erfc)."""
    a = to_float(input._data)
    k = -2 / math.sqrt(math.pi)
    y = (1 - erf_array(a)).astype(a.dtype, copy=False)
    return make_result(y, (input,), lambda g, a=a, xp=np: (g * k * xp.exp(-a * a),),
                       "ErfcBackward0")


def frac(input):
    """The fractional part, ``input - trunc(input)``, sign kept (torch.frac)."""
    return A.sub(input, P.trunc(input).detach())


def clamp_min(input, min):  # noqa: A002
    """``clamp(input, min=min)`` (torch.clamp_min)."""
    return P.clamp(input, min, None)


def clamp_max(input, max):  # noqa: A002
    """``clamp(input, max=max)`` (torch.clamp_max)."""
    return P.clamp(input, None, max)


def fix(input):
    """``trunc`` under NumPy's name (torch.fix)."""
    return P.trunc(input)


def positive(input):
    """``input`` itself (torch.positive)."""
    return input


def logit(input, eps=None):
    """``log(p / (1 - p))``, p clamped to [eps, 1 - eps] when eps is given (torch.logit)."""
    p = input if eps is None else P.clamp(input, eps, 1 - eps)
    return P.log(A.div(p, A.sub(1, p)))


def xlogy(input, other):
    """``input * log(other)``, 0 where input is 0 (unless other is NaN) (torch.xlogy)."""
    x, y, tx, ty = operands(input, other)
    x, y = _floats(x, y, tx, ty)
    with np.errstate(all="ignore"):
        out = np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y)).astype(
            np.result_type(x, y), copy=False)

    def backward(g):
        # PyTorch's formulas: d/dx = log(y) even where x is 0; d/dy = x / y
        with np.errstate(all="ignore"):
            return (unbroadcast(g * np.log(y), shape_of(x)) if tx is not None else None,
                    unbroadcast(g * x / y, shape_of(y)) if ty is not None else None)
    return make_result(out, (tx, ty), backward, "XlogyBackward0")


def _logaddexp(a, b, log_fn, exp_fn):
    like = a if isinstance(a, Tensor) else b
    a, b = _t(a, like), _t(b, like)
    m = P.maximum(a, b).detach()
    m = P.where(P.isinf(m), 0.0, m)  # both -inf (or +inf): no shift, the sum gives the answer
    return A.add(m, log_fn(A.add(exp_fn(A.sub(a, m)), exp_fn(A.sub(b, m)))))


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow (torch.logaddexp)."""
    return _logaddexp(input, other, P.log, P.exp)


def logaddexp2(input, other):
    """``log2(2**input + 2**other)`` without overflow (torch.logaddexp2)."""
    from .trig import exp2
    return _logaddexp(input, other, P.log2, exp2)


def copysign(input, other):
    """``|input|`` with the sign of ``other`` (torch.copysign); always a float result."""
    x, y, tx, ty = operands(input, other)
    x, y = to_float(np.asarray(x)), np.asarray(y)
    out = np.copysign(x, y).astype(np.result_type(x, to_float(y)), copy=False)

    def backward(g):
        # d|x|·s/dx = sign(x)·s = out / x, and 0 at x == 0 as PyTorch
        with np.errstate(all="ignore"):
            d = np.where(x == 0, 0.0, out / x)
        return (unbroadcast(g * d, shape_of(x)) if tx is not None else None,
                unbroadcast(np.zeros_like(g), shape_of(y)) if ty is not None else None)
    return make_result(out, (tx, ty), backward, "CopysignBackward0")


def _nan_pick(name, npfn, cmp):
    def op(input, other):
        x, y, tx, ty = operands(input, other)
        out = npfn(x, y)
        if not isinstance(out, np.ndarray):
            out = np.asarray(out)

        def backward(g):
            # the gradient follows the chosen value; NaN never wins unless both are NaN
            xa, ya = np.asarray(x), np.asarray(y)
            pick_x = cmp(xa, ya) | np.isnan(ya)
            return (unbroadcast(np.where(pick_x, g, 0.0), shape_of(x)) if tx is not None else None,
                    unbroadcast(np.where(pick_x, 0.0, g), shape_of(y)) if ty is not None else None)
        return make_result(out, (tx, ty), backward, name.capitalize() + "Backward0")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {name[1:]}imum that ignores NaN (torch.{name})."
    return op


fmax = _nan_pick("fmax", np.fmax, lambda a, b: a >= b)
fmin = _nan_pick("fmin", np.fmin, lambda a, b: a <= b)


def float_power(input, exponent):
    """``input ** exponent`` in float64 (torch.float_power)."""
    base = input.double() if isinstance(input, Tensor) else input
    exp = exponent.double() if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        return A.pow(Tensor._wrap(np.asarray(base, np.float64)), exp)
    return A.pow(base, exp)


def ldexp(input, other):
    """``input * 2 ** other`` (torch.ldexp)."""
    return A.mul(input, A.pow(2.0, other) if isinstance(other, Tensor) else 2.0 ** other)


def frexp(input):
    """Mantissa and exponent, ``input = mantissa * 2 ** exponent`` (torch.frexp)."""
    m, e = np.frexp(input._data)
    return _Frexp(Tensor._wrap(m), Tensor._wrap(e.astype(np.int32)))


_Frexp = collections.namedtuple("frexp", ["mantissa", "exponent"])
_Frexp.__module__ = "galton.return_types"


def _no_grad_binary(name, npfn):
    def op(input, other):
        x, y, tx, ty = operands(input, other)
        out = np.asarray(npfn(x, y))
        if name not in _NOT_DIFFERENTIABLE:
            return Tensor._wrap(out)

        def backward(g):  # PyTorch records the op and refuses when backward reaches it
            raise RuntimeError(f"derivative for aten::{name} is not implemented")
        return make_result(out, (tx, ty), backward, name.capitalize() + "Backward0")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}`` element by element, broadcasting (no gradient)."
    return op


_NOT_DIFFERENTIABLE = {"heaviside", "nextafter"}


def _int_only(name, npfn):
    def f(x, y):
        for v in (x, y):
            if np.asarray(v).dtype.kind == "f":
                raise RuntimeError(f"\"{name}_cpu\" not implemented for "
                                   f"'{'Float' if np.asarray(v).dtype == np.float32 else 'Double'}'")
        return npfn(x, y)
    return f


heaviside = _no_grad_binary("heaviside", np.heaviside)
nextafter = _no_grad_binary("nextafter", np.nextafter)
gcd = _no_grad_binary("gcd", _int_only("gcd", np.gcd))
lcm = _no_grad_binary("lcm", _int_only("lcm", np.lcm))
bitwise_xor = _no_grad_binary("bitwise_xor", _int_only("bitwise_xor", np.bitwise_xor))
bitwise_left_shift = _no_grad_binary("bitwise_left_shift",
                                     _int_only("lshift", np.left_shift))
bitwise_right_shift = _no_grad_binary("bitwise_right_shift",
                                      _int_only("rshift", np.right_shift))


def signbit(input):
    """True where the sign bit is set (-0.0 included) (torch.signbit)."""
    return Tensor._wrap(np.signbit(input._data))


def isposinf(input):
    """True where the element is +inf (torch.isposinf)."""
    return Tensor._wrap(np.isposinf(input._data))


def isneginf(input):
    """True where the element is -inf (torch.isneginf)."""
    return Tensor._wrap(np.isneginf(input._data))


def isreal(input):
    """True everywhere: galton's tensors are real (torch.isreal)."""
    return Tensor._wrap(np.ones(input._data.shape, dtype=bool))


def i0(input):
    """The modified Bessel function of the first kind, order 0 (torch.i0)."""
    a = to_float(input._data)
    y = np.i0(a).astype(a.dtype, copy=False)

    def backward(g):
        return (g * _i1(a),)
    return make_result(y, (input,), backward, "I0Backward0")


def _i1(a):
    # I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!): every term positive, so the sum is exact to
    # rounding once the terms have passed their peak (near k = x/2) and fallen away
    x = np.abs(a.astype(np.float64))
    total, term = np.zeros_like(x), x / 2
    for k in range(int(min(max(60, 2 * float(x.max(initial=0)) + 40), 1500))):
        total += term
        term = term * (x / 2) ** 2 / ((k + 1) * (k + 2))
    return (np.sign(a) * total).astype(a.dtype)


TENSOR_METHODS = ["clamp_min", "clamp_max", "erfc", "frac", "fix", "positive", "logit", "xlogy", "logaddexp",
                  "logaddexp2", "copysign", "fmax", "fmin", "float_power", "ldexp", "frexp",
                  "heaviside", "nextafter", "gcd", "lcm", "bitwise_xor", "bitwise_left_shift",
                  "bitwise_right_shift", "signbit", "isposinf", "isneginf", "isreal", "i0"]
