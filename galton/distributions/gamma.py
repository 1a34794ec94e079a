"""The gamma family: Gamma(concentration, rate), Dirichlet(concentration) and
Beta(concentration1, concentration0), all sampled from gamma draws with implicit
reparameterisation gradients (see _gamma_ops)."""
import numbers

import numpy as np

from .. import dtypes
from ..ops import pointwise as P, reduction as R
from ..ops.joining import stack
from ..ops.special import digamma, lgamma
from ..tensor import Size, Tensor
from . import constraints
from ._gamma_ops import gammainc, standard_gamma
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Beta", "Dirichlet", "Gamma"]


def xlogy(x, y):
    """x log y, 0 where x is 0 (also when y is 0), with gradients free of 0 * inf."""
    zero = x == 0
    return P.where(zero, 0.0, x * P.log(P.where(zero, 1.0, y)))


def _new(self, cls, _instance):
    return self._get_checked_instance(cls, _instance)


def _finish(new, self, batch_shape, event_shape=Size()):
    Distribution.__init__(new, Size(batch_shape), event_shape, validate_args=False)
    new._validate_args = self._validate_args
    return new


class Gamma(Distribution):
    """Gamma with shape ``concentration`` and inverse scale ``rate``: density
    rate^c x^(c-1) e^(-rate x) / Gamma(c) on x > 0."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalar = isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number)
        super().__init__(Size() if scalar else self.concentration.shape,
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _new(self, Gamma, _instance)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        return _finish(new, self, batch_shape)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return P.clamp((self.concentration - 1) / self.rate, min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=Size()):
        """Gamma(c, 1) draws divided by the rate; differentiable in both (implicitly in c)."""
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        tiny = float(np.finfo(value._data.dtype).tiny)
        np.maximum(value._data, tiny, out=value._data)  # as PyTorch: never exactly 0
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return xlogy(c, r) + xlogy(c - 1, value) - r * value - lgamma(c)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self):
        c = self.concentration
        return c - P.log(self.rate) + lgamma(c) + (1.0 - c) * digamma(c)


class Dirichlet(Distribution):
    """Dirichlet over the probability simplex with parameters ``concentration`` (last dim:
    the K categories, the event)."""
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _new(self, Dirichlet, _instance)
        new.concentration = self.concentration.expand(tuple(batch_shape) + self._event_shape)
        return _finish(new, self, batch_shape, self._event_shape)

    def rsample(self, sample_shape=Size()):
        """Normalised gamma draws. Their gradient is the implicit one of each gamma draw
        (unbiased, though not PyTorch's per-sample formula, which differentiates the
        marginal Beta cdf instead)."""
        shape = self._extended_shape(sample_shape)
        g = standard_gamma(self.concentration.expand(shape))
        x = g / R.sum(g, -1, keepdim=True)
        finfo = np.finfo(x._data.dtype)
        np.clip(x._data, finfo.tiny, 1 - finfo.eps, out=x._data)
        return x

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (R.sum(xlogy(c - 1.0, value), -1) + lgamma(R.sum(c, -1))
                - R.sum(lgamma(c), -1))

    @property
    def mean(self):
        return self.concentration / R.sum(self.concentration, -1, keepdim=True)

    @property
    def mode(self):
        cm1 = P.clamp(self.concentration - 1, min=0)
        mode = cm1 / R.sum(cm1, -1, keepdim=True)
        # all concentrations below 1: the density peaks at the corner of the largest
        c = self.concentration._data
        low = (c < 1).all(-1, keepdims=True)
        corner = np.eye(c.shape[-1], dtype=c.dtype)[c.argmax(-1)]
        return P.where(Tensor._wrap(low), Tensor._wrap(corner), mode)

    @property
    def variance(self):
        c = self.concentration
        c0 = R.sum(c, -1, keepdim=True)
        return c * (c0 - c) / (c0 ** 2 * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.shape[-1]
        a0 = R.sum(c, -1)
        return (R.sum(lgamma(c), -1) - lgamma(a0) - (k - a0) * digamma(a0)
                - R.sum((c - 1.0) * digamma(c), -1))


class Beta(Distribution):
    """Beta(concentration1, concentration0) on [0, 1]: the first coordinate of a
    Dirichlet([concentration1, concentration0])."""
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0,
                                                                     numbers.Number):
            both = Tensor._wrap(np.array([float(concentration1), float(concentration0)],
                                         dtypes.default_float_np()))
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            both = stack([c1, c0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = _new(self, Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return _finish(new, self, batch_shape)

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=Size()):
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()
