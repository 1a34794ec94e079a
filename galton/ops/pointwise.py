"""Element-wise functions of one tensor: forward and backward side by side."""
import math

import numpy as np

from ..backend import array_module
from ._util import Tensor, as_array, make_result, operands, to_float, unbroadcast, shape_of
from ._erf import erf_array
from . import _kernels


def exp(x):
    y = np.exp(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * out,), "ExpBackward0")


def log(x):
    a = to_float(x._data)
    return make_result(np.log(a), (x,), lambda g, a=a, xp=np: (g / a,), "LogBackward0")


def log2(x):
    a = to_float(x._data)
    return make_result(np.log2(a), (x,), lambda g, a=a, xp=np: (g / (a * math.log(2.0)),), "Log2Backward0")


def log10(x):
    a = to_float(x._data)
    return make_result(np.log10(a), (x,), lambda g, a=a, xp=np: (g / (a * math.log(10.0)),), "Log10Backward0")


def log1p(x):
    a = to_float(x._data)
    return make_result(np.log1p(a), (x,), lambda g, a=a, xp=np: (g / (1 + a),), "Log1PBackward0")


def expm1(x):
    y = np.expm1(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * (out + 1),), "Expm1Backward0")


def sqrt(x):
    y = np.sqrt(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g / (2 * out),), "SqrtBackward0")


def rsqrt(x):
    y = 1 / np.sqrt(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * -0.5 * out * out * out,), "RsqrtBackward0")


def square(x):
    a = x._data
    return make_result(a * a, (x,), lambda g, a=a, xp=np: (g * 2 * a,), "PowBackward0")


def reciprocal(x):
    y = 1 / to_float(x._data)
    return make_result(y, (x,), lambda g, out=y, xp=np: (-g * out * out,), "ReciprocalBackward0")


def abs(x):  # noqa: A001
    a = x._data
    return make_result(np.abs(a), (x,), lambda g, a=a, xp=np: (g * xp.sign(a),), "AbsBackward0")


def sign(x):
    a = x._data
    return make_result(np.sign(a), (x,), lambda g, xp=np: (xp.zeros_like(g),), "SignBackward0")


def sin(x):
    a = to_float(x._data)
    return make_result(np.sin(a), (x,), lambda g, a=a, xp=np: (g * xp.cos(a),), "SinBackward0")


def cos(x):
    a = to_float(x._data)
    return make_result(np.cos(a), (x,), lambda g, a=a, xp=np: (-g * xp.sin(a),), "CosBackward0")


def tan(x):
    y = np.tan(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * (1 + out * out),), "TanBackward0")


def tanh(x):
    y = np.tanh(to_float(x._data))
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * (1 - out * out),), "TanhBackward0")


def sigmoid(x):
    a = to_float(x._data)
    # exp of a non-positive number only, so large |x| neither overflows nor warns
    e = np.exp(-np.abs(a))
    y = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
    return make_result(y, (x,), lambda g, out=y, xp=np: (g * out * (1 - out),), "SigmoidBackward0")


def relu(x):
    a = x._data
    k = _kernels.get(a)
    if k is None or not a.flags.c_contiguous:
        y = np.maximum(a, 0)
        return make_result(y, (x,), lambda g, out=y, xp=np: (g * (out > 0),), "ReluBackward0")
    y = np.empty_like(a)
    k.relu_forward(a.reshape(-1), y.reshape(-1))

    def backward(g, out=y, xp=np):
        if xp is not np:  # on tensors (create_graph): the formula, not the compiled loop
            return (g * (out > 0),)
        g = np.ascontiguousarray(g, dtype=y.dtype)
        out = np.empty_like(y)
        k.relu_backward(g.reshape(-1), y.reshape(-1), out.reshape(-1))
        return (out,)
    return make_result(y, (x,), backward, "ReluBackward0")


