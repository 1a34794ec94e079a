"""Layers, losses and initialisation, as ``torch.nn``.

Each file below holds one family of layers and lists its public names in ``__all__``;
this package re-exports them all (``nn.Linear``, ``nn.Conv2d``, ``nn.CrossEntropyLoss``...).
"""
import importlib

from .module import Module
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

_FAMILIES = ["container", "linear", "activation", "dropout", "loss", "loss_margin", "flatten",
             "conv", "pooling", "pooling3d", "normalization", "padding", "upsampling", "fold",
             "embedding", "rnn", "attention", "transformer", "distance", "pixelshuffle", "lazy",
             "linear_cross_entropy", "fractional_pooling"]

for _name in _FAMILIES:
    try:
        _mod = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:  # a family not written yet
        if _exc.name != f"{__name__}.{_name}":
            raise
        continue
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)

from . import functional, init, parallel, utils  # noqa: E402,F401
from . import modules  # noqa: E402,F401  (torch.nn.modules.rnn.LSTM and the like)
from .parallel import DataParallel, SyncBatchNorm  # noqa: E402,F401
