"""``torch.distributions``' submodule names for the classes galton keeps in fewer files.

PyTorch has one module per distribution (``from torch.distributions.multinomial import
Multinomial``); galton groups them (discrete.py, continuous.py, derived.py...). Each torch
module name below becomes a module of galton.distributions holding the same class objects, so
both spellings reach one class.
"""
import importlib.machinery
import sys
import types

__all__ = ["TORCH_MODULES", "install"]

# torch.distributions.<module> -> the public classes it defines that galton has
TORCH_MODULES = {
    "beta": ["Beta"], "binomial": ["Binomial"], "cauchy": ["Cauchy"], "chi2": ["Chi2"],
    "dirichlet": ["Dirichlet"], "exp_family": ["ExponentialFamily"],
    "exponential": ["Exponential"], "fishersnedecor": ["FisherSnedecor"],
    "geometric": ["Geometric"], "gumbel": ["Gumbel"], "half_cauchy": ["HalfCauchy"],
    "half_normal": ["HalfNormal"], "inverse_gamma": ["InverseGamma"],
    "kumaraswamy": ["Kumaraswamy"], "laplace": ["Laplace"], "log_normal": ["LogNormal"],
    "logistic_normal": ["LogisticNormal"], "mixture_same_family": ["MixtureSameFamily"],
    "multinomial": ["Multinomial"], "negative_binomial": ["NegativeBinomial"],
    "one_hot_categorical": ["OneHotCategorical", "OneHotCategoricalStraightThrough"],
    "pareto": ["Pareto"], "poisson": ["Poisson"], "relaxed_bernoulli": ["RelaxedBernoulli"],
    "relaxed_categorical": ["RelaxedOneHotCategorical"], "studentT": ["StudentT"],
    "transformed_distribution": ["TransformedDistribution"], "weibull": ["Weibull"],
}


def install(package):
    """Make ``<package>.<torch module>`` importable and an attribute of ``package``."""
    for sub, names in TORCH_MODULES.items():
        full = f"{package.__name__}.{sub}"
        mod = types.ModuleType(full, f"torch.distributions.{sub}'s classes, as galton has them.")
        mod.__spec__ = importlib.machinery.ModuleSpec(full, None)
        mod.__all__ = list(names)
        for name in names:
            setattr(mod, name, getattr(package, name))
        sys.modules.setdefault(full, mod)
        setattr(package, sub, sys.modules[full])
