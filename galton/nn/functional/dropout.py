"""Dropout: zero random elements (or whole channels) while training, scaling the rest by
1 / (1 - p) so the expected value is unchanged; the identity when ``training=False``.

The mask is drawn from galton's global generator (``galton.manual_seed`` makes it repeatable)
and is the only thing the backward pass needs.
"""
import math
import warnings

import numpy as np

from ... import backend
from ..._quiet import quiet
from ...autograd import graph
from ...ops.inplace import _check_leaf, _take
from ...random import rng
from ...tensor import make_result

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

# SELU's alpha * scale: AlphaDropout sets dropped units to SELU's negative saturation value
_ALPHA_PRIME = 1.7580993408473766


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(like, shape, p):
    """A 0/1 keep mask of ``shape`` in the dtype of array ``like`` and on its device
    (float32 draws: half the work of float64)."""
    if p == 1:
        mask = np.zeros(shape, like.dtype)
    else:
        mask = (rng().random(shape, dtype=np.float32) >= p).astype(like.dtype)
    if type(like) is not np.ndarray:  # a device array: the mask goes where the data is
        mask = backend.array_module(like).asarray(mask)
    return mask


@quiet  # inf * 0 in a dropped element is NaN, silently as in PyTorch
def _apply(input, mult, add, inplace):
    """input * mult (+ add), as one op whose gradient is g * mult; in place if asked."""
    x = input._data
    out = x * mult
    if add is not None:
        out += add
    r = make_result(out, (input,), lambda g, xp=np: (g * mult,), "MulBackward0")
    if not inplace:
        return r
    if graph._grad_enabled and input._rg:
        _check_leaf(input)
        return _take(input, r)
    input._data[...] = out
    input._version += 1
    return input


def _dropout(input, p, training, inplace, mask_shape):
    _check_p(p)
    if not training or p == 0:
        return input
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"dropout: expected a floating point input, got {input.dtype}")
    mask = _keep_mask(x, mask_shape, p)
    if p != 1:
        mask *= 1 / (1 - p)
    return _apply(input, mask, None, inplace)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p).

    >>> F.dropout(galton.ones(4), 0.5)       # e.g. tensor([2., 0., 2., 2.])
    """
    return _dropout(input, p, training, inplace, input.shape)


def _channel_shape(shape, lead):
    """Mask shape for channel-wise dropout: one draw per entry of the ``lead`` first dims
    (sample and channel, or channel alone for an unbatched input)."""
    lead = min(lead, len(shape))
    return tuple(shape[:lead]) + (1,) * (len(shape) - lead)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) inputs."""
    _check_p(p)
    n = input.ndim
    if n not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {n}D input. Note "
                           "that dropout1d exists to provide channel-wise dropout on inputs with 1 "
                           "spatial dimension, a channel dimension, and an optional batch "
                           "dimension (i.e. 2D or 3D inputs).")
    return _dropout(input, p, training, inplace, _channel_shape(input.shape, 2 if n == 3 else 1))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (feature maps) of (N, C, H, W) or (C, H, W) inputs."""
    _check_p(p)
    n = input.ndim
    if n not in (3, 4):
        warnings.warn(f"dropout2d: Received a {n}-D input to dropout2d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout2d "
                      "exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                      "or 4D inputs).", stacklevel=2)
    if n == 3:
        # PyTorch's current behaviour: a 3-D input is read as (N, C, L), one draw per channel
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, H, "
                      "W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _dropout(input, p, training, inplace, _channel_shape(input.shape, 2))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs."""
    _check_p(p)
    n = input.ndim
    if n not in (4, 5):
        warnings.warn(f"dropout3d: Received a {n}-D input to dropout3d, which is deprecated and "
                      "will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout3d "
                      "exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                      "or 5D inputs).", stacklevel=2)
    return _dropout(input, p, training, inplace, _channel_shape(input.shape, 2 if n == 5 else 1))


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units take SELU's saturation value and an affine
    correction keeps the mean and variance of the input."""
    return _alpha(input, p, training, inplace, input.shape)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (sample, channel) of an (N, C, ...)
    input."""
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _alpha(input, p, training, inplace, _channel_shape(input.shape, 2))


def _alpha(input, p, training, inplace, mask_shape):
    _check_p(p)
    if not training or p == 0:
        return input
    x = input._data
    if p == 1:
        return _apply(input, _keep_mask(x, mask_shape, 1), None, inplace)
    keep = _keep_mask(x, mask_shape, p)
    a = 1.0 / math.sqrt((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * p
    return _apply(input, keep * a, b, inplace)
