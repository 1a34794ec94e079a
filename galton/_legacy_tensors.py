"""The legacy typed tensor classes: ``FloatTensor([1, 2])``, ``LongTensor(3, 4)``,
``isinstance(x, galton.FloatTensor)``, ``Tensor = torch.cuda.FloatTensor if cuda else
torch.FloatTensor``.

As in PyTorch they are not subclasses of Tensor: calling one makes an ordinary Tensor of its
dtype (and device), and ``isinstance`` asks whether a tensor has that dtype and device.
"""
import numpy as np

from . import backend, dtypes
from .tensor import Size, Tensor, make_result

_TORCH_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                     "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                     "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
                     "bfloat16": "BFloat16Tensor"}


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj):
        return (isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np
                and (type(obj._data) is not np.ndarray) == cls.is_cuda)

    def __call__(cls, *args, device=None, size=None, **kwargs):
        if kwargs:
            got = ", ".join(f"{k}={type(v).__name__}" for k, v in kwargs.items())
            raise TypeError(f"new() received an invalid combination of arguments - got ({got}), "
                            "but expected one of: (*, device), (tuple of ints size, *, device), "
                            "(object data, *, device), (Tensor other)")
        if cls.is_cuda:
            from . import cuda
            if not cuda.is_available():
                raise TypeError(f"type {cls.__module__}.{cls.__name__} not available. Torch not "
                                "compiled with CUDA enabled.")
        dev = backend.device("cuda" if cls.is_cuda else "cpu") if device is None else device
        if size is not None:
            args = tuple(size)
        if len(args) == 1 and isinstance(args[0], Size):
            args = tuple(args[0])
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            # a shape (none given: an empty tensor); PyTorch leaves the memory uninitialised
            arr = np.zeros(tuple(int(a) for a in args) if args else (0,), cls.dtype.np)
            return Tensor._wrap(backend.to_device(arr, backend.device(dev)))
        if len(args) > 1:
            raise TypeError(f"new() received an invalid combination of arguments - got "
                            f"({', '.join(type(a).__name__ for a in args)})")
        src = args[0]
        if isinstance(src, Tensor):
            if src._data.dtype != cls.dtype.np:
                raise TypeError(f"expected {cls.dtype} (got {src.dtype})")
            # the same storage; with a graph, an alias node as PyTorch records
            return make_result(src._data, (src,), lambda g, xp=np: (g,), "AliasBackward0")
        if isinstance(src, (float, bool, complex)):
            raise TypeError(f"new(): data must be a sequence (got {type(src).__name__})")
        from .creation import tensor
        return tensor(src, dtype=cls.dtype, device=dev)


def _typed(dt, cuda=False):
    name = _TORCH_TYPE_NAMES[dt.name]
    where = "a CUDA" if cuda else "a"
    doc = (f"``{name}(data)``, ``{name}(*size)``: {where} {dt.name} tensor (PyTorch's legacy "
           f"API); ``isinstance(x, {name})`` checks dtype and device.")
    return _TypedTensorMeta(name, (), {"dtype": dt, "is_cuda": cuda, "__doc__": doc,
                                       "__module__": "galton.cuda" if cuda else "galton"})


_DTYPES = [dtypes.float32, dtypes.float64, dtypes.float16, dtypes.int64, dtypes.int32,
           dtypes.int16, dtypes.int8, dtypes.uint8, dtypes.bool_]


class _Typed(dict):
    """The typed classes by name; BFloat16Tensor is made on first use (it needs ml_dtypes,
    which ``import galton`` does not import)."""

    def __init__(self, cuda):
        super().__init__({_TORCH_TYPE_NAMES[d.name]: _typed(d, cuda) for d in _DTYPES})
        self.cuda = cuda

    def __missing__(self, name):
        bf16 = dtypes._load_bfloat16() if name == "BFloat16Tensor" else None
        if bf16 is None:
            raise KeyError(name)
        self[name] = cls = _typed(bf16, self.cuda)
        return cls


CPU = _Typed(cuda=False)
CUDA = _Typed(cuda=True)
