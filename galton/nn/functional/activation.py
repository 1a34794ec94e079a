"""Activation functions (``F.relu``, ``F.gelu``, ``F.softmax``, ...) with PyTorch's signatures.

Thin wrappers over the fused ops of ``galton/ops/activation.py``. ``inplace=True`` writes the
result into the input (and, when autograd records, lets the input take over the result's
history, as ``galton/ops/inplace.py`` does for every in-place op).
"""
import warnings

from ...ops import activation as _A
from ...ops import pointwise as _P
from ...ops.arithmetic import neg as _neg
from ...ops.inplace import _unary_inplace

__all__ = ["relu", "relu_", "relu6", "elu", "elu_", "selu", "selu_", "celu", "celu_",
           "leaky_relu", "leaky_relu_", "prelu", "glu", "gelu", "logsigmoid", "hardshrink",
           "tanhshrink", "softsign", "softplus", "softmin", "softmax", "log_softmax",
           "softshrink", "tanh", "sigmoid", "hardsigmoid", "silu", "mish", "hardswish",
           "hardtanh", "hardtanh_", "threshold", "threshold_"]

relu_ = _unary_inplace("relu_", _P.relu)
elu_ = _unary_inplace("elu_", _A.elu)
selu_ = _unary_inplace("selu_", _A.selu)
celu_ = _unary_inplace("celu_", _A.celu)
leaky_relu_ = _unary_inplace("leaky_relu_", _A.leaky_relu)
hardtanh_ = _unary_inplace("hardtanh_", _A.hardtanh)
threshold_ = _unary_inplace("threshold_", _A.threshold)
_relu6_ = _unary_inplace("relu6_", _A.relu6)
_silu_ = _unary_inplace("silu_", _A.silu)
_mish_ = _unary_inplace("mish_", _A.mish)
_hardsigmoid_ = _unary_inplace("hardsigmoid_", _A.hardsigmoid)
_hardswish_ = _unary_inplace("hardswish_", _A.hardswish)


def relu(input, inplace=False):
    """max(0, x)."""
    return relu_(input) if inplace else _P.relu(input)


def relu6(input, inplace=False):
    """min(max(0, x), 6)."""
    return _relu6_(input) if inplace else _A.relu6(input)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return elu_(input, alpha) if inplace else _A.elu(input, alpha)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants."""
    return selu_(input) if inplace else _A.selu(input)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return celu_(input, alpha) if inplace else _A.celu(input, alpha)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise."""
    if inplace:
        return leaky_relu_(input, negative_slope)
    return _A.leaky_relu(input, negative_slope)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]."""
    if inplace:
        return hardtanh_(input, min_val, max_val)
    return _A.hardtanh(input, min_val, max_val)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    if inplace:
        return threshold_(input, threshold, value)
    return _A.threshold(input, threshold, value)


def prelu(input, weight):
    """Leaky ReLU whose negative slope ``weight`` is learnt (one, or one per channel)."""
    return _A.prelu(input, weight)


def glu(input, dim=-1):
    """Gated linear unit: first half of ``dim`` times sigmoid of the second half."""
    return _A.glu(input, dim)


def gelu(input, approximate="none"):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh formula."""
    return _A.gelu(input, approximate)


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return _A.logsigmoid(input)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return _A.hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    """Shrink x towards 0 by lambd (0 inside [-lambd, lambd])."""
    return _A.softshrink(input, lambd)


def tanhshrink(input):
    """x - tanh(x)."""
    return _A.tanhshrink(input)


def softsign(input):
    """x / (1 + |x|)."""
    return _A.softsign(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta; linear above ``threshold``."""
    return _A.softplus(input, beta, threshold)


def tanh(input):
    """Hyperbolic tangent."""
    return _P.tanh(input)


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return _P.sigmoid(input)


def hardsigmoid(input, inplace=False):
    """Piecewise-linear sigmoid: clip(x / 6 + 1/2, 0, 1)."""
    return _hardsigmoid_(input) if inplace else _A.hardsigmoid(input)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x)."""
    return _hardswish_(input) if inplace else _A.hardswish(input)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _silu_(input) if inplace else _A.silu(input)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _mish_(input) if inplace else _A.mish(input)


def _softmax_dim(name, ndim, stacklevel):
    # PyTorch's deprecated rule for a missing dim, kept so old course code runs
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``.

    >>> F.softmax(galton.tensor([1.0, 2.0]), dim=0)
    tensor([0.2689, 0.7311])
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _A.softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return _A.softmax(_neg(input), dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _A.log_softmax(input, dim, dtype)
