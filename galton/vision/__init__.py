"""Computer vision for galton, shaped like torchvision.

``from galton.vision import datasets, transforms`` replaces
``from torchvision import datasets, transforms``.
"""
import importlib as _importlib

from . import datasets, io, ops, transforms, utils

__all__ = ["datasets", "transforms", "io", "ops", "utils"]

try:
    # import_module raises ModuleNotFoundError naming the module (``from . import`` would not)
    models = _importlib.import_module(f"{__name__}.models")
    __all__.append("models")
except ModuleNotFoundError as _exc:  # no model zoo yet; any other missing module is a bug
    if _exc.name != f"{__name__}.models":
        raise

from .._version import TorchVersion as _TorchVersion  # noqa: E402

# torchvision's version, as the release whose API galton.vision follows (0.28 is the one
# PyTorch 2.13 pairs with), with the local label "galton" where PyTorch's builds have "+cpu":
# a program checking ``torchvision.__version__ >= "0.13"`` for the weights API gets the truth
__version__ = _TorchVersion("0.28.0+galton")
