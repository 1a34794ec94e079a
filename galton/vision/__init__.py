"""Computer vision for galton, shaped like torchvision.

``from galton.vision import datasets, transforms`` replaces
``from torchvision import datasets, transforms``.
"""
import importlib as _importlib

from . import datasets, io, transforms, utils

__all__ = ["datasets", "transforms", "io", "utils"]

try:
    # import_module raises ModuleNotFoundError naming the module (``from . import`` would not)
    models = _importlib.import_module(f"{__name__}.models")
    __all__.append("models")
except ModuleNotFoundError as _exc:  # no model zoo yet; any other missing module is a bug
    if _exc.name != f"{__name__}.models":
        raise
