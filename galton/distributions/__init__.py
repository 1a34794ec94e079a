"""``galton.distributions``: PyTorch's ``torch.distributions`` on galton tensors.

Distributions with ``batch_shape`` / ``event_shape``, ``sample`` / ``rsample`` (with
reparameterised gradients), ``log_prob``, ``entropy``, moments, ``cdf`` / ``icdf`` where
PyTorch has them, ``expand``, constraints with argument validation, and ``kl_divergence``.
Draws come from galton's generator (``galton.manual_seed``).

>>> d = galton.distributions.Normal(galton.zeros(3), galton.ones(3))
>>> d.rsample((2,)).shape
galton.Size([2, 3])
"""
from . import constraints, transforms
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .derived import (ExponentialFamily, FisherSnedecor, InverseGamma, Kumaraswamy,
                      LogisticNormal, OneHotCategoricalStraightThrough)
from .continuous import Cauchy, Chi2, Exponential, Laplace, StudentT
from .discrete import Binomial, Geometric, Multinomial, NegativeBinomial, Poisson
from .distribution import Distribution
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .mixture import MixtureSameFamily
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import (Gumbel, HalfCauchy, HalfNormal, LogNormal, Pareto,
                          TransformedDistribution, Weibull)
from .bijections import StickBreakingTransform
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform,
                         IndependentTransform, PowerTransform, ReshapeTransform,
                         SigmoidTransform, SoftmaxTransform, SoftplusTransform, TanhTransform,
                         Transform, identity_transform)
from .uniform import Uniform

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical",
           "Cauchy", "Chi2", "ComposeTransform", "Dirichlet", "Distribution", "ExpTransform",
           "Exponential", "ExponentialFamily", "FisherSnedecor", "Gamma", "Geometric", "Gumbel",
           "HalfCauchy", "HalfNormal", "Independent", "IndependentTransform", "InverseGamma",
           "Kumaraswamy", "Laplace", "LogNormal", "LogisticNormal", "MixtureSameFamily",
           "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Pareto", "Poisson", "PowerTransform",
           "RelaxedBernoulli", "RelaxedOneHotCategorical", "ReshapeTransform", "SigmoidTransform",
           "SoftmaxTransform", "SoftplusTransform", "StickBreakingTransform", "StudentT",
           "TanhTransform", "Transform", "TransformedDistribution", "Uniform", "Weibull",
           "constraints", "identity_transform", "kl_divergence", "register_kl", "transforms"]

import sys as _sys  # noqa: E402

from . import _torch_modules  # noqa: E402

_torch_modules.install(_sys.modules[__name__])  # torch.distributions.multinomial and the like
