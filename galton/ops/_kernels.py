"""Compiled kernels: the loops of ``_loops.py`` through Numba, when Numba is installed.

Numba is optional (``pip install 'galton[fast]'``). Without it, or with
``galton.set_compiled_kernels(False)`` / the environment variable ``GALTON_NUMBA=0``, every
op runs its NumPy code and gives the same numbers. Numba is imported, and each loop compiled,
on first use only (compiled code is cached on disk), so ``import galton`` stays light and
tiny models (XOR) never pay for it.

Why a compiler at all: on the seed-000 training step the GEMMs run at PyTorch's speed, and
what is left is memory passes that NumPy cannot do in one sweep (benchmarks/PROFILE.md has
the measurements: ReLU's backward 0.45 -> 0.21 ms, the 2x2 pool 1.4 -> 0.6 ms, col2im
2.2 -> 0.6 ms per call at that step's shapes).

>>> from galton.ops import _kernels
>>> k = _kernels.get(arr)      # the compiled namespace, or None: use NumPy
"""
import os
import warnings

import numpy as np

from . import _loops

__all__ = ["get", "set_enabled", "enabled", "available"]

MIN_SIZE = 1 << 14  # below this many elements a NumPy call is as fast as a kernel call

_enabled = os.environ.get("GALTON_NUMBA", "1") not in ("0", "false", "no", "off")
_compiled = None    # a namespace of compiled loops once built; False when Numba is missing


class _Namespace:
    pass


def _build():
    global _compiled
    try:
        import numba
    except ImportError:
        _compiled = False
        return
    ns = _Namespace()
    for name in ("relu_forward", "relu_backward", "max_pool_2x2_forward", "planes_to_nchw_bias",
                 "max_pool_2x2_backward", "im2col_unit", "col2im_unit", "im2col", "col2im", "adam_step"):
        # cache: compiled machine code is kept on disk, so a new process loads it in ms;
        # no fastmath: IEEE order and NaN rules must match the NumPy code exactly
        setattr(ns, name, numba.njit(cache=True, nogil=True)(getattr(_loops, name)))
    try:  # a Numba that imports but cannot compile (a mismatched NumPy, no writable cache...)
        probe = np.zeros(4, np.float32)
        ns.relu_forward(probe, probe)
    except Exception as exc:  # noqa: BLE001  (any failure means: stay on NumPy)
        warnings.warn(f"galton: Numba is installed but could not compile galton's kernels "
                      f"({type(exc).__name__}: {exc}); using the NumPy code instead",
                      RuntimeWarning, stacklevel=3)
        _compiled = False
        return
    _compiled = ns


def available():
    """Whether Numba is installed (the kernels can be compiled)."""
    if _compiled is None:
        _build()
    return _compiled is not False


def enabled():
    """Whether ops use the compiled kernels (Numba installed and not switched off)."""
    return _enabled and available()


def set_enabled(flag):
    """Use the compiled kernels (True, the default when Numba is installed) or NumPy only."""
    global _enabled
    _enabled = bool(flag)


def get(*arrays):
    """The compiled kernels when they are on and every array is a float32/float64 NumPy array
    large enough to gain from them; else None (the caller runs its NumPy code)."""
    if not _enabled:
        return None
    a = arrays[0]
    if (type(a) is not np.ndarray or a.size < MIN_SIZE or a.dtype.kind != "f" or a.itemsize < 4
            or not a.dtype.isnative):
        return None
    for b in arrays[1:]:
        if type(b) is not np.ndarray:
            return None
    if _compiled is None:
        _build()
    return _compiled or None
