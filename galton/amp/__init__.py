"""Mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``.

>>> scaler = galton.amp.GradScaler("cpu")
>>> with galton.autocast("cpu", dtype=galton.float16):
...     loss = loss_fn(model(x), y)
>>> scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
"""
from .autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_enabled", "get_autocast_dtype"]
