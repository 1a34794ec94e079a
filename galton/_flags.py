"""The process-wide switches of ``torch`` that galton has a true answer for: the deterministic
debug mode (over ``use_deterministic_algorithms``), the inter-op thread count, denormal
flushing and the legacy default tensor type."""
import os
import warnings

from . import backends, dtypes

__all__ = ["get_deterministic_debug_mode", "set_deterministic_debug_mode",
           "is_deterministic_algorithms_warn_only_enabled", "get_num_interop_threads",
           "set_num_interop_threads", "init_num_threads", "set_flush_denormal",
           "set_default_tensor_type"]

_MODES = {"default": 0, "warn": 1, "error": 2}
_interop = [os.cpu_count() or 1]


def get_deterministic_debug_mode():
    """0 (off), 1 (warn) or 2 (error), as ``use_deterministic_algorithms`` last set it."""
    if not backends.are_deterministic_algorithms_enabled():
        return 0
    return 1 if backends.is_deterministic_algorithms_warn_only_enabled() else 2


def set_deterministic_debug_mode(debug_mode):
    """``use_deterministic_algorithms`` by number or name: 0/'default', 1/'warn', 2/'error'."""
    if isinstance(debug_mode, str):
        if debug_mode not in _MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    backends.use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def is_deterministic_algorithms_warn_only_enabled():
    """Whether ``use_deterministic_algorithms(True, warn_only=True)`` is in force."""
    return backends.is_deterministic_algorithms_warn_only_enabled()


def get_num_interop_threads():
    """The inter-op thread count (galton runs ops one after another: it is recorded only)."""
    return _interop[0]


def set_num_interop_threads(num):
    """Record the inter-op thread count (a positive int), as ``torch.set_num_interop_threads``."""
    if not isinstance(num, int) or isinstance(num, bool) or num < 1:
        raise RuntimeError("Number of inter-op threads must be positive")
    _interop[0] = num


def init_num_threads():
    """Nothing to initialise: NumPy's BLAS pool starts with the process."""


def set_flush_denormal(mode):
    """Flushing denormals needs CPU flags NumPy does not expose: returns False (unsupported),
    as PyTorch does on a CPU without them."""
    return False


def set_default_tensor_type(t):
    """The deprecated way to set the default dtype: a legacy type or its name
    ('torch.DoubleTensor'); only the float types are accepted."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    name = t if isinstance(t, str) else f"torch.{t.__name__}"
    kinds = {"FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64,
             "HalfTensor": dtypes.float16}
    short = name.rsplit(".", 1)[-1]
    if short not in kinds:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.set_default_dtype(kinds[short])
