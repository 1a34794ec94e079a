"""KL divergences KL(p || q) in closed form, registered per pair of distribution types as
in ``torch.distributions.kl``: ``kl_divergence(p, q)`` picks the most specific registered
pair for the two types."""
import math

import numpy as np

from ..linalg import solve_triangular
from ..ops import activation as A, pointwise as P, reduction as R
from ..ops.joining import diagonal
from ..ops.special import digamma, lgamma
from ..tensor import Tensor
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent, _sum_rightmost
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY = {}
_KL_MEMOIZE = {}


def register_kl(type_p, type_q):
    """Decorator: register ``fn(p, q)`` as KL(p || q) for instances of these two types."""
    if not (isinstance(type_p, type) and isinstance(type_q, type)):
        raise TypeError(f"Expected type_p and type_q to be types, got {type_p}, {type_q}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn
    return decorator


def _dispatch(type_p, type_q):
    """The registered function for the closest pair of base classes (by MRO position)."""
    matches = [(super_p, super_q) for super_p, super_q in _KL_REGISTRY
               if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    if not matches:
        return NotImplemented
    rank = lambda pair: (type_p.__mro__.index(pair[0]), type_q.__mro__.index(pair[1]))  # noqa
    return _KL_REGISTRY[min(matches, key=rank)]


def kl_divergence(p, q):
    """KL(p || q) = E_p[log p(x) - log q(x)], over the batch shape of p and q."""
    try:
        fn = _KL_MEMOIZE[type(p), type(q)]
    except KeyError:
        fn = _KL_MEMOIZE[type(p), type(q)] = _dispatch(type(p), type(q))
    if fn is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{p.__class__.__name__} and q type {q.__class__.__name__}")
    return fn(p, q)


def _infinite_like(t):
    return Tensor._wrap(np.full(t.shape, np.inf, t._data.dtype))


def _with_inf(result, mask):
    """result with +inf where mask (a bool array) holds; the gradient there is 0."""
    return P.where(Tensor._wrap(np.asarray(mask)), math.inf, result)


def _x_log_x(t):
    return t * P.log(t)


# --- the same family ------------------------------------------------------------------------
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1-p) log((1-p)/(1-q)), from the logits: log p = -softplus(-l)
    t1 = p.probs * (A.logsigmoid(p.logits) - A.logsigmoid(q.logits))
    t1 = P.where(p.probs == 0, 0.0, P.where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (A.logsigmoid(-p.logits) - A.logsigmoid(-q.logits))
    t2 = P.where(p.probs == 1, 0.0, P.where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = P.where(q.probs == 0, math.inf, t)
    t = P.where(p.probs == 0, 0.0, t)
    return R.sum(t, -1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - P.log(var_ratio))


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = P.log((q.high - q.low) / (p.high - p.low))
    return _with_inf(result, (q.low._data > p.low._data) | (q.high._data < p.high._data))


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * P.log(p.rate / q.rate)
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    sp = p.concentration1 + p.concentration0
    sq = q.concentration1 + q.concentration0
    t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(sp)
    t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(sq)
    t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
    t5 = (sq - sp) * digamma(sp)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p = R.sum(p.concentration, -1)
    sum_q = R.sum(q.concentration, -1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = R.sum(lgamma(p.concentration) - lgamma(q.concentration), -1)
    t3 = p.concentration - q.concentration
    t4 = digamma(p.concentration) - digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + R.sum(t3 * t4, -1)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    """0.5 (tr(Sq^-1 Sp) + (mq - mp)^T Sq^-1 (mq - mp) - n + log det Sq - log det Sp), with
    every inverse a triangular solve against q's Cholesky factor."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different "
                         "event shapes cannot be computed")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    n = p.event_shape[0]
    half_logdet = (R.sum(P.log(diagonal(lq, 0, -2, -1)), -1)
                   - R.sum(P.log(diagonal(lp, 0, -2, -1)), -1))
    shape = np.broadcast_shapes(tuple(lp.shape[:-2]), tuple(lq.shape[:-2]),
                                tuple(p.loc.shape[:-1]), tuple(q.loc.shape[:-1]))
    lq_b = lq.expand(shape + (n, n))
    term_tr = R.sum(solve_triangular(lq_b, lp.expand(shape + (n, n)), upper=False) ** 2,
                    (-2, -1))
    diff = (q.loc - p.loc).expand(shape + (n,)).unsqueeze(-1)
    term_m = R.sum(solve_triangular(lq_b, diff, upper=False).squeeze(-1) ** 2, -1)
    return half_logdet + 0.5 * (term_tr + term_m - n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return _sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


# --- across families --------------------------------------------------------------------------
@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    t1 = -p.entropy()
    t2 = lgamma(q.concentration) - q.concentration * P.log(q.rate)
    t3 = (q.concentration - 1) * (digamma(p.concentration1)
                                  - digamma(p.concentration1 + p.concentration0))
    t4 = q.rate * p.concentration1 / (p.concentration1 + p.concentration0)
    return t1 + t2 - t3 + t4


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    e = p.concentration1 / (p.concentration1 + p.concentration0)
    var = q.scale ** 2
    t1 = -p.entropy()
    t2 = 0.5 * P.log(var * 2 * math.pi)
    t3 = (e * (1 - e) / (p.concentration1 + p.concentration0 + 1) + e ** 2) * 0.5
    t4 = q.loc * e
    t5 = q.loc ** 2 * 0.5
    return t1 + t2 + (t3 - t4 + t5) / var


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + P.log(q.high - q.low)
    return _with_inf(result, (q.low._data > 0) | (q.high._data < 1))


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    var = q.scale ** 2
    beta2 = p.rate ** 2
    c = p.concentration
    t1 = 0.5 * P.log(beta2 * var * 2 * math.pi) - c - lgamma(c)
    t2 = 0.5 * (c ** 2 + c) / beta2
    t3 = q.loc * c / p.rate
    t4 = 0.5 * q.loc ** 2
    return t1 + (c - 1) * digamma(c) + (t2 - t3 + t4) / var


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    width = p.high - p.low
    t1 = P.log(width)
    t2 = (q.concentration1 - 1) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t3 = (q.concentration0 - 1) * (_x_log_x(1 - p.high) - _x_log_x(1 - p.low) + width) / width
    t4 = (lgamma(q.concentration1) + lgamma(q.concentration0)
          - lgamma(q.concentration1 + q.concentration0))
    return _with_inf(t3 + t4 - t1 - t2, (p.high._data > 1) | (p.low._data < 0))


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    width = p.high - p.low
    t1 = P.log(width)
    t2 = lgamma(q.concentration) - q.concentration * P.log(q.rate)
    t3 = (1 - q.concentration) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t4 = q.rate * (p.high + p.low) / 2
    return _with_inf(-t1 + t2 + t3 + t4, p.low._data < 0)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    width = p.high - p.low
    t1 = P.log(math.sqrt(math.pi * 2) * q.scale / width)
    t2 = width ** 2 / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2) ** 2
    return t1 + 0.5 * (t2 + t3) / q.scale ** 2


# a density on all of R (or of [0, inf)) against one on a bounded (half-bounded) support
@register_kl(Normal, Uniform)
@register_kl(Normal, Beta)
@register_kl(Normal, Gamma)
@register_kl(Gamma, Uniform)
@register_kl(Gamma, Beta)
def _kl_infinite(p, q):
    return _infinite_like(p.mean)


# --- the long tail: the pairs PyTorch registers among them ---------------------------------
from .continuous import Cauchy, Exponential, Laplace  # noqa: E402
from .discrete import Binomial, Geometric, Poisson  # noqa: E402
from .transformed import Gumbel, HalfNormal, Pareto, TransformedDistribution  # noqa: E402

_EULER = 0.57721566490153286060


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    ratio = q.rate / p.rate
    return -ratio.log() + ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return (-scale_ratio.log() + loc_abs_diff / q.scale
            + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    return (((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
            - (4 * p.scale * q.scale).log())


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    # from "Exact Upper and Lower Bounds on the KL Divergence between Binomials"
    if bool((p.total_count < q.total_count)._data.any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count "
                                  "is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    return _with_inf(kl, (p.total_count > q.total_count)._data)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    ct1, ct2, ct3 = p.scale / q.scale, q.loc / q.scale, p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t3 = (ct2 + (1 + ct1).lgamma() - ct3).exp()
    return t1 + ct1 * _EULER + t3 - (1 + _EULER)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio, alpha_ratio = p.scale / q.scale, q.alpha / p.alpha
    result = q.alpha * scale_ratio.log() - alpha_ratio.log() + alpha_ratio - 1
    return _with_inf(result, (p.scale < q.scale)._data)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """The same transforms on both sides leave the divergence of the bases unchanged."""
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)
