"""``F.bilinear`` and ``F.linear_cross_entropy`` (a Linear head and cross-entropy in one call).

PyTorch's linear_cross_entropy can run a chunked kernel that never holds the whole
(batch, classes) logits (``options=LinearCrossEntropyOptions(...)``); its values are the
reference path's, which is what galton computes whatever the options.
"""
import dataclasses
import math

from ...ops.linalg import linear
from ..linear import bilinear
from .loss import cross_entropy

__all__ = ["bilinear", "linear_cross_entropy"]


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """PyTorch's settings of its chunked linear_cross_entropy kernel; accepted (and shown)
    by galton, which computes the same values by the reference path."""

    allow_retain_graph: bool = False
    batch_chunk_size: int = None
    chunking_method: str = "auto"
    acc_policy: str = "auto"
    acc_dtype: object = None


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target): input (N, in) or
    (in,), linear_weight (C, *out_features, in) for a K-dimensional loss."""
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.ndim}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    total = math.prod(out_features, start=classes)
    w = linear_weight.reshape(total, in_features) if out_features else linear_weight
    b = linear_bias.reshape(total) if out_features and linear_bias is not None else linear_bias
    logits = linear(input, w, b).reshape(*logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)
