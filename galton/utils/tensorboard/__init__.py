"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter``.

With the ``tensorboard`` package installed (``pip install 'galton[tensorboard]'``) the event
files are written through its own ``EventFileWriter`` and protobuf messages; without it galton
falls back to its hand-written encoder (``_fallback.py``, ``_events.py``), so logs can be
written even where tensorboard cannot be installed. Neither path needs tensorflow; look at
the logs with ``tensorboard --logdir runs``.
"""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
