"""Normalisation functions, as ``torch.nn.functional``: batch_norm, layer_norm, group_norm,
instance_norm, local_response_norm, normalize.

The first three are fused ops with their own backward (galton/ops/normalization.py); the
others are compositions, as in PyTorch.
"""
import numpy as np

from ...ops import normalization as _norm
from ...ops.arithmetic import add, div, mul, pow as _pow
from ...ops.pointwise import clamp
from ...ops.reduction import norm as _vector_norm
from ...ops.shape import reshape
from ...tensor import Size, Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm",
           "normalize", "rms_norm"]


def _check_stat(name, t, c):
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) of a (N, C, *) input: with the batch's statistics in
    training (updating running_mean/running_var in place by ``momentum``), with the running
    ones otherwise."""
    a = input._data
    if a.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dims (N, C, ...), got "
                         f"input of size {list(a.shape)}")
    c = a.shape[1]
    # PyTorch refuses exactly one value per channel (no variance); an empty batch passes
    if training and a.shape[0] * int(np.prod(a.shape[2:])) == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{Size(a.shape)!r}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_stat(name, t, c)
    return _norm.batch_norm(input, weight, bias, running_mean, running_var, training,
                            momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last dims given by ``normalized_shape``, then scale and shift
    elementwise (weight and bias have that shape)."""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(int(s) for s in normalized_shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t._data.shape)} and normalized_shape = "
                               f"{list(shape)}")
    return _norm.layer_norm(input, shape, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the last dims given by ``normalized_shape`` (no
    centring, unlike layer_norm), then scale elementwise; ``eps`` defaults to the dtype's
    machine epsilon, as PyTorch."""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(int(s) for s in normalized_shape)
    a = input._data
    if tuple(a.shape[a.ndim - len(shape):]) != shape or len(shape) > a.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size"
                           f"{list(a.shape)}")
    if weight is not None and tuple(weight._data.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight._data.shape)} and normalized_shape = "
                           f"{list(shape)}")
    if eps is None:
        eps = float(np.finfo(a.dtype if a.dtype.kind == "f" else np.float32).eps)
    dims = tuple(range(a.ndim - len(shape), a.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise groups of channels of a (N, C, *) input, then scale and shift per channel."""
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{a.ndim}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != a.shape[1]:
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(t._data.shape)} and input of shape {list(a.shape)}")
    return _norm.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) plane on its own: batch norm over a (1, N*C, *) view,
    as PyTorch computes it; running statistics, if given, are averaged over the batch."""
    a = input._data
    n, c = a.shape[0], a.shape[1]
    if use_input_stats and int(np.prod(a.shape[2:])) == 1:
        raise ValueError("Expected more than 1 spatial element when training, got input size "
                         f"{Size(a.shape)!r}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        _check_stat(name, t, c)
    rm = rv = None
    if running_mean is not None:
        rm = Tensor._wrap(np.tile(running_mean._data, n))
    if running_var is not None:
        rv = Tensor._wrap(np.tile(running_var._data, n))
    flat = reshape(input, (1, n * c) + a.shape[2:])
    out = _norm.batch_norm(flat, None, None, rm, rv, use_input_stats, momentum, eps)
    if use_input_stats:
        for src, dst in ((rm, running_mean), (rv, running_var)):
            if src is not None:
                # sum / n: an empty batch gives NaN statistics as in PyTorch
                dst._data[...] = src._data.reshape(n, c).sum(axis=0) / n
                dst._version += 1
    out = reshape(out, a.shape)
    affine = (1, c) + (1,) * (a.ndim - 2)
    if weight is not None:
        out = mul(out, reshape(weight, affine))
    if bias is not None:
        out = add(out, reshape(bias, affine))
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Divide each element by (k + alpha * mean of squares over ``size`` neighbouring
    channels) ** beta, as in AlexNet."""
    a = input._data
    if a.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {a.ndim} dimensions)")
    if a.size == 0:
        return input
    c = a.shape[1]
    sq = mul(input, input)
    # the window of channel i is [i - size//2, i + (size-1)//2], zeros beyond the ends
    from .padding import pad
    before, after = size // 2, (size - 1) // 2
    padded = pad(sq, (0, 0) * (a.ndim - 2) + (before, after))
    total = None
    for j in range(size):
        part = padded[:, j:j + c]
        total = part if total is None else add(total, part)
    div_ = _pow(add(mul(total, alpha / size), k), beta)
    return div(input, div_)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p over dim, eps)``: unit vectors along ``dim``."""
    n = clamp(_vector_norm(input, p, dim, keepdim=True), min=eps)
    return div(input, n)
