"""Pillow, imported where an image is read or written: an optional dependency."""

__all__ = ["require_pil"]


def require_pil(what="this"):
    """``PIL.Image``, or an ImportError that says how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"galton.vision: {what} needs Pillow for images; install it with "
                          "`pip install pillow` (or `pip install galton[image]`)") from None
    return Image
