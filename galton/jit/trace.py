"""``galton.jit.trace``: run a model once and record the galton ops its forward pass calls.

While a trace runs, a recorder is active and three kinds of callables are wrapped (and put
back afterwards): the Tensor methods and operators, the op functions of the ``galton``
namespace, and the functions of ``galton.nn.functional`` (and of its family modules, through
which the layers call them). A wrapped call at the top level -- not inside another recorded
op -- becomes a graph node; the ops it runs internally are not recorded. Layers whose
``forward`` calls ops that are not reachable that way (``nn.Linear``, the dropout layers,
convolutions with a padding mode) are recorded as one functional node each through forward
hooks, and the recurrent layers (RNN, LSTM, GRU and their cells) as one ``rnn.*`` node each
through their patched ``forward`` (see ``_rnn.py``).

Limits, as in PyTorch's tracer: Python control flow is frozen to the branch the example took,
and a tensor turned into a Python value (``if x.sum() > 0``, ``float(x)``, ``x.item()``,
``x.tolist()``) becomes a constant -- a ``TracerWarning`` says so. Sizes read with
``x.size(d)`` / ``x.shape[d]`` are recorded as sizes (``x.view(x.size(0), -1)`` and
``galton.zeros(2, x.size(0), 16)`` work for any batch); arithmetic on them is frozen. Tracing patches shared classes: do not trace in two
threads at once.
"""
import functools
import inspect
import warnings

import numpy as np

from .. import backend, dtypes
from ..tensor import Size, Tensor, _dim
from . import _targets
from .graph import Graph


class TracerWarning(Warning):
    """A trace that may not generalise to other inputs (PyTorch's ``torch.jit.TracerWarning``)."""


class TracingError(RuntimeError):
    """Something a trace cannot record faithfully."""


class TracedInt(int):
    """An int read from a traced tensor's shape; remembers where it came from."""

    def __new__(cls, value, ref, dim):
        obj = int.__new__(cls, value)
        obj.ref, obj.dim = ref, dim
        return obj


_active = None  # the Recorder of the trace that is running, if any

_CONVERT_MSG = ("Converting a tensor to a Python {what} might cause the trace to be incorrect. "
                "We can't record the data flow of Python values, so this value will be treated "
                "as a constant in the future. This means that the trace might not generalize to "
                "other inputs!")


class Recorder:
    """The state of one trace: which tensor is which graph value, and the nodes so far."""

    def __init__(self, model):
        self.refs = {}      # id(tensor) -> its reference ({"v": n}, {"p": key} or {"c": n})
        self.keep = []      # every tensor seen, so that no id is reused during the trace
        self.tensors = {}   # value index -> the tensor it had while tracing
        self.dynamic = set()  # value indices that depend on the inputs
        self.values = []    # per value index: [shape, dtype name]
        self.nodes = []
        self.consts = []
        self.params = {}    # state-dict key -> tensor
        self.depth = 0
        self.scope = [""]
        self.non_persistent = set()
        if model is not None:
            for key, p in model.named_parameters():
                self._param(key, p)
            persistent = set(model.state_dict())
            for key, b in model.named_buffers():
                if b is not None:
                    self._param(key, b)
                    if key not in persistent:
                        self.non_persistent.add(key)

    def _param(self, key, t):
        self.refs[id(t)] = {"p": key}
        self.params[key] = t
        self.keep.append(t)

    def new_value(self, t, dynamic):
        n = len(self.values)
        self.values.append([list(t._data.shape), t.dtype.name])
        self.refs[id(t)] = {"v": n}
        self.tensors[n] = t
        self.keep.append(t)
        if dynamic:
            self.dynamic.add(n)
        return {"v": n}

    def is_dynamic(self, t):
        r = self.refs.get(id(t))
        return r is not None and r.get("v") in self.dynamic

    def ref(self, t):
        r = self.refs.get(id(t))
        if r is None:
            if t.grad_fn is not None:
                warnings.warn(TracerWarning(
                    f"a tensor computed by an operation the tracer did not see (grad_fn "
                    f"{t.grad_fn.name()}) is recorded as a constant; the trace will not follow "
                    f"changes to what it was computed from"), stacklevel=4)
            r = {"c": len(self.consts)}
            self.consts.append(t)
            self.refs[id(t)] = r
            self.keep.append(t)
        return r

    # --- encoding an op's arguments and result -------------------------------------------
    def encode(self, a, op):
        if isinstance(a, Tensor):
            return self.ref(a)
        if isinstance(a, TracedInt):
            return {"size": [a.ref, a.dim]}
        if a is None or isinstance(a, (bool, str)):
            return a
        if isinstance(a, (int, np.integer)):
            return int(a)
        if isinstance(a, (float, np.floating)):
            return float(a)
        if isinstance(a, np.bool_):
            return bool(a)
        if isinstance(a, tuple):
            return {"tuple": [self.encode(x, op) for x in a]}
        if isinstance(a, list):
            return {"list": [self.encode(x, op) for x in a]}
        if isinstance(a, slice):
            return {"slice": [self.encode(x, op) for x in (a.start, a.stop, a.step)]}
        if a is Ellipsis:
            return {"ellipsis": True}
        if isinstance(a, dtypes.dtype):
            return {"dtype": a.name}
        if isinstance(a, backend.device):
            return {"device": str(a)}
        if isinstance(a, np.ndarray):
            return self.ref(Tensor._wrap(a))
        if isinstance(a, dict) and all(isinstance(k, str) for k in a):
            return {"dict": [[k, self.encode(v, op)] for k, v in a.items()]}
        raise TracingError(f"galton.jit.trace: cannot record an argument of type "
                           f"{type(a).__name__} passed to {op}")

    def encode_out(self, out, dynamic):
        if isinstance(out, Tensor):
            return self.new_value(out, dynamic)
        if isinstance(out, (tuple, list)):
            items = [self.encode_out(o, dynamic) for o in out]
            return {"list" if isinstance(out, list) else "tuple": items}
        if isinstance(out, dict):
            return {"dict": [[k, self.encode_out(v, dynamic)] for k, v in out.items()]}
        return None

    def record(self, op, args, kwargs, out):
        dyn = self._any_dynamic(args) or self._any_dynamic(kwargs.values())
        node = {"op": op, "args": [self.encode(a, op) for a in args],
                "kwargs": {k: self.encode(v, op) for k, v in kwargs.items()},
                "out": None, "scope": self.scope[-1]}
        if op == "Tensor.__setitem__":
            out = args[0]
        node["out"] = self.encode_out(out, dyn)
        self.nodes.append(node)

    def _any_dynamic(self, items):
        for a in items:
            if isinstance(a, Tensor):
                if self.is_dynamic(a):
                    return True
            elif isinstance(a, TracedInt):
                return True
            elif isinstance(a, (tuple, list)) and self._any_dynamic(a):
                return True
        return False


