"""Utilities, as ``torch.utils``: ``galton.utils.data`` (datasets and the DataLoader)."""
from . import data  # noqa: F401  (galton.utils.data works right after `import galton`)
