"""Batch, layer and group normalisation as fused ops, forward and backward side by side.

Each forward keeps only the normalised input x_hat and the inverse standard deviation; the
backward is the closed form of the chain rule through mean and variance:

    dx = invstd * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat))

with the means over the normalised elements and dx_hat = dy * weight. One formula, no graph
of a dozen small ops, and one input-sized array kept per layer.
"""
import numpy as np

from .. import backend
from ._util import Tensor, composite, make_result, restore

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _arr(t):
    return None if t is None else t._data


def _empty(input, weight, bias, name):
    """An empty input normalises to an empty output, as in PyTorch: no statistics are taken
    (the running ones stay as they are) and weight and bias get zero gradients."""
    w, b = _arr(weight), _arr(bias)

    def backward(g, xp=np):
        return (xp.zeros_like(g) if xp is not np else backend.array_module(g).zeros_like(g),
                None if w is None else backend.array_module(w).zeros_like(w),
                None if b is None else backend.array_module(b).zeros_like(b))
    return make_result(input._data.copy(), (input, weight, bias), backward, name)


def batch_norm(input, weight=None, bias=None, running_mean=None, running_var=None,
               training=False, momentum=0.1, eps=1e-5, cudnn_enabled=False):
    """Normalise each channel of a (N, C, *) input over the batch and spatial dims, as
    ``torch.batch_norm``. In training the batch statistics are used and the running ones (if
    given) move towards them by ``momentum``, the variance unbiased as PyTorch's; otherwise
    the running statistics are used."""
    a = input._data
    if a.size == 0:
        return _empty(input, weight, bias, "NativeBatchNormBackward0")
    n, c = a.shape[0], a.shape[1]
    a3 = a.reshape(n, c, -1)
    w, b = _arr(weight), _arr(bias)
    xp = backend.array_module(a)
    need_x = input._rg
    need_w = weight is not None and weight._rg
    need_b = bias is not None and bias._rg
    shape = a.shape  # closures keep the shape, never the input itself
    if training:
        m = a3.shape[0] * a3.shape[2]
        mean = a3.mean(axis=(0, 2))
        xhat = a3 - mean.reshape(-1, 1)
        var = xp.square(xhat).mean(axis=(0, 2))
        invstd = 1.0 / xp.sqrt(var + a.dtype.type(eps))
        xhat *= invstd.reshape(-1, 1)
        if running_mean is not None:
            rm = running_mean._data
            rm *= 1 - momentum
            rm += momentum * mean.astype(rm.dtype, copy=False)
            running_mean._version += 1
        if running_var is not None:
            rv = running_var._data
            rv *= 1 - momentum
            rv += (momentum * m / max(m - 1, 1)) * var.astype(rv.dtype, copy=False)
            running_var._version += 1
        out = xhat * w.reshape(-1, 1) if w is not None else xhat.copy()
        if b is not None:
            out += b.reshape(-1, 1)

        def backward(g, x=None, w=w, b=b, xp=xp):
            if isinstance(g, Tensor):  # create_graph: differentiate the composite form; x is
                # not kept, but the output is invariant to each channel's shift: xhat*std will do
                x = restore(x, (xhat / invstd.reshape(-1, 1)).reshape(shape))
                return composite(lambda x, w, b: _batch_norm_train(x, w, b, eps), (x, w, b), g)
            g3 = g.reshape(n, c, -1)
            gb = g3.sum(axis=(0, 2))
            gw = (g3 * xhat).sum(axis=(0, 2))
            gx = None
            if need_x:
                scale = invstd if w is None else invstd * w
                gx = g3 - (gb / m).reshape(-1, 1)
                gx -= xhat * (gw / m).reshape(-1, 1)
                gx *= scale.reshape(-1, 1)
                gx = gx.reshape(shape)
            return gx, (gw if need_w else None), (gb if need_b else None)
        return make_result(out.reshape(a.shape), (input, weight, bias), backward,
                           "NativeBatchNormBackward0")
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    rstd = 1.0 / xp.sqrt(running_var._data.astype(a.dtype) + a.dtype.type(eps))
    rmean = running_mean._data.astype(a.dtype)
    scale = rstd if w is None else rstd * w
    shift = -rmean * scale if b is None else b - rmean * scale
    out = a3 * scale.reshape(-1, 1) + shift.reshape(-1, 1)
    saved = a3 if need_w else None  # x itself, only for the weight's gradient

    def backward_eval(g, x=None, w=w, b=b, xp=xp):
        if isinstance(g, Tensor):  # create_graph: the affine map with the running statistics
            # (x is needed as a value only for the weight's gradient, when it is kept)
            x = restore(x, saved.reshape(shape) if saved is not None else xp.zeros(shape, a.dtype))
            return composite(lambda x, w, b: _affine_channels(
                (x - _channels(rmean, x.ndim)) * _channels(rstd, x.ndim), w, b), (x, w, b), g)
        g3 = g.reshape(n, c, -1)
        gx = (g3 * scale.reshape(-1, 1)).reshape(shape) if need_x else None
        gw = None
        if need_w:
            gw = (g3 * (saved - rmean.reshape(-1, 1))).sum(axis=(0, 2)) * rstd
        gb = g3.sum(axis=(0, 2)) if need_b else None
        return gx, gw, gb
    return make_result(out.reshape(a.shape), (input, weight, bias), backward_eval,
                       "NativeBatchNormBackward0")


