"""Compiled kernels: the loops of ``_loops.py`` as machine code, when Numba is installed.

Numba is optional (``pip install 'galton[fast]'``). Without it, or with
``galton.set_compiled_kernels(False)`` / the environment variable ``GALTON_NUMBA=0``, every
op runs its NumPy code and gives the same numbers. Nothing is compiled or loaded until a kernel
is first needed, so ``import galton`` stays light and tiny models (XOR) never pay for it.

How they are compiled: ahead of time, once per machine (``_aot.py``). The first run builds one
extension module holding every loop (these and ``galton.compile``'s) with Numba's AOT compiler
in a child process -- about 10 s, announced by one line on stderr -- into
``$GALTON_CACHE_DIR`` (default ``~/.cache/galton``); every later run loads that module and
never imports Numba or llvmlite. With ``numba.njit(cache=True)`` each process paid 117 MB of
resident memory for LLVM and half a second of CPU to import it; peak memory of the benchmark
children went 274 -> 158 MB (seed-000 epoch), 252 -> 137 (LeNet-5), 277 -> 161 (ResNet-18),
814 -> 700 (AlexNet). When the module cannot be built (no C compiler, a read-only cache) one
RuntimeWarning says so and the loops are compiled by ``numba.njit`` as before; a call the
module does not cover (another dtype, a strided array) goes to ``numba.njit`` too.

Why a compiler at all: on the seed-000 training step the GEMMs run at PyTorch's speed, and
what is left is memory passes that NumPy cannot do in one sweep (benchmarks/PROFILE.md has
the measurements: ReLU's backward 0.45 -> 0.21 ms, the 2x2 pool 1.4 -> 0.6 ms, col2im
2.2 -> 0.6 ms per call at that step's shapes).

>>> from galton.ops import _kernels
>>> k = _kernels.get(arr)      # the compiled namespace, or None: use NumPy
"""
import importlib.util
import os
import sys
import warnings

import numpy as np

from . import _loops

__all__ = ["get", "set_enabled", "enabled", "available"]

MIN_SIZE = 1 << 14  # below this many elements a NumPy call is as fast as a kernel call
NAMES = ("relu_forward", "relu_backward", "max_pool_2x2_forward", "planes_to_nchw_bias",
         "max_pool_2x2_backward", "im2col_unit", "col2im_unit", "im2col", "col2im", "adam_step")

_enabled = os.environ.get("GALTON_NUMBA", "1") not in ("0", "false", "no", "off")
_compiled = None    # a namespace of compiled loops once built; False when Numba is missing
_jit = None         # the loops through numba.njit once built; False when that failed
_F4, _F8 = np.dtype(np.float32), np.dtype(np.float64)
# cache: compiled machine code is kept on disk, so a new process loads it in ms; no fastmath:
# IEEE order and NaN rules must match the NumPy code exactly; NumPy's error model: Python's
# checks every division for a zero divisor (to raise ZeroDivisionError), a branch that keeps
# LLVM from vectorising the loop (adam_step: 0.69 -> 0.17 ms for 313,600 float32 parameters),
# where NumPy's gives inf/nan as the NumPy code does
JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}


class _Namespace:
    pass


def _build():
    global _compiled
    if "numba" not in sys.modules and importlib.util.find_spec("numba") is None:
        # (find_spec looks for it without importing it)
        _compiled = False
        return
    from . import _aot  # (its imports are for the first kernel call, not ``import galton``)
    mod = _aot.load()
    if mod is not None:
        _compiled = _aot.namespace(mod, NAMES, jit_loops)
        return
    _compiled = jit_loops() or False


def jit_loops():
    """The loops compiled by ``numba.njit`` (imports Numba), or False when it cannot compile
    them (said once by a RuntimeWarning). Used when the ahead-of-time module cannot be had,
    and for the calls it does not cover."""
    global _jit
    if _jit is not None:
        return _jit
    _jit = False
    try:
        import numba
    except ImportError:
        return _jit
    ns = _Namespace()
    for name in NAMES:
        setattr(ns, name, numba.njit(**JIT_OPTIONS)(getattr(_loops, name)))
    try:  # a Numba that imports but cannot compile (a mismatched NumPy, no writable cache...)
        probe = np.zeros(4, np.float32)
        ns.relu_forward(probe, probe)
    except Exception as exc:  # noqa: BLE001  (any failure means: stay on NumPy)
        warnings.warn(f"galton: Numba is installed but could not compile galton's kernels "
                      f"({type(exc).__name__}: {exc}); using the NumPy code instead",
                      RuntimeWarning, stacklevel=3)
        return _jit
    _jit = ns
    return _jit


def available():
    """Whether the compiled kernels can be had (Numba is installed and they compiled)."""
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
    if type(a) is not np.ndarray or a.size < MIN_SIZE or (a.dtype != _F4 and a.dtype != _F8):
        return None  # (a non-native byte order is another dtype: NumPy too)
    for b in arrays[1:]:
        if type(b) is not np.ndarray:
            return None
    if _compiled is None:
        _build()
    return _compiled or None
