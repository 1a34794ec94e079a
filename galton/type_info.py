"""``galton.finfo`` and ``galton.iinfo``: the limits of a floating-point or integer dtype, with
PyTorch's attribute names and values (Python floats and ints, read from NumPy's finfo/iinfo).

>>> galton.finfo(galton.float32).eps
1.1920928955078125e-07
>>> galton.iinfo(galton.uint8).max
255
"""
import numpy as np

from . import dtypes

__all__ = ["finfo", "iinfo"]


def _dtype(type, name):  # noqa: A002 - PyTorch's parameter name
    if not isinstance(type, dtypes.dtype):
        raise TypeError(f"{name}(): argument 'type' (position 1) must be torch.dtype, not "
                        f"{_type_name(type)}")
    return type


def _type_name(obj):
    return type(obj).__name__


class finfo:
    """Machine limits of a floating-point dtype (the default dtype when none is given):
    ``bits``, ``eps`` (1.0's distance to the next float), ``max``, ``min`` (= -max),
    ``tiny`` = ``smallest_normal`` (the smallest positive normal number), ``resolution``
    (10 ** -decimal digits) and ``dtype`` (its name)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):  # noqa: A002
        d = dtypes.get_default_dtype() if type is None else _dtype(type, "finfo")
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = _float_info(d)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # PyTorch: 10 ** -digits10, computed in double
        self.resolution = float(10.0 ** -int(info.precision))
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``max``, ``min`` and ``dtype`` (its
    name)."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type):  # noqa: A002
        d = _dtype(type, "iinfo")
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        if d.np.kind == "b":
            raise TypeError(f"{d!r} is not supported by torch.iinfo")
        info = np.iinfo(d.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))


def _float_info(d):
    if d.name == "bfloat16":  # NumPy's finfo does not know ml_dtypes' type; ml_dtypes' does
        import ml_dtypes
        return ml_dtypes.finfo(d.np)
    return np.finfo(d.np)
