"""The elementwise (and softmax) maps of ``torch.distributions.transforms``: each gives y = t(x),
its inverse and log |dy/dx|, as PyTorch's (same clamps, same stable formulas)."""
import math

import numpy as np

from ..ops import activation as A
from ..tensor import Tensor
from . import constraints
from .transforms import Transform

class ExpTransform(Transform):
    """y = exp(x)."""
    codomain = constraints.positive
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, type(self))

    __hash__ = object.__hash__

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """y = x ** exponent, on positive numbers."""
    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else \
            PowerTransform(self.exponent, cache_size=cache_size)

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and _same(self.exponent, other.exponent)

    __hash__ = object.__hash__

    @property
    def sign(self):
        return self.exponent.sign()

    def _call(self, x):
        return x.pow(self.exponent)

    def _inverse(self, y):
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()


class SigmoidTransform(Transform):
    """y = sigmoid(x); the inverse clamps y inside (0, 1) first, as PyTorch."""
    codomain = constraints.unit_interval
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, type(self))

    __hash__ = object.__hash__

    def _call(self, x):
        eps = _finfo(x)
        return x.sigmoid().clamp(eps.tiny, 1 - eps.eps)

    def _inverse(self, y):
        eps = _finfo(y)
        y = y.clamp(eps.tiny, 1 - eps.eps)
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        return -A.softplus(-x) - A.softplus(x)


class TanhTransform(Transform):
    """y = tanh(x) (SAC's squashed Gaussian policy)."""
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return y.atanh()

    def log_abs_det_jacobian(self, x, y):
        # log(1 - tanh(x)^2) = 2 (log 2 - x - softplus(-2x)): no cancellation for large |x|
        return 2.0 * (math.log(2.0) - x - A.softplus(-2.0 * x))


class SoftplusTransform(Transform):
    """y = log(1 + exp(x))."""
    codomain = constraints.positive
    bijective = True
    sign = 1

    def __eq__(self, other):
        return isinstance(other, type(self))

    __hash__ = object.__hash__

    def _call(self, x):
        return A.softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        return -A.softplus(-x)


class AbsTransform(Transform):
    """y = |x| (not bijective: the inverse returns the positive branch)."""
    codomain = constraints.positive

    def __eq__(self, other):
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    """y = loc + scale * x, over ``event_dim`` rightmost dims."""
    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else \
            AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other):
        return isinstance(other, AffineTransform) and _same(self.loc, other.loc) and \
            _same(self.scale, other.scale)

    __hash__ = object.__hash__

    @property
    def event_dim(self):
        return self._event_dim

    @property
    def domain(self):
        return constraints.real if self._event_dim == 0 else \
            constraints.independent(constraints.real, self._event_dim)

    codomain = domain

    @property
    def sign(self):
        if isinstance(self.scale, (int, float)):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = tuple(x.shape)
        if isinstance(self.scale, (int, float)):
            result = x.new_full(shape, math.log(abs(self.scale)))
        else:
            result = self.scale.abs().log()
        if self._event_dim:
            result = result.reshape(tuple(result.shape[:result.ndim - self._event_dim]) + (-1,))
            result = result.sum(-1)
            shape = shape[:len(shape) - self._event_dim]
        return result.expand(shape)

    def forward_shape(self, shape):
        return tuple(np.broadcast_shapes(tuple(shape), *(tuple(getattr(p, "shape", ()))
                                                         for p in (self.loc, self.scale))))

    inverse_shape = forward_shape


class SoftmaxTransform(Transform):
    """Unconstrained vectors onto the simplex by softmax (not bijective: shifts map alike)."""
    codomain = constraints.simplex

    @property
    def domain(self):
        return constraints.real_vector

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        logprobs = x
        probs = (logprobs - logprobs.max(-1, keepdim=True)[0]).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()


def _same(a, b):
    """Parameters equal everywhere (numbers or tensors), as PyTorch's transforms compare."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return bool(np.all(np.asarray(a._data if isinstance(a, Tensor) else a)
                           == np.asarray(b._data if isinstance(b, Tensor) else b)))
    return a == b


def _finfo(t):
    return np.finfo(t._data.dtype)


class StickBreakingTransform(Transform):
    """Unconstrained K-vectors onto the (K+1)-simplex by breaking a stick: each coordinate
    takes a sigmoid's share of what is left (bijective, unlike softmax)."""
    codomain = constraints.simplex
    bijective = True

    @property
    def domain(self):
        return constraints.real_vector

    def __eq__(self, other):
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    @staticmethod
    def _offset(x, k):
        return (k + 1 - x.new_ones(k).cumsum(-1)).log()

    def _call(self, x):
        k = x.shape[-1]
        eps = _finfo(x)
        z = (x - self._offset(x, k)).sigmoid().clamp(eps.tiny, 1 - eps.eps)
        z_cumprod = (1 - z).cumprod(-1)
        from ..nn.functional import pad
        return pad(z, [0, 1], value=1) * pad(z_cumprod, [1, 0], value=1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        k = y_crop.shape[-1]
        offset = (y.shape[-1] - y.new_ones(k).cumsum(-1)).log()
        sf = (1 - y_crop.cumsum(-1)).clamp(min=_finfo(y).tiny)
        return y_crop.log() - sf.log() + offset

    def log_abs_det_jacobian(self, x, y):
        x = x - self._offset(x, x.shape[-1])
        return (-x + A.logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] - 1,)