def _has_tensor(items):
    """Whether a call reads a tensor or a traced size (``galton.zeros(x.size(0), 4)``)."""
    for a in items:
        if isinstance(a, (Tensor, TracedInt)):
            return True
        if isinstance(a, (tuple, list)) and _has_tensor(a):
            return True
    return False


def _wrap_op(op, fn):
    """A stand-in for ``fn`` that records calls made while a trace runs."""
    @functools.wraps(fn)
    def traced(*args, **kwargs):
        rec = _active
        if rec is None or rec.depth or not (_has_tensor(args) or _has_tensor(kwargs.values())):
            return fn(*args, **kwargs)
        rec.depth += 1
        try:
            out = fn(*args, **kwargs)
        finally:
            rec.depth -= 1
        if (out is None and op != "Tensor.__setitem__") or isinstance(out, (bool, int, float)):
            if rec._any_dynamic(args):
                warnings.warn(TracerWarning(_CONVERT_MSG.format(what=f"value ({op})")),
                              stacklevel=2)
            return out
        rec.record(op, args, kwargs, out)
        return out
    return traced


def _warn_convert(what, fn):
    @functools.wraps(fn)
    def converting(self, *args, **kwargs):
        rec = _active
        if rec is not None and not rec.depth and rec.is_dynamic(self):
            warnings.warn(TracerWarning(_CONVERT_MSG.format(what=what)), stacklevel=2)
        return fn(self, *args, **kwargs)
    return converting


def _traced_size(fn):
    def size(self, dim=None):
        r = fn(self, dim)
        rec = _active
        if rec is None or rec.depth or not rec.is_dynamic(self):
            return r
        ref = rec.refs[id(self)]
        if dim is None:
            return Size(TracedInt(s, ref, i) for i, s in enumerate(r))
        return TracedInt(r, ref, _dim(dim, self._data.ndim))
    return size


class _Patches:
    """Set attributes for the duration of a trace and put the originals back."""

    def __init__(self):
        self.saved = []

    def set(self, owner, name, value):
        self.saved.append((owner, name, owner.__dict__[name] if isinstance(owner, type)
                           else getattr(owner, name)))
        setattr(owner, name, value)

    def restore(self):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)
        self.saved.clear()


