"""Utilities, as ``torch.utils``: ``galton.utils.data`` (datasets and the DataLoader) and
``galton.utils.checkpoint`` (activation checkpointing)."""
from . import checkpoint, data  # noqa: F401  (galton.utils.data works right after `import galton`)
