"""Helpers the distributions share: broadcasting parameters, probs <-> logits, lazy properties,
and drawing raw samples from galton's generator."""
import numbers

import numpy as np

from .. import dtypes
from ..ops import activation as A, pointwise as P
from ..ops.shape import expand
from ..random import rng
from ..tensor import Size, Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


def broadcast_all(*values):
    """Tensors (and numbers, made tensors of the default dtype, or of the tensors' dtype)
    broadcast to one shape, as ``torch.distributions.utils.broadcast_all``."""
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = tensors[0]._data.dtype if tensors else dtypes.default_float_np()
    values = [v if isinstance(v, Tensor) else Tensor._wrap(np.asarray(v, dtype)) for v in values]
    shape = np.broadcast_shapes(*(v.shape for v in values))
    return tuple(v if tuple(v.shape) == shape else expand(v, shape) for v in values)


def _eps(t):
    return float(np.finfo(t._data.dtype).eps)


def clamp_probs(probs):
    """Probabilities kept within [eps, 1 - eps], so their logs stay finite."""
    eps = _eps(probs)
    return P.clamp(probs, eps, 1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log(p) for categories (log(p / (1 - p)) when binary), of clamped probabilities."""
    ps = clamp_probs(probs)
    if is_binary:
        return P.log(ps) - P.log1p(-ps)
    return P.log(ps)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) when binary, else softmax over the last dim."""
    if is_binary:
        return P.sigmoid(logits)
    return A.softmax(logits, -1)


class lazy_property:  # noqa: N801  (PyTorch's name)
    """A property computed once, on first use, then stored on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def shape_of(sample_shape):
    return Size(tuple(sample_shape)) if not isinstance(sample_shape, int) else Size((sample_shape,))


def standard_normal(shape, like):
    """N(0, 1) draws from galton's generator (galton.manual_seed), in like's dtype."""
    return Tensor._wrap(rng().standard_normal(tuple(shape)).astype(like._data.dtype, copy=False))


def uniform(shape, like):
    """U[0, 1) draws from galton's generator, in like's dtype."""
    return Tensor._wrap(rng().random(tuple(shape)).astype(like._data.dtype, copy=False))
