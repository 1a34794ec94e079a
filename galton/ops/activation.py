"""Activation functions as fused ops: one NumPy pass forward, one backward, side by side.

Each op saves what its derivative needs (often its own output) so the backward pass costs
one or two array expressions. Inputs keep their float dtype (float32 stays float32).
"""
import math

import numpy as np

from .. import dtypes
from ._util import Tensor, _dim, composite, make_result  # noqa: F401

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float(x):
    a = x._data
    return a if a.dtype.kind == "f" else a.astype(dtypes.default_float_np())


def _sigmoid(a):
    """Sigmoid that never overflows: exp is only taken of non-positive numbers."""
    e = np.exp(-np.abs(a))
    r = 1 / (1 + e)
    return np.where(a >= 0, r, e * r)


def _softplus(a):
    """log(1 + exp(a)) without overflow: max(a, 0) + log1p(exp(-|a|))."""
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def _axis(dim, a):
    return _dim(dim, a.ndim)


def softmax(x, dim, dtype=None):
    """``exp(x) / exp(x).sum(dim)``, shifted by the max along ``dim`` so it cannot overflow."""
    a = x._data.astype(dtype.np) if dtype is not None else _float(x)
    in_dtype = x._data.dtype
    if a.ndim == 0:
        _dim(dim, 0)
        y = np.ones_like(a)
        return make_result(y, (x,), lambda g, xp=np: (xp.zeros_like(g, dtype=in_dtype),),
                           "SoftmaxBackward0")
    ax = _axis(dim, a)
    y = a - a.max(axis=ax, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=ax, keepdims=True)

    def backward(g, out=y, xp=np):
        # d softmax: g*y - y*sum(g*y)
        gy = g * out
        gy -= out * gy.sum(axis=ax, keepdims=True)
        return (gy if gy.dtype == in_dtype else xp.astype(gy, in_dtype),)
    return make_result(y, (x,), backward, "SoftmaxBackward0")


def log_softmax(x, dim, dtype=None):
    """``x - logsumexp(x, dim)``, computed from the max-shifted input (numerically stable)."""
    a = x._data.astype(dtype.np) if dtype is not None else _float(x)
    in_dtype = x._data.dtype
    if a.ndim == 0:
        _dim(dim, 0)
        return make_result(np.zeros_like(a), (x,),
                           lambda g, xp=np: (xp.zeros_like(g, dtype=in_dtype),),
                           "LogSoftmaxBackward0")
    ax = _axis(dim, a)
    y = a - a.max(axis=ax, keepdims=True)
    y -= np.log(np.exp(y).sum(axis=ax, keepdims=True))

    def backward(g, out=y, xp=np):
        gx = g - xp.exp(out) * g.sum(axis=ax, keepdims=True)
        return (gx if gx.dtype == in_dtype else xp.astype(gx, in_dtype),)
    return make_result(y, (x,), backward, "LogSoftmaxBackward0")


