"""TensorBoard logging, as ``torch.utils.tensorboard``: ``SummaryWriter``.

The event files are written by galton itself (``_events.py``), so neither tensorflow nor
tensorboard is needed to write them; install ``tensorboard`` only to look at them
(``tensorboard --logdir runs``).
"""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