def _install(patches):
    import galton
    for name in _targets.tensor_methods():
        if name in Tensor.__dict__:
            patches.set(Tensor, name, _wrap_op(f"Tensor.{name}", Tensor.__dict__[name]))
    for name in _targets.galton_functions():
        patches.set(galton, name, _wrap_op(f"galton.{name}", getattr(galton, name)))
    F = _targets.functional()
    wrapped = {}
    for name in _targets.functional_names():
        fn = getattr(F, name)
        wrapped[id(fn)] = _wrap_op(f"F.{name}", fn)
        patches.set(F, name, wrapped[id(fn)])
    for mod in _targets.functional_family_modules():
        for name, fn in list(vars(mod).items()):
            if id(fn) in wrapped and getattr(F, name, None) is wrapped[id(fn)]:
                patches.set(mod, name, wrapped[id(fn)])
    for name, what in (("__bool__", "boolean"), ("__float__", "float"), ("__int__", "integer"),
                       ("__index__", "index"), ("item", "number"), ("tolist", "list"),
                       ("numpy", "NumPy array"), ("__iter__", "iterator")):
        patches.set(Tensor, name, _warn_convert(what, Tensor.__dict__[name]))
    from . import _rnn
    _rnn.install(patches, _wrap_op)
    size = _traced_size(Tensor.__dict__["size"])
    patches.set(Tensor, "size", size)
    patches.set(Tensor, "shape", property(lambda self: size(self)))


def run_trace(model, inputs, keep_tensors=False):
    """Trace ``model(*inputs)``; returns the Recorder (graph built) and the model's outputs."""
    global _active
    if _active is not None:
        raise TracingError("galton.jit.trace: a trace is already running (traces do not nest)")
    from .lowering import ModuleHooks
    rec = Recorder(model if hasattr(model, "named_parameters") else None)
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"galton.jit.trace: example inputs must be tensors, got "
                            f"{type(x).__name__}")
        rec.new_value(x, dynamic=True)
    patches, hooks = _Patches(), ModuleHooks(rec, model)
    _active = rec
    try:
        _install(patches)
        hooks.install()
        out = model(*inputs)
    finally:
        _active = None
        patches.restore()
        hooks.remove()
    rec.outputs = rec.encode(out, "the model's output") if not isinstance(out, dict) \
        else {"dict": [[k, rec.encode(v, "the model's output")] for k, v in out.items()]}
    rec.input_names = _input_names(model, len(inputs))
    rec.graph = Graph(rec.input_names, _live_nodes(rec.nodes, rec.outputs), rec.outputs,
                      rec.values)
    if not keep_tensors:
        rec.keep = rec.tensors = None
    return rec, out


def _input_names(model, n):
    """The forward's parameter names (``x``), so the graph reads like the model's code."""
    fn = getattr(model, "forward", model)
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    if len(names) < n or len(set(names)) < n:
        names = [f"input_{i}" for i in range(n)]
    return names


def _refs_in(a, acc):
    if isinstance(a, dict):
        if "v" in a:
            acc.add(a["v"])
        for v in a.values():
            _refs_in(v, acc)
    elif isinstance(a, (list, tuple)):
        for v in a:
            _refs_in(v, acc)
    return acc


def _live_nodes(nodes, outputs):
    """Drop nodes whose results nothing uses (the ``x.sum() > 0`` of a frozen ``if``), keeping
    in-place writes to parameters and buffers (a BatchNorm's running statistics)."""
    live = _refs_in(outputs, set())
    keep = []
    for node in reversed(nodes):
        made = _refs_in(node["out"], set())
        writes_state = (_targets.is_inplace(node["op"]) and node["args"]
                        and isinstance(node["args"][0], dict) and "p" in node["args"][0])
        if made & live or writes_state:
            keep.append(node)
            live |= _refs_in(node["args"], set()) | _refs_in(node["kwargs"], set())
    keep.reverse()
    return keep


def trace(func, example_inputs=None, *, check_trace=True, strict=True, example_kwarg_inputs=None):
    """Record ``func(*example_inputs)`` as a graph of galton ops: a ``TracedModule``.

    The traced module runs like the model, ``.save(path)`` writes it (graph JSON and the
    weights in one safetensors file) and ``galton.jit.load(path)`` restores it without the
    model's Python class. See the module docstring for what a trace cannot capture.
    ``example_inputs`` is a tensor or a tuple of tensors; ``check_trace`` and ``strict`` are
    accepted for PyTorch compatibility (outputs may be tuples, lists or dicts of tensors).

    >>> traced = galton.jit.trace(model.eval(), galton.randn(1, 1, 28, 28))
    >>> traced.save("model.pt"); galton.jit.load("model.pt")(x)
    """
    from .module import TracedModule
    if example_kwarg_inputs:
        raise NotImplementedError("galton.jit.trace: example_kwarg_inputs are not supported; "
                                  "pass the inputs positionally")
    inputs = (example_inputs,) if isinstance(example_inputs, Tensor) else tuple(example_inputs)
    rec, _ = run_trace(func, inputs)
    training = bool(getattr(func, "training", False))
    return TracedModule.from_recorder(rec, training=training,
                                      name=type(func).__name__ if hasattr(func, "forward")
                                      else getattr(func, "__name__", "function"))

