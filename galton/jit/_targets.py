"""Which galton callables a traced graph may name, and how a name finds its callable.

A graph node names its operation as ``"Tensor.view"``, ``"galton.cat"``, ``"F.conv2d"`` or
``"rnn.lstm"`` (a recurrent layer as a function of its weights, see ``_rnn.py``).
The same four tables decide what tracing records (the callables it wraps while it runs)
and what a loaded graph may call: a name outside them is refused, so a graph file from a
stranger can only run galton's own tensor operations, never arbitrary code.
"""
import sys
import types

from .. import ops
from ..tensor import Tensor

# operators a model's forward uses between layers; the reflected forms are kept apart so a
# replay calls exactly what the model called (``2 - x`` is ``x.__rsub__(2)``)
DUNDERS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
           "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__pow__", "__rpow__",
           "__matmul__", "__rmatmul__", "__neg__", "__abs__", "__eq__", "__ne__", "__lt__",
           "__le__", "__gt__", "__ge__", "__and__", "__rand__", "__or__", "__ror__", "__xor__",
           "__invert__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__getitem__",
           "__setitem__")

# Tensor methods that are not op-module functions but still produce graph values
_EXTRA_METHODS = ("detach", "type")

# ops that change their first argument in place: a replay must run them even when their
# result is unused (they may update a buffer), and ONNX sees their out-of-place form
INPLACE_DUNDERS = ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__setitem__")


def is_inplace(op):
    """Whether the graph op ``op`` ("Tensor.add_", "F.relu_", ...) writes into its first input."""
    name = op.partition(".")[2]
    return name in INPLACE_DUNDERS or (name.endswith("_") and not name.endswith("__"))


def tensor_methods():
    """Names of the Tensor methods tracing records."""
    names = set(DUNDERS) | set(_EXTRA_METHODS)
    for mod in ops.loaded_modules():
        for entry in getattr(mod, "TENSOR_METHODS", ()):
            names.add(entry.partition("=")[0])
    return sorted(n for n in names if callable(getattr(Tensor, n, None)))


# creation functions a trace records when their shape comes from the input: a size read from a
# traced tensor (``zeros(2, x.size(0), 4)``, the initial state of an LSTM) or a traced tensor
# itself (``zeros_like(x)``); called with plain ints they stay constants
CREATION = ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like",
            "full_like", "arange")


def galton_functions():
    """Names of the ``galton.<name>`` functions that are ops (galton.cat, galton.flatten, ...)
    and the creation functions of ``CREATION``."""
    import galton
    return sorted(n for n, f in vars(galton).items()
                  if not n.startswith("_") and isinstance(f, types.FunctionType)
                  and (f.__module__.startswith("galton.ops.") or n in CREATION))


def functional():
    """``galton.nn.functional``, imported on first use (tracing a bare tensor function needs no nn)."""
    from ..nn import functional as F
    return F


def functional_names():
    """Names of the ``galton.nn.functional`` functions tracing records."""
    F = functional()
    return sorted(n for n, f in vars(F).items()
                  if not n.startswith("_") and isinstance(f, types.FunctionType))


def functional_family_modules():
    """The family modules of galton.nn.functional (conv, pooling, ...): layers call their
    functions through them, so tracing wraps the functions there too."""
    F = functional()
    prefix = F.__name__ + "."
    return [m for name, m in sorted(sys.modules.items())
            if name.startswith(prefix) and m is not None]


_ALLOWED = None


def allowed():
    """{"Tensor": names, "galton": names, "F": names, "rnn": names}: every op a graph may
    name."""
    global _ALLOWED
    if _ALLOWED is None:
        from . import _rnn
        _ALLOWED = {"Tensor": frozenset(tensor_methods()), "galton": frozenset(galton_functions()),
                    "F": frozenset(functional_names()), "rnn": frozenset(_rnn.NAMES)}
    return _ALLOWED


def check(op):
    """Raise ValueError unless ``op`` is one of the allowed graph ops."""
    space, _, name = op.partition(".")
    if name not in allowed().get(space, ()):
        raise ValueError(f"{op!r} is not an operation a galton graph may call")


def resolve(op):
    """The callable an allowed graph op names, looked up now (so a replay inside a trace is
    itself traced)."""
    space, _, name = op.partition(".")
    if space == "Tensor":
        return getattr(Tensor, name)
    if space == "galton":
        import galton
        return getattr(galton, name)
    if space == "rnn":
        from . import _rnn
        return getattr(_rnn, name)
    return getattr(functional(), name)
