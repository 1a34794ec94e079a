"""Counting distributions: Poisson, Binomial, Geometric, NegativeBinomial, Multinomial.
Densities as PyTorch's (log-space, stable for large counts); draws from galton's generator
(NumPy's samplers for these laws), never differentiable (no rsample), as in PyTorch."""
import math
import numbers

import numpy as np

from ..autograd import no_grad
from ..ops import activation as A
from ..tensor import Size, Tensor
from . import constraints
from .bernoulli import _one_of
from .categorical import Categorical
from .distribution import Distribution
from ..random import rng
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Binomial", "Geometric", "Multinomial", "NegativeBinomial", "Poisson"]


def _wrap(arr, like):
    return Tensor._wrap(np.asarray(arr, like._data.dtype))


def _finish(new, self, batch_shape, event_shape=Size()):
    Distribution.__init__(new, Size(batch_shape), event_shape, validate_args=False)
    new._validate_args = self._validate_args
    return new


class _ProbsOrLogits(Distribution):
    """A distribution given by ``probs`` or (exclusively) ``logits`` of success."""

    def _set_param(self, probs, logits, *others):
        _one_of(probs, logits)
        param = probs if probs is not None else logits
        values = broadcast_all(*others, param)
        if probs is not None:
            self.probs = values[-1]
        else:
            self.logits = values[-1]
        self._param = values[-1]
        return values[:-1]

    def _expand_param(self, new, batch_shape):
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
                new._param = getattr(new, name)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape


class Poisson(Distribution):
    """rate^k e^(-rate) / k! on k = 0, 1, 2, ..."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        batch = Size() if isinstance(rate, numbers.Number) else self.rate.shape
        super().__init__(batch, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        new.rate = self.rate.expand(batch_shape)
        return _finish(new, self, batch_shape)

    mean = property(lambda self: self.rate)
    mode = property(lambda self: self.rate.floor())
    variance = property(lambda self: self.rate)

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            lam = np.broadcast_to(self.rate._data, shape)
            return _wrap(rng().poisson(lam), self.rate)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


class Binomial(_ProbsOrLogits):
    """The number of successes in ``total_count`` independent trials."""
    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        (self.total_count,) = self._set_param(probs, logits, total_count)
        self.total_count = self.total_count.type_as(self._param)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_param(new, batch_shape)
        return _finish(new, self, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            n = np.broadcast_to(self.total_count._data, shape).astype(np.int64)
            p = np.broadcast_to(self.probs._data, shape)
            return _wrap(rng().binomial(n, p), self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, k, logits = self.total_count, value, self.logits
        # n log(1 + e^l) written so that it never overflows: max(l, 0) + log1p(e^-|l|)
        pos = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2
        normalize = n * pos + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return k * logits - normalize - (k + 1).lgamma() - (n - k + 1).lgamma()

    def entropy(self):
        n = int(self.total_count.max().item())
        if not bool((self.total_count == n)._data.all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        lp = self.log_prob(self.enumerate_support(False))
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand=True):
        n = int(self.total_count.max().item())
        if not bool((self.total_count == n)._data.all()):
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = _wrap(np.arange(1 + n), self._param)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Geometric(_ProbsOrLogits):
    """The number of failures before the first success, each trial succeeding with probs."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_param(probs, logits)
        scalar = isinstance(probs if probs is not None else logits, numbers.Number)
        super().__init__(Size() if scalar else self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Geometric, _instance)
        self._expand_param(new, batch_shape)
        return _finish(new, self, batch_shape)

    mean = property(lambda self: 1.0 / self.probs - 1.0)
    mode = property(lambda self: self.probs.new_zeros(tuple(self.probs.shape)))
    variance = property(lambda self: (1.0 / self.probs - 1.0) / self.probs)

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        tiny = float(np.finfo(self.probs._data.dtype).tiny)
        with no_grad():
            u = rng().random(shape).clip(tiny, 1)
            out = np.floor(np.log(u) / np.log1p(-np.broadcast_to(self.probs._data, shape)))
            return _wrap(out, self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # p = 1 and k = 0: 0 * log(0) counts as 0, as PyTorch does
        p = probs.masked_fill((probs == 1) & (value == 0), 0.0)
        return value * (-p).log1p() + self.probs.log()

    def entropy(self):
        from ..nn.functional import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs,
                                                reduction="none") / self.probs


class NegativeBinomial(_ProbsOrLogits):
    """The number of successes before ``total_count`` failures (success probability probs)."""
    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (self.total_count,) = self._set_param(probs, logits, total_count)
        self.total_count = self.total_count.type_as(self._param)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(NegativeBinomial, _instance)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_param(new, batch_shape)
        return _finish(new, self, batch_shape)

    mean = property(lambda self: self.total_count * self.logits.exp())
    variance = property(lambda self: self.mean / (-self.logits).sigmoid())

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    def sample(self, sample_shape=Size()):
        # a Gamma-Poisson mixture, as PyTorch draws it
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            r = np.broadcast_to(self.total_count._data, shape)
            scale = np.broadcast_to(np.exp(self.logits._data), shape)
            lam = rng().gamma(r, 1.0, shape) * scale
            return _wrap(rng().poisson(lam), self._param)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        r = self.total_count
        unnormalized = r * A.logsigmoid(-self.logits) + value * A.logsigmoid(self.logits)
        norm = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        norm = norm.masked_fill(r + value == 0.0, 0.0)
        return unnormalized - norm


class Multinomial(Distribution):
    """Counts of ``total_count`` draws among the categories of ``probs`` / ``logits``."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, numbers.Number):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial.expand(batch_shape + self.event_shape)
        return _finish(new, self, batch_shape, self.event_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    logits = property(lambda self: self._categorical.logits)
    probs = property(lambda self: self._categorical.probs)
    param_shape = property(lambda self: self._categorical.param_shape)
    mean = property(lambda self: self.probs * self.total_count)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            p = np.broadcast_to(self.probs._data, shape).astype(np.float64)
            p = p / p.sum(-1, keepdims=True)
            out = rng().multinomial(self.total_count, p.reshape(-1, shape[-1]))
            return _wrap(out.reshape(shape), self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # a category that cannot occur and did not: 0 * -inf counts as 0
        logits = logits.masked_fill((value == 0) & (logits == -math.inf), 0.0)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self):
        n = Tensor._wrap(np.asarray(self.total_count, self.probs._data.dtype))
        term1 = n * self._categorical.entropy() - (n + 1).lgamma()
        support = self._binomial.enumerate_support(expand=False)[1:]
        probs = self._binomial.log_prob(support).exp()
        return term1 + (probs * (support + 1).lgamma()).sum((0, -1))