def gelu(x, approximate="none"):
    """x * Phi(x), exactly via erf (``approximate='none'``) or with PyTorch's tanh formula."""
    a = _float(x)
    if approximate == "none":
        from ._erf import erf_array
        cdf = 0.5 * (1 + erf_array(a * _INV_SQRT_2))
        y = a * cdf

        def backward(g, a=a, xp=np):
            c = cdf if xp is np else 0.5 * (1 + xp.erf(a * _INV_SQRT_2))  # on tensors: from a
            return (g * (c + a * (_INV_SQRT_2PI * xp.exp(-0.5 * a * a))),)
    elif approximate == "tanh":
        a2 = a * a
        t = np.tanh(_SQRT_2_OVER_PI * a * (1 + 0.044715 * a2))
        y = 0.5 * a * (1 + t)

        def backward(g, a=a, xp=np):
            tt = t if xp is np else xp.tanh(_SQRT_2_OVER_PI * a * (1 + 0.044715 * a * a))
            dinner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a)
            return (g * (0.5 * (1 + tt) + 0.5 * a * (1 - tt * tt) * dinner),)
    else:
        raise RuntimeError("approximate argument must be either none or tanh.")
    return make_result(y, (x,), backward, "GeluBackward0")


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    a = _float(x)
    s = _sigmoid(a)

    def backward(g, a=a, xp=np):
        sg = s if xp is np else xp.sigmoid(a)  # on tensors: recomputed from a
        return (g * (sg * (1 + a * (1 - sg))),)
    return make_result(a * s, (x,), backward, "SiluBackward0")


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    a = _float(x)
    pos = a > 0
    neg = alpha * np.expm1(np.minimum(a, 0))
    y = np.where(pos, a, neg)
    return make_result(y, (x,), lambda g, out=y, xp=np: (xp.where(pos, g, g * (out + alpha)),),
                       "EluBackward0")


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    a = _float(x)
    pos = a > 0
    e = _SELU_ALPHA * np.exp(np.minimum(a, 0))
    y = _SELU_SCALE * np.where(pos, a, e - _SELU_ALPHA)
    return make_result(y, (x,), lambda g, out=y, xp=np: (
        xp.where(pos, g * _SELU_SCALE, g * (out + _SELU_SCALE * _SELU_ALPHA)),), "EluBackward0")


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    a = _float(x)
    pos = a > 0
    e = np.exp(np.minimum(a, 0) / alpha)
    y = np.where(pos, a, alpha * (e - 1))
    return make_result(y, (x,), lambda g, out=y, xp=np: (xp.where(pos, g, g * (out / alpha + 1)),),
                       "EluBackward0")


def leaky_relu(x, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    a = _float(x)
    pos = a > 0
    y = np.where(pos, a, a * negative_slope)
    return make_result(y, (x,), lambda g, xp=np: (xp.where(pos, g, g * negative_slope),),
                       "LeakyReluBackward0")


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]; the gradient is zero at and beyond the edges."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    a = _float(x)
    y = np.clip(a, min_val, max_val)
    return make_result(y, (x,), lambda g, xp=np: (g * ((a > min_val) & (a < max_val)),),
                       "HardtanhBackward0")


