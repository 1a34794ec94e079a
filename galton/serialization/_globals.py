"""The classes and functions a checkpoint may name, as ``torch.serialization``'s allow-list.

A whole saved module names its class (``model:RNNModel``) and the functions it holds
(``galton.nn.functional:relu``). Loading finds them here, never by importing what the file
says: galton's own names are allowed; anything else must have been allowed by the program,
with ``add_safe_globals([RNNModel])`` or ``with safe_globals([RNNModel]):`` -- PyTorch's
contract for ``torch.load(weights_only=True)``, its default since 2.6.
"""
import importlib

from ._format import CheckpointError

__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "global_name", "resolve"]

_SAFE = {}  # "module:qualname" -> the object the program allowed


def global_name(obj):
    """``module:qualname`` of a class or function, or None when it has no importable name
    (a lambda, a function defined inside another)."""
    module, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qual or "<" in qual:
        return None
    return f"{module}:{qual}"


def add_safe_globals(safe_globals):
    """Allow ``torch.load`` to rebuild these classes and refer to these functions. Entries
    are objects or ``(object, "module.qualname")`` pairs, as in PyTorch."""
    for g in safe_globals:
        obj, name = (g[0], g[1].rpartition(".")[0] + ":" + g[1].rpartition(".")[2]) \
            if isinstance(g, tuple) else (g, global_name(g))
        if name is None:
            raise TypeError(f"add_safe_globals: {g!r} has no importable name")
        _SAFE[name] = obj


def get_safe_globals():
    """The objects allowed so far."""
    return list(_SAFE.values())


def clear_safe_globals():
    """Forget every allowed object (galton's own stay allowed)."""
    _SAFE.clear()


class safe_globals:
    """``with safe_globals([RNNModel]): model = torch.load(f)``: allowed inside the block."""

    def __init__(self, safe_globals):
        self.globals = list(safe_globals)
        self._saved = None

    def __enter__(self):
        self._saved = dict(_SAFE)
        add_safe_globals(self.globals)
        return self

    def __exit__(self, *exc):
        _SAFE.clear()
        _SAFE.update(self._saved)
        return False


def resolve(name, file):
    """The object a checkpoint names: an allowed one, or one of galton's own."""
    if name in _SAFE:
        return _SAFE[name]
    module, _, qual = name.partition(":")
    if module.split(".")[0] == "galton" and qual:
        try:
            obj = importlib.import_module(module)
            for part in qual.split("."):
                obj = getattr(obj, part)
            return obj
        except (ImportError, AttributeError):
            raise CheckpointError(f"galton.load: {file} names {name}, which this galton does "
                                  f"not have") from None
    short = qual.rpartition(".")[2] or name
    raise CheckpointError(
        f"galton.load: {file} needs {module}.{qual}, which is not allowed by default. If you "
        f"trust where the file came from, allow it: torch.serialization.add_safe_globals("
        f"[{short}]) or `with torch.serialization.safe_globals([{short}]):` (galton then "
        f"rebuilds the object from its saved attributes; no code from the file runs)")
