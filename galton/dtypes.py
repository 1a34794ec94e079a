"""galton's dtypes, named as PyTorch names them and backed by NumPy dtypes."""
import builtins

import numpy as np


class dtype:
    """A tensor element type, e.g. ``galton.float32``; ``.np`` is the NumPy dtype behind it."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize")

    def __init__(self, name, np_dtype):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return f"galton.{self.name}"

    def __reduce__(self):  # dtypes are singletons
        return (from_numpy_dtype, (self.np.str,))


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)
float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

_BY_NP = {d.np: d for d in (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)}



def _load_bfloat16():
    """galton.bfloat16, made on first use (None without ml_dtypes). NumPy stores bfloat16
    only through the optional ml_dtypes package, whose import costs about half a second, so
    ``import galton`` does not load it: ``galton.bfloat16`` does (module ``__getattr__``)."""
    d = globals().get("bfloat16")
    if d is not None:
        return d
    try:
        import ml_dtypes
    except ImportError:
        return None
    d = dtype("bfloat16", ml_dtypes.bfloat16)
    d.is_floating_point = True  # NumPy reports ml_dtypes' kind as 'V'
    d.is_signed = True
    _BY_NP[d.np] = d
    globals()["bfloat16"] = d  # later lookups find it without __getattr__
    return d


def bfloat16_loaded():
    """Whether galton.bfloat16 exists already (checked without importing ml_dtypes)."""
    return "bfloat16" in globals()


def __getattr__(name):
    if name == "bfloat16":
        d = _load_bfloat16()
        if d is not None:
            return d
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_default_float = float32


def from_numpy_dtype(np_dtype):
    """The galton dtype of a NumPy dtype; unsupported ones raise a TypeError."""
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except KeyError:
        # an ml_dtypes bfloat16 array before galton.bfloat16 was first asked for
        if np.dtype(np_dtype).name == "bfloat16" and _load_bfloat16() is not None:
            return _BY_NP[np.dtype(np_dtype)]
        raise TypeError(f"galton has no dtype for NumPy dtype {np.dtype(np_dtype)}") from None


def to_numpy_dtype(d):
    """Accepts a galton dtype, a NumPy dtype, a Python type or a name."""
    if isinstance(d, dtype):
        return d.np
    if d is None:
        return None
    if isinstance(d, str) and d == "bfloat16" and _load_bfloat16() is not None:
        return _load_bfloat16().np  # NumPy knows the name only once ml_dtypes is imported
    if d is builtins.float:
        return _default_float.np
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    return np.dtype(d)


def set_default_dtype(d):
    """Set the dtype of new floating-point tensors (float32 or float64), as in PyTorch."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def get_default_dtype():
    return _default_float


def default_float_np():
    return _default_float.np


def promote_types(a, b):
    """PyTorch's promotion of two dtypes: floats win over integers, integers over bool."""
    if a is b:
        return a
    ka, kb = _category(a), _category(b)
    if ka != kb:
        return a if ka > kb else b
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def _category(d):
    return 2 if d.is_floating_point else (0 if d is bool_ else 1)
