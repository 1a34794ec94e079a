"""galton: a deep-learning framework on NumPy with PyTorch's public API.

``import galton as torch`` and the programs of a PyTorch course run unchanged.
"""
import importlib as _importlib
import sys as _sys
import types as _types

from . import _malloc
_malloc.tune()  # reuse freed activation memory instead of faulting in fresh pages each step

from . import backend as _backend
from .dtypes import (bool_ as bool, double, dtype, float, float16, float32, float64,  # noqa: A001
                     get_default_dtype, half, int, int8, int16, int32, int64, long,  # noqa: A001
                     promote_types, set_default_dtype, short, uint8)
from .tensor import Size, Tensor
from . import memory_formats as _formats, type_info as _type_info
memory_format, contiguous_format, channels_last, channels_last_3d, preserve_format = (
    _formats.memory_format, _formats.contiguous_format, _formats.channels_last,
    _formats.channels_last_3d, _formats.preserve_format)
finfo, iinfo = _type_info.finfo, _type_info.iinfo
from . import _tensor_methods  # noqa: F401  (binds the ops onto Tensor)
from .autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .backend import device
from .amp.autocast_mode import autocast
from .summary import summary
from .threads import get_num_threads, set_num_threads  # the function shadows its module's name, as intended
from .ops._kernels import enabled as compiled_kernels, set_enabled as set_compiled_kernels
from . import dtypes as _dtypes
from .creation import *  # noqa: F401,F403
from .creation import (arange, as_tensor, empty, eye, from_numpy, full, ones, rand, randint,
                       randn, randperm, tensor, zeros)
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, \
    set_rng_state
from . import ops as _ops

from .version import __version__  # noqa: E402
from ._format import get_printoptions, set_printoptions  # noqa: E402,F401
from .compiler import compile  # noqa: E402,F401,A001
from ._defaults import get_default_device, set_default_device  # noqa: E402,F401
import math as _math  # noqa: E402

inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e  # torch.inf, torch.pi, ...
newaxis = None
from .backends import (are_deterministic_algorithms_enabled,  # noqa: E402,F401
                       get_float32_matmul_precision, set_float32_matmul_precision,
                       use_deterministic_algorithms)

# every op is also a function of the package: galton.exp(x), galton.cat([a, b]), ...
_NOT_TOP_LEVEL = {"conversion", "inplace", "inplace_variants"}
for _mod in _ops.loaded_modules():
    if _mod.__name__.rsplit(".", 1)[1] in _NOT_TOP_LEVEL:
        continue
    for _n, _f in vars(_mod).items():
        if (not _n.startswith("_") and isinstance(_f, _types.FunctionType)
                and _f.__module__ == _mod.__name__ and _n not in globals()):
            globals()[_n] = _f
from .ops.inplace import masked_fill_ as _mf  # noqa: E402,F401
from .ops import inplace_variants as _iv  # noqa: E402
globals().update({_n: getattr(_iv, _n) for _n in _iv.TOP_LEVEL})
from .linalg import _top_level as _linalg_top  # noqa: E402
globals().update({_n: getattr(_linalg_top, _n) for _n in _linalg_top.TOP_LEVEL})
from .creation_more import *  # noqa: E402,F401,F403  (windows, range, asarray, isin, ...)
from ._flags import *  # noqa: E402,F401,F403
from . import _aliases  # noqa: E402
_aliases.install(globals(), Tensor)  # torch.divide, torch.absolute, torch.sqrt_, ...
from . import _signatures  # noqa: E402
_signatures.install(globals(), Tensor)  # input=/other=/out=/axis=/keepdims= as PyTorch takes them


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _assert(condition, message):
    """Python's ``assert`` as a function, which symbolic tracing (``torch.fx``) can record."""
    if not condition:
        raise AssertionError(message)


def numel(input):  # noqa: A002 - PyTorch's parameter name
    return input.numel()


def is_floating_point(input):  # noqa: A002
    return input.is_floating_point()


_SUBMODULES = ("nn", "optim", "utils", "vision", "train", "metrics", "plot", "jit", "onnx",
               "amp", "text", "hub", "serialization", "metadata", "playground",
               "regularization", "cuda", "backends", "accelerator", "version", "testing",
               "autograd", "func", "linalg", "distributions", "compiler", "explain", "profiler",
               "fx", "multiprocessing")


def __getattr__(name):
    # submodules load on first use, so `import galton` stays fast and galton.utils.data
    # works right after `import galton`, as torch.utils.data does
    if name in _SUBMODULES:
        try:
            return _importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                raise AttributeError(f"module 'galton' has no attribute '{name}'", name=name,
                                     obj=_sys.modules[__name__]) from None
            raise
    if name in ("bfloat16", "BFloat16Tensor"):  # need ml_dtypes: imported on first use
        from . import creation
        try:
            return getattr(creation if name == "BFloat16Tensor" else _dtypes, name)
        except AttributeError:
            pass
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    # name= and obj= as Python's own lookups set them (galton run reads them)
    raise AttributeError(f"module 'galton' has no attribute '{name}'", name=name,
                         obj=_sys.modules[__name__])
