"""A version string that also compares with tuples and strings, as ``torch.__version__`` does:
``galton.__version__ >= (0, 1)`` and ``galton.__version__ >= "0.1"``."""
import re


def _key(v):
    if isinstance(v, (tuple, list)):
        return tuple(int(p) for p in v)
    nums = re.match(r"[0-9]+(\.[0-9]+)*", str(v))
    return tuple(int(p) for p in nums.group(0).split(".")) if nums else ()


def _padded(a, b):
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


class TorchVersion(str):
    """A ``str`` whose comparisons are by release numbers."""

    def _cmp(self, other, op):
        try:
            a, b = _padded(_key(self), _key(other))
        except (TypeError, ValueError):
            return NotImplemented
        return op(a, b)

    def __lt__(self, other):
        return self._cmp(other, tuple.__lt__)

    def __le__(self, other):
        return self._cmp(other, tuple.__le__)

    def __gt__(self, other):
        return self._cmp(other, tuple.__gt__)

    def __ge__(self, other):
        return self._cmp(other, tuple.__ge__)

    def __eq__(self, other):
        if isinstance(other, (tuple, list)):
            return self._cmp(other, tuple.__eq__)
        return str.__eq__(self, other)

    __hash__ = str.__hash__
