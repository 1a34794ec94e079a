"""Padding layers, as in ``torch.nn``: zero, constant, reflection, replication and circular
padding of the last 1, 2 or 3 dims. ``padding`` is an int (every side) or a tuple
(left, right[, top, bottom[, front, back]]), as PyTorch."""
from .functional.padding import pad
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d", "ZeroPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d",
           "CircularPad3d"]


def _padding(padding, n):
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * n:
            raise ValueError(f"padding must be an int or a {2 * n}-tuple, got {tuple(padding)}")
        return tuple(int(p) for p in padding)
    return (int(padding),) * (2 * n)


class _PadNd(Module):
    _mode = "constant"
    _n = 2

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._n)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` int or (left, right)."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``padding`` int or (left, right, top, bottom)."""

    _n = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros.

    >>> nn.ZeroPad2d(1)(galton.ones(1, 1, 2, 2)).shape
    galton.Size([1, 1, 4, 4])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its mirror image (the edge not repeated)."""

    _mode, _n = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with their mirror image (the edge not repeated)."""

    _mode, _n = "reflect", 2


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values."""

    _mode, _n = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating their edge values."""

    _mode, _n = "replicate", 2


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around."""

    _mode, _n = "circular", 1


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""

    _mode, _n = "circular", 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``: ``padding`` int or
    (left, right, top, bottom, front, back)."""

    _n = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad3d(_PadNd):
    """Pad the last three dims with their mirror image (the edge not repeated)."""

    _mode, _n = "reflect", 3


class ReplicationPad3d(_PadNd):
    """Pad the last three dims by repeating their edge values."""

    _mode, _n = "replicate", 3


class CircularPad3d(_PadNd):
    """Pad the last three dims by wrapping around."""

    _mode, _n = "circular", 3
