"""``galton.distributions``: PyTorch's ``torch.distributions`` on galton tensors.

Distributions with ``batch_shape`` / ``event_shape``, ``sample`` / ``rsample`` (with
reparameterised gradients), ``log_prob``, ``entropy``, moments, ``cdf`` / ``icdf`` where
PyTorch has them, ``expand``, constraints with argument validation, and ``kl_divergence``.
Draws come from galton's generator (``galton.manual_seed``).

>>> d = galton.distributions.Normal(galton.zeros(3), galton.ones(3))
>>> d.rsample((2,)).shape
galton.Size([2, 3])
"""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma import Beta, Dirichlet, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Gamma",
           "Independent", "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform",
           "constraints", "kl_divergence", "register_kl"]
