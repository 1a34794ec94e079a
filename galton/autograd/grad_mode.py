"""Switching gradient recording off and on: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools

from . import graph


class _Mode:
    """Base of the grad-mode context managers; each also works as a decorator."""

    _enabled = True

    def __enter__(self):
        self._prev = graph._set_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        graph._set_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Mode):
    """Ops inside record no graph: ``with galton.no_grad(): y = model(x)``."""

    _enabled = False


class enable_grad(_Mode):
    """Turns recording back on inside a ``no_grad`` block."""

    _enabled = True


class inference_mode(_Mode):
    """Like ``no_grad`` (galton has no separate inference tensors); ``inference_mode(False)`` records."""

    def __init__(self, mode=True):
        self._enabled = not mode

    def __call__(self, fn=None):
        if fn is None or isinstance(fn, bool):
            return inference_mode(True if fn is None else fn)
        mode = not self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper


class set_grad_enabled(_Mode):
    """``set_grad_enabled(False)`` as a function call, a context manager or a decorator."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = graph._set_enabled(self._enabled)

    def __enter__(self):
        return self

    def __call__(self, fn):
        graph._set_enabled(self._prev)
        mode = self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_grad_enabled():
    return graph._grad_enabled


def is_inference_mode_enabled():
    return not graph._grad_enabled
