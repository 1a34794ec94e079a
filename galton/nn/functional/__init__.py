"""``galton.nn.functional`` (``F``): the function form of every layer and loss.

One file per family; each lists its public names in ``__all__`` and is re-exported here.
"""
import importlib

from ...ops.linalg import linear  # noqa: F401
from ...ops.pointwise import relu, sigmoid, tanh  # noqa: F401

_FAMILIES = ["activation", "loss", "dropout", "sparse", "conv", "pooling", "pooling3d",
             "normalization", "padding", "upsampling", "fold", "attention", "vision",
             "distance", "loss_margin", "random_activation", "linear_loss", "sampling",
             "fractional_pooling"]

for _name in _FAMILIES:
    try:
        _mod = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:  # a family not written yet
        if _exc.name != f"{__name__}.{_name}":
            raise
        continue
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)
