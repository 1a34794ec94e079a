"""galton's array math is silent about floating-point edge cases, as PyTorch is.

PyTorch computes ``log(0) = -inf``, ``1 / 0 = inf``, ``sqrt(-1) = nan`` and overflows to inf
without a word; NumPy warns (``RuntimeWarning: divide by zero encountered in log``), or raises
under ``np.seterr(all="raise")``. galton switches NumPy's floating-point error handling off
for its own calls only, never for the user's NumPy code: NumPy keeps that state in a context
variable, which galton sets on the way into its public entry points (an op called from user
code, ``Module.__call__``, ``backward``, ``Optimizer.step``) and resets on the way out.
Nested entries see the state already set and pay one comparison. docs/design_changes.md has
the reasons and the measured cost.
"""
import functools
import types

import numpy as np

try:  # NumPy >= 2.0 keeps the error state in a context variable; setting it directly costs
    # a third of what entering ``np.errstate`` does
    from numpy._core._ufunc_config import _extobj_contextvar as _state
except ImportError:  # pragma: no cover - a NumPy without it: the public context manager
    _state = None

if _state is not None:
    with np.errstate(all="ignore"):
        _QUIET = _state.get()
    _get, _set, _reset = _state.get, _state.set, _state.reset

    def enter():
        """Switch the warnings off; returns the token for ``leave`` (None when already off).
        For entry points that must not add a frame (it would shift warnings' stacklevel)."""
        return _set(_QUIET) if _get() is not _QUIET else None

    def leave(token):
        if token is not None:
            _reset(token)

    class quiet_block:
        """``with quiet_block():`` runs its body with NumPy's floating-point errors ignored."""
        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _set(_QUIET) if _get() is not _QUIET else None

        def __exit__(self, *exc):
            if self._token is not None:
                _reset(self._token)
            return False

    def quiet(fn):
        """``fn`` with NumPy's floating-point errors ignored while it runs (an op's wrapper)."""
        @functools.wraps(fn)
        def silent(*args, **kwargs):
            if _get() is _QUIET:
                return fn(*args, **kwargs)
            token = _set(_QUIET)
            try:
                return fn(*args, **kwargs)
            finally:
                _reset(token)
        silent.__galton_quiet__ = True
        return silent
else:  # pragma: no cover
    def enter():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def leave(token):
        token.__exit__(None, None, None)

    def quiet_block():
        return np.errstate(all="ignore")

    def quiet(fn):
        @functools.wraps(fn)
        def silent(*args, **kwargs):
            with np.errstate(all="ignore"):
                return fn(*args, **kwargs)
        silent.__galton_quiet__ = True
        return silent


# the op families (galton/ops/<name>.py) that compute on floats; shape, indexing and joining
# ops move data only and stay unwrapped
NUMERIC_OPS = frozenset({"arithmetic", "pointwise", "reduction", "linalg", "inplace",
                         "conversion", "index_ops", "activation", "conv", "pooling",
                         "normalization", "loss", "rnn", "trig", "elementwise", "products",
                         "scans", "views", "inplace_variants", "scatter_reduce", "sampling"})


def quiet_module(module):
    """Wrap the public functions defined in ``module`` with ``quiet``, in place, so that every
    caller (Tensor methods, operators, ``galton.*``, ``F.*``, other ops) gets the silent one."""
    for name, obj in list(vars(module).items()):
        if (not name.startswith("_") and isinstance(obj, types.FunctionType)
                and obj.__module__ == module.__name__ and not hasattr(obj, "__galton_quiet__")):
            setattr(module, name, quiet(obj))


def quiet_function(fn):
    """``quiet(fn)`` unless ``fn`` is silent already."""
    return fn if getattr(fn, "__galton_quiet__", False) else quiet(fn)
