"""Computer vision for galton, shaped like torchvision.

``from galton.vision import datasets, transforms`` replaces
``from torchvision import datasets, transforms``.
"""
from . import datasets, io, transforms

try:
    from . import models
except ModuleNotFoundError as _exc:  # the model zoo is optional; other import errors are bugs
    if _exc.name != f"{__name__}.models":
        raise

__all__ = ["datasets", "transforms", "io", "models"]