def relu6(x):
    """min(max(0, x), 6)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x):
    """clip(x / 6 + 1/2, 0, 1)."""
    a = _float(x)
    y = np.clip(a * (1 / 6) + 0.5, 0, 1)
    return make_result(y, (x,), lambda g, xp=np: (g * (((a > -3) & (a < 3)) * (1 / 6)),),
                       "HardsigmoidBackward0")


def hardswish(x):
    """x * hardsigmoid(x) (MobileNetV3)."""
    a = _float(x)
    y = a * np.clip(a * (1 / 6) + 0.5, 0, 1)

    def backward(g, a=a, xp=np):
        return (g * xp.where(a < -3, 0.0, xp.where(a <= 3, a * (1 / 3) + 0.5, 1.0)),)
    return make_result(y, (x,), backward, "HardswishBackward0")


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    a = _float(x)
    bx = a * beta if beta != 1 else a
    lin = bx > threshold
    y = np.where(lin, a, _softplus(bx) / beta if beta != 1 else _softplus(bx))

    def backward(g, a=a, xp=np):
        sg = _sigmoid(bx) if xp is np else xp.sigmoid(a * beta)
        return (xp.where(lin, g, g * sg),)
    return make_result(y, (x,), backward, "SoftplusBackward0")


def softsign(x):
    """x / (1 + |x|)."""
    a = _float(x)
    d = 1 / (1 + np.abs(a))

    def backward(g, a=a, xp=np):
        dd = d if xp is np else 1 / (1 + xp.abs(a))
        return (g * dd * dd,)
    return make_result(a * d, (x,), backward, "DivBackward0")


def mish(x):
    """x * tanh(softplus(x))."""
    a = _float(x)
    t = np.tanh(_softplus(a))

    def backward(g, a=a, xp=np):
        tt = t if xp is np else xp.tanh(xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a))))
        sg = _sigmoid(a) if xp is np else xp.sigmoid(a)
        return (g * (tt + a * sg * (1 - tt * tt)),)
    return make_result(a * t, (x,), backward, "MishBackward0")


def logsigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    a = _float(x)
    e = np.exp(-np.abs(a))
    y = np.minimum(a, 0) - np.log1p(e)

    def backward(g, a=a, xp=np):
        if xp is not np:
            return (g * xp.sigmoid(-a),)
        # d/dx log sigmoid(x) = sigmoid(-x), from the same e = exp(-|x|)
        r = 1 / (1 + e)
        return (g * np.where(a >= 0, e * r, r),)
    return make_result(y, (x,), backward, "LogSigmoidBackward0")


def prelu(x, weight):
    """x for x > 0, weight * x otherwise; weight has 1 element or one per channel (dim 1)."""
    a, w = _float(x), weight._data
    channels = a.shape[1] if a.ndim >= 2 else 1
    if w.size != 1 and w.size != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter "
                           f"numbers = {w.size} and channel size = {channels}.")
    wb = w.reshape((1, -1) + (1,) * (a.ndim - 2)) if w.size > 1 else w.reshape(())
    pos = a > 0
    y = np.where(pos, a, wb * a)

    need_x, need_w = x._rg, weight._rg

    def backward(g, x=a, weight=w, xp=np):
        if xp is not np:  # create_graph: where(x > 0, x, w x), written with galton ops
            from .pointwise import where
            return composite(lambda x, w: where(x > 0, x, w.reshape(wb.shape) * x),
                             (x, weight), g)
        gx = np.where(pos, g, g * wb) if need_x else None
        gw = None
        if need_w:
            gn = np.where(pos, 0, g * a)
            gw = (gn.sum() if w.size == 1 else
                  gn.sum(axis=tuple(i for i in range(a.ndim) if i != 1))).reshape(w.shape)
            gw = gw.astype(w.dtype, copy=False)
        return gx, gw
    return make_result(y, (x, weight), backward, "PreluKernelBackward0")


def glu(x, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of x along ``dim``."""
    a = _float(x)
    if a.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    ax = _axis(dim, a)
    n = a.shape[ax]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {ax} is size {n}")
    first, second = np.split(a, 2, axis=ax)
    s = _sigmoid(second)

    def backward(g, x=a, xp=np):
        if xp is not np:  # create_graph: a * sigmoid(b), written with galton ops
            def glu_of(x):
                half_a, half_b = x.chunk(2, ax)
                return half_a * half_b.sigmoid()
            return composite(glu_of, (x,), g)
        return (np.concatenate([g * s, g * first * s * (1 - s)], axis=ax),)
    return make_result(first * s, (x,), backward, "GluBackward0")


def tanhshrink(x):
    """x - tanh(x)."""
    a = _float(x)
    t = np.tanh(a)

    def backward(g, a=a, xp=np):
        tt = t if xp is np else xp.tanh(a)
        return (g * tt * tt,)
    return make_result(a - t, (x,), backward, "SubBackward0")


def threshold(x, threshold, value):
    """x where x > threshold, else ``value``."""
    a = x._data
    keep = a > threshold
    y = np.where(keep, a, np.asarray(value, dtype=a.dtype))
    return make_result(y, (x,), lambda g, xp=np: (g * keep,), "ThresholdBackward0")


def hardshrink(x, lambd=0.5):
    """x where |x| > lambd, else 0."""
    a = _float(x)
    keep = np.abs(a) > lambd
    return make_result(a * keep, (x,), lambda g, xp=np: (g * keep,), "HardshrinkBackward0")


def softshrink(x, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    a = _float(x)
    keep = np.abs(a) > lambd
    y = np.where(keep, a - np.sign(a) * lambd, 0).astype(a.dtype, copy=False)
    return make_result(y, (x,), lambda g, xp=np: (g * keep,), "SoftshrinkBackward0")


TENSOR_METHODS = ["softmax", "log_softmax", "prelu", "hardshrink"]
