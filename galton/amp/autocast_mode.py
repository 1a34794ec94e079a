"""Automatic mixed precision: ``autocast`` and the small global state the ops consult.

Inside ``with galton.autocast("cpu", dtype=galton.bfloat16):`` the ops that PyTorch's CPU
autocast runs in low precision (``linear``, ``matmul``/``mm``/``bmm``, the convolutions) cast
their floating inputs to that dtype and return that dtype; the losses (PyTorch's "fp32"
list) cast low-precision inputs up and compute in float32; every other op runs in the dtype
of its inputs, as in torch (``softmax`` of a bfloat16 tensor stays bfloat16).

The ops look at ``state.enabled`` (one attribute read when autocast is off) and hand
themselves to ``run_low`` / ``run_fp32``::

    if _autocast.state.enabled:
        return _autocast.run_low(linear, x, weight, bias)

The casts are differentiable: gradients reach float32 parameters as float32.
"""
import functools
import warnings

import numpy as np

from .. import dtypes
from ..tensor import Tensor, make_result

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled",
           "set_autocast_dtype", "run_low", "run_fp32", "bfloat16"]


def _bfloat16():
    """galton's bfloat16 dtype (None when ml_dtypes is not installed), loaded on first use so
    that importing galton does not import ml_dtypes."""
    return dtypes._load_bfloat16()


def __getattr__(name):  # autocast_mode.bfloat16, as before, without an import-time ml_dtypes
    if name == "bfloat16":
        return _bfloat16()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _State:
    """Whether autocast is on, and its dtype (galton dtype and NumPy dtype)."""

    __slots__ = ("enabled", "_dtype")

    def __init__(self):
        self.enabled = False
        self._dtype = None  # None: the default, bfloat16 (float16 without ml_dtypes), on first use

    @property
    def dtype(self):
        if self._dtype is None:
            bf16 = _bfloat16()
            self._dtype = bf16 if bf16 is not None else dtypes.float16
        return self._dtype

    @dtype.setter
    def dtype(self, d):
        self._dtype = d

    @property
    def np(self):
        return self.dtype.np


state = _State()
_SUPPORTED = ("bfloat16", "float16")


def is_autocast_enabled(device_type="cpu"):
    """Whether autocast is on (galton has one autocast state, shared by its devices)."""
    return state.enabled


def get_autocast_dtype(device_type="cpu"):
    """The dtype autocast casts to (default ``bfloat16`` as PyTorch on the CPU)."""
    return state.dtype


def set_autocast_enabled(device_type, enabled=None):
    """``torch.set_autocast_enabled``; prefer the ``autocast`` context manager."""
    if enabled is None:  # the old one-argument form
        device_type, enabled = "cpu", device_type
    state.enabled = bool(enabled)


def set_autocast_dtype(device_type, dtype):
    state.dtype = dtype


def _is_float(arr):
    return arr.dtype.kind == "f" or arr.dtype.name == "bfloat16"


def _cast(t, target):
    """A differentiable dtype cast that also lets gradients through to bfloat16 (which the
    generic cast does not see as floating point)."""
    src = t._data.dtype
    return make_result(t._data.astype(target), (t,), lambda g, xp=np: (xp.astype(g, src),),
                       "ToCopyBackward0")


def _run(fn, args, kwargs, target, eligible):
    state.enabled = False  # the op itself, and what it calls, run plainly
    try:
        args = [_cast(a, target) if isinstance(a, Tensor) and eligible(a._data)
                and a._data.dtype != target else a for a in args]
        out = fn(*args, **kwargs)
    finally:
        state.enabled = True
    return out


def run_low(fn, *args, **kwargs):
    """Run ``fn`` with its float32/float16/bfloat16 tensor arguments in the autocast dtype,
    and return a result in that dtype. float64 is left alone, as in torch."""
    target = state.np
    out = _run(fn, args, kwargs, target,
               lambda a: _is_float(a) and a.dtype != np.float64)
    if target.name == "bfloat16" and isinstance(out, Tensor) and out._data.dtype == np.float32:
        # ml_dtypes' bfloat16 products come out in float32: round the result to bfloat16,
        # as a bf16 GEMM (float32 accumulation) does
        state.enabled = False
        try:
            out = _cast(out, target)
        finally:
            state.enabled = True
    return out


def run_fp32(fn, *args, **kwargs):
    """Run ``fn`` (a loss) with its float16/bfloat16 tensor arguments cast to float32."""
    return _run(fn, args, kwargs, np.dtype(np.float32),
                lambda a: _is_float(a) and a.dtype.itemsize == 2)


class autocast:
    """Mixed precision for a block or a function, as ``torch.autocast``.

    >>> with galton.autocast(device_type="cpu", dtype=galton.bfloat16):
    ...     logits = model(x)                  # Linear/Conv layers compute in bfloat16
    ...     loss = F.cross_entropy(logits, y)  # losses compute in float32
    >>> loss.backward()                        # outside the block, as in torch

    ``dtype`` defaults to bfloat16 on the CPU, float16 on CUDA. bfloat16 needs the
    ``ml_dtypes`` package; float16 works with NumPy alone. On a CPU, NumPy has no fast
    half-precision kernels: autocast shows what mixed precision does to the numbers, it does
    not make galton faster.
    """

    def __init__(self, device_type="cpu", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype if dtype is not None else (
            dtypes.float16 if device_type == "cuda" or _bfloat16() is None else _bfloat16())
        self._enabled = bool(enabled)
        if device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        if self._enabled and getattr(self.fast_dtype, "name", None) not in _SUPPORTED:
            warnings.warn(f"In {device_type.upper()} autocast, but the target dtype is not "
                          f"supported ({self.fast_dtype}). Disabling autocast.\n"
                          f"{device_type.upper()} Autocast only supports dtypes of "
                          "galton.bfloat16 and galton.float16 currently.", stacklevel=2)
            self._enabled = False
        if device_type == "cuda" and self._enabled:
            from .. import backend
            if not backend.cuda_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                              "Disabling", stacklevel=2)
                self._enabled = False
        self._saved = []

    def __enter__(self):
        self._saved.append((state.enabled, state._dtype))  # _dtype: no ml_dtypes import
        state.enabled = self._enabled
        if self._enabled:
            state.dtype = self.fast_dtype
        return self

    def __exit__(self, exc_type, exc, tb):
        state.enabled, state._dtype = self._saved.pop()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return func(*args, **kwargs)
        return wrapper