def erf(x):
    a = to_float(x._data)
    k = 2 / math.sqrt(math.pi)
    return make_result(erf_array(a), (x,), lambda g, a=a, xp=np: (g * k * xp.exp(-a * a),), "ErfBackward0")


def floor(x):
    return make_result(np.floor(x._data), (x,), lambda g, xp=np: (xp.zeros_like(g),), "FloorBackward0")


def ceil(x):
    return make_result(np.ceil(x._data), (x,), lambda g, xp=np: (xp.zeros_like(g),), "CeilBackward0")


def round(x, decimals=0):  # noqa: A001
    return make_result(np.round(x._data, decimals), (x,), lambda g, xp=np: (xp.zeros_like(g),),
                       "RoundBackward0")


def trunc(x):
    return make_result(np.trunc(x._data), (x,), lambda g, xp=np: (xp.zeros_like(g),), "TruncBackward0")


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    a = x._data
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    y = a
    if lo is not None:
        y = np.maximum(y, np.asarray(lo, dtype=a.dtype) if not isinstance(lo, np.ndarray) else lo)
    if hi is not None:
        y = np.minimum(y, np.asarray(hi, dtype=a.dtype) if not isinstance(hi, np.ndarray) else hi)
    y = as_array(y)

    def backward(g, xp=np):
        keep = array_module(a).ones(a.shape, dtype=bool)  # on a's device
        if lo is not None:
            keep &= a >= lo
        if hi is not None:
            keep &= a <= hi
        # a select, not a product: a NaN arriving at a clamped element stays out (PyTorch)
        return (xp.where(keep, g, 0.0),)
    return make_result(y, (x,), backward, "ClampBackward1")


clip = clamp


def where(condition, a, b):
    """``where(cond, a, b)``: elements of a where cond is true, else of b (both broadcast)."""
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        # where(cond, 1, 0): two Python scalars take PyTorch's default dtypes (int64, the
        # default float, bool) as torch.tensor(1) would, then promote as two tensors do
        from ..creation import tensor
        a = tensor(a)
    x, y, ta, tb = operands(a, b)
    out = np.where(c, x, y)
    if not isinstance(out, np.ndarray):
        out = np.asarray(out)

    def backward(g, xp=np):
        return (unbroadcast(xp.where(c, g, 0.0), shape_of(x)) if ta is not None else None,
                unbroadcast(xp.where(c, 0.0, g), shape_of(y)) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "WhereBackward0")


def maximum(a, b):
    x, y, ta, tb = operands(a, b)
    out = np.maximum(x, y)

    def backward(g, xp=np):
        # ties split the gradient evenly, as PyTorch does
        w = (x > y) + 0.5 * (x == y)
        return (unbroadcast(g * w, shape_of(x)) if ta is not None else None,
                unbroadcast(g * (1 - w), shape_of(y)) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "MaximumBackward0")


def minimum(a, b):
    x, y, ta, tb = operands(a, b)
    out = np.minimum(x, y)

    def backward(g, xp=np):
        w = (x < y) + 0.5 * (x == y)
        return (unbroadcast(g * w, shape_of(x)) if ta is not None else None,
                unbroadcast(g * (1 - w), shape_of(y)) if tb is not None else None)
    return make_result(out, (ta, tb), backward, "MinimumBackward0")


def isnan(x):
    return Tensor._wrap(np.isnan(x._data))


def isinf(x):
    return Tensor._wrap(np.isinf(x._data))


def isfinite(x):
    return Tensor._wrap(np.isfinite(x._data))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    a = x._data
    finite = np.isfinite(a)
    return make_result(np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf), (x,),
                       lambda g, xp=np: (g * finite,), "NanToNumBackward0")


TENSOR_METHODS = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square",
                  "reciprocal", "abs", "absolute=abs", "sign", "sin", "cos", "tan", "tanh",
                  "sigmoid", "relu", "erf", "floor", "ceil", "round", "trunc", "clamp", "clip",
                  "maximum", "minimum", "isnan", "isinf", "isfinite", "nan_to_num"]