def _channels(v, ndim):
    """A per-channel (C,) vector shaped to broadcast against (N, C, *)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _affine_channels(y, w, b):
    if w is not None:
        y = y * _channels(w, y.ndim)
    return y if b is None else y + _channels(b, y.ndim)


def _batch_norm_train(x, w, b, eps):
    """Training batch norm from galton ops: the form create_graph differentiates."""
    dims = (0,) + tuple(range(2, x.ndim))
    xc = x - x.mean(dims, keepdim=True)
    y = xc / ((xc * xc).mean(dims, keepdim=True) + eps).sqrt()
    return _affine_channels(y, w, b)


def _norm_rows(x, dims, eps):
    """(x - mean) / sqrt(var + eps) over ``dims``, from galton ops (for create_graph)."""
    xc = x - x.mean(dims, keepdim=True)
    return xc / ((xc * xc).mean(dims, keepdim=True) + eps).sqrt()


def _normalize_rows(a2, eps):
    """x_hat and 1/std of each row of a 2-D (or last-axis) array."""
    xp = backend.array_module(a2)
    xhat = a2 - a2.mean(axis=-1, keepdims=True)
    var = xp.square(xhat).mean(axis=-1, keepdims=True)
    invstd = 1.0 / xp.sqrt(var + a2.dtype.type(eps))
    xhat *= invstd
    return xhat, invstd


def _rows_backward(gxhat, xhat, invstd):
    """dx from dx_hat for rows normalised by _normalize_rows (the closed form above)."""
    gx = gxhat - gxhat.mean(axis=-1, keepdims=True)
    gx -= xhat * (gxhat * xhat).mean(axis=-1, keepdims=True)
    gx *= invstd
    return gx


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=False):
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift
    elementwise, as ``torch.layer_norm``."""
    a = input._data
    shape = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) \
        else (int(normalized_shape),)
    k = len(shape)
    if k == 0 or a.shape[a.ndim - k:] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size"
                           f"{list(a.shape)}")
    d = int(np.prod(shape)) if shape else 1
    if a.size == 0:
        return _empty(input, weight, bias, "NativeLayerNormBackward0")
    w, b = _arr(weight), _arr(bias)
    xhat, invstd = _normalize_rows(a.reshape(-1, d), eps)
    out = xhat * w.reshape(d) if w is not None else xhat.copy()
    if b is not None:
        out += b.reshape(d)
    need_x = input._rg
    need_w = weight is not None and weight._rg
    need_b = bias is not None and bias._rg
    in_shape = a.shape

    def backward(g, x=None, w=w, b=b, xp=None):
        if isinstance(g, Tensor):  # create_graph: the composite form, x from xhat (shift-free)
            x = restore(x, (xhat / invstd).reshape(in_shape))
            dims = tuple(range(len(in_shape) - k, len(in_shape)))
            return composite(lambda x, w, b: _norm_rows(x, dims, eps) * (1 if w is None else w)
                             + (0 if b is None else b), (x, w, b), g)
        g2 = g.reshape(-1, d)
        gw = (g2 * xhat).sum(axis=0).reshape(shape) if need_w else None
        gb = g2.sum(axis=0).reshape(shape) if need_b else None
        gx = None
        if need_x:
            gxhat = g2 * w.reshape(d) if w is not None else g2
            gx = _rows_backward(gxhat, xhat, invstd).reshape(in_shape)
        return gx, gw, gb
    return make_result(out.reshape(a.shape), (input, weight, bias), backward,
                       "NativeLayerNormBackward0")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=False):
    """Normalise each group of C/num_groups channels of a (N, C, *) input over its channels and
    spatial dims, then scale and shift per channel, as ``torch.group_norm``."""
    a = input._data
    n, c = a.shape[0], a.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(a.shape)} and "
                           f"num_groups={num_groups}")
    if a.size == 0:
        return _empty(input, weight, bias, "NativeGroupNormBackward0")
    w, b = _arr(weight), _arr(bias)
    xhat, invstd = _normalize_rows(a.reshape(n, num_groups, -1), eps)
    x3 = xhat.reshape(n, c, -1)
    out = x3 * w.reshape(-1, 1) if w is not None else x3.copy()
    if b is not None:
        out += b.reshape(-1, 1)
    need_x = input._rg
    need_w = weight is not None and weight._rg
    need_b = bias is not None and bias._rg
    in_shape = a.shape

    def backward(g, x=None, w=w, b=b, xp=None):
        if isinstance(g, Tensor):  # create_graph: the composite form, x from xhat (shift-free)
            x = restore(x, (xhat / invstd).reshape(in_shape))
            return composite(lambda x, w, b: _affine_channels(_norm_rows(
                x.reshape(n, num_groups, -1), 2, eps).reshape(in_shape), w, b), (x, w, b), g)
        g3 = g.reshape(n, c, -1)
        gw = (g3 * x3).sum(axis=(0, 2)) if need_w else None
        gb = g3.sum(axis=(0, 2)) if need_b else None
        gx = None
        if need_x:
            gxhat = g3 * w.reshape(-1, 1) if w is not None else g3
            gx = _rows_backward(gxhat.reshape(n, num_groups, -1), xhat, invstd).reshape(in_shape)
        return gx, gw, gb
    return make_result(out.reshape(a.shape), (input, weight, bias), backward,
                       "NativeGroupNormBackward0")


TENSOR_METHODS = []  # normalisation is reached through galton.nn.functional
