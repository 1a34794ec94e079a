"""Inverse and hyperbolic trigonometry, atan2, hypot, sinc: forward and backward side by side.

Each derivative is written with ``xp`` names, so it also runs on tensors (create_graph).
"""
import math

import numpy as np

from ._util import make_result, operands, shape_of, to_float, unbroadcast


def _unary(name, f, df, grad_name):
    """An element-wise op ``f`` on floats whose derivative is ``df(xp, a, out)``."""
    def op(input):
        a = to_float(input._data)
        y = f(a)
        return make_result(y, (input,), lambda g, a=a, out=y, xp=np: (g * df(xp, a, out),),
                           grad_name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}(input)`` element by element, as ``torch.{name}``."
    return op


asin = _unary("asin", np.arcsin, lambda xp, a, y: 1 / xp.sqrt(1 - a * a), "AsinBackward0")
acos = _unary("acos", np.arccos, lambda xp, a, y: -1 / xp.sqrt(1 - a * a), "AcosBackward0")
atan = _unary("atan", np.arctan, lambda xp, a, y: 1 / (1 + a * a), "AtanBackward0")
sinh = _unary("sinh", np.sinh, lambda xp, a, y: (xp.exp(a) + xp.exp(-a)) / 2, "SinhBackward0")
cosh = _unary("cosh", np.cosh, lambda xp, a, y: (xp.exp(a) - xp.exp(-a)) / 2, "CoshBackward0")
asinh = _unary("asinh", np.arcsinh, lambda xp, a, y: 1 / xp.sqrt(a * a + 1), "AsinhBackward0")
acosh = _unary("acosh", np.arccosh, lambda xp, a, y: 1 / xp.sqrt(a * a - 1), "AcoshBackward0")
atanh = _unary("atanh", np.arctanh, lambda xp, a, y: 1 / (1 - a * a), "AtanhBackward0")
exp2 = _unary("exp2", np.exp2, lambda xp, a, y: y * math.log(2.0), "Exp2Backward0")
deg2rad = _unary("deg2rad", np.deg2rad, lambda xp, a, y: math.pi / 180, "Deg2RadBackward0")
rad2deg = _unary("rad2deg", np.rad2deg, lambda xp, a, y: 180 / math.pi, "Rad2DegBackward0")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def sinc(input):
    """``sin(pi x) / (pi x)``, 1 at 0 (torch.sinc)."""
    a = to_float(input._data)
    px = np.pi * a
    zero = a == 0
    safe = np.where(zero, 1, px)
    y = np.where(zero, 1, np.sin(safe) / safe).astype(a.dtype, copy=False)

    def backward(g):
        d = (np.cos(safe) * safe - np.sin(safe)) / (safe * safe) * np.pi
        return (g * np.where(zero, 0, d),)
    return make_result(y, (input,), backward, "SincBackward0")


def atan2(input, other):
    """The angle of the point (other, input), element by element, broadcasting (torch.atan2)."""
    x, y, ta, tb = operands(input, other)
    from .elementwise import _floats
    x, y = _floats(x, y, ta, tb)
    out = np.arctan2(x, y)

    def backward(g, a=x, b=y, xp=np):
        r = a * a + b * b
        return (unbroadcast(g * b / r, shape_of(x)) if ta is not None else None,
                unbroadcast(-g * a / r, shape_of(y)) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "Atan2Backward0")


arctan2 = atan2


def hypot(input, other):
    """``sqrt(input**2 + other**2)`` without overflow, broadcasting (torch.hypot)."""
    x, y, ta, tb = operands(input, other)
    out = np.hypot(x, y)

    def backward(g, a=x, b=y, out=out, xp=np):
        return (unbroadcast(g * a / out, shape_of(x)) if ta is not None else None,
                unbroadcast(g * b / out, shape_of(y)) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "HypotBackward0")


TENSOR_METHODS = ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "arcsin",
                  "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "exp2", "deg2rad",
                  "rad2deg", "sinc", "atan2", "arctan2", "hypot"]
