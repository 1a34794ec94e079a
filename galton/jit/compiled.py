"""``OptimizedModule``: what ``galton.compile(model)`` returns, as PyTorch's wrapper of that name.

On each call the inputs' signature -- every input's shape, dtype, array type and
requires_grad, grad mode, and the training flag of every submodule -- picks a cached plan.
A new signature runs the model once under ``galton.jit``'s tracer (that call's result is the
eager result) and turns the graph into fused groups plus eager ops (``fusion.py``); later calls
with that signature run the plan. What cannot be traced faithfully runs eagerly instead, and
is a *graph break*, counted and listed by ``compile_report()``:

- Python control flow on tensor values (``if x.sum() > 0``, ``.item()``): the tracer's
  TracerWarning, which would freeze the branch;
- a tensor the tracer did not see made (an op galton's tracer does not wrap), or random
  numbers drawn by an op without a tensor argument (the trace would freeze them);
- keyword or non-tensor inputs, hooks on a submodule, ops a trace cannot record.

A break applies to its signature only: the model runs eagerly for those inputs, exactly as
without ``compile``. ``fullgraph=True`` raises instead, as PyTorch does.
"""
import sys
import warnings
import weakref

from .. import autograd, random as _random
from ..nn import Module
from ..tensor import Tensor
from . import fusion

_all = weakref.WeakSet()  # every OptimizedModule, for galton.compiler.reset()


class _Plan:
    """The compiled form of one signature: steps over a value list, then the outputs."""
    __slots__ = ("steps", "n_values", "output", "groups", "eager_ops")

    def __init__(self, rec, slots):
        readers = fusion.make_readers(slots, rec.consts)
        self.steps = fusion.plan(rec.graph, readers)
        self.n_values = len(rec.graph.values)
        self.output = readers(rec.graph.outputs)
        self.groups = [s.label for s in self.steps if not s.label.startswith(("F.", "Tensor.",
                                                                              "galton.", "rnn."))]
        self.eager_ops = [s.label for s in self.steps if s.label.startswith(
            ("F.", "Tensor.", "galton.", "rnn."))]

    def __call__(self, inputs):
        env = [None] * self.n_values
        env[:len(inputs)] = inputs
        fusion.run(self.steps, env)
        return self.output(env)


class OptimizedModule(Module):
    """A model compiled by ``galton.compile``: call it like the model.

    It holds the model as ``_orig_mod`` (its parameters are the model's own tensors, so an
    optimizer built on either trains both; ``state_dict()`` keys carry the ``_orig_mod.``
    prefix, as PyTorch's), passes unknown attributes to it, and follows ``train()`` /
    ``eval()``. ``compile_report()`` says what was fused and where the graph broke.
    """

    def __init__(self, mod, *, fullgraph=False, report=False, fuse=True):
        super().__init__()
        self._orig_mod = mod
        d = self.__dict__
        d["_cache"] = {}
        d["_breaks"] = []       # (signature text, reason), one per signature that broke
        d["_fullgraph"] = bool(fullgraph)
        d["_report"] = bool(report)
        d["_fuse"] = bool(fuse)
        d["_submodules"] = None
        d["_compiled_calls"] = 0
        d["_eager_calls"] = 0
        _all.add(self)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.__dict__["_modules"]["_orig_mod"], name)

    @property
    def graph_breaks(self):
        """How many input signatures broke the graph (and run eagerly)."""
        return len(self._breaks)

    def forward(self, *args, **kwargs):
        d = self.__dict__
        mod = d["_modules"]["_orig_mod"]
        if kwargs or not all(isinstance(a, Tensor) for a in args):
            self._break("keyword or non-tensor inputs", args)
            d["_eager_calls"] += 1
            return mod(*args, **kwargs)
        subs = d["_submodules"]
        if subs is None:
            subs = d["_submodules"] = list(mod.modules())
        key = (tuple((type(a._data), a._data.shape, a._data.dtype, a._rg) for a in args),
               autograd.is_grad_enabled(), tuple(m.training for m in subs))
        entry = d["_cache"].get(key)
        if entry is None:
            return self._compile(key, args)
        if entry.__class__ is _Plan:
            d["_compiled_calls"] += 1
            return entry(args)
        d["_eager_calls"] += 1
        return mod(*args)

    # --- compiling a new signature --------------------------------------------------------
    def _compile(self, key, args):
        from .trace import TracerWarning, TracingError, run_trace
        _trace = sys.modules["galton.jit.trace"]
        mod = self._orig_mod
        if _trace._active is not None:  # inside someone else's trace: just run
            return mod(*args)
        hooked = [m for m in self._submodules if m.__dict__.get("_forward_hooks")
                  or m.__dict__.get("_forward_pre_hooks") or m.__dict__.get("_backward_hooks")]
        if hooked:
            return self._eager(key, args, f"hooks on {type(hooked[0]).__name__}")
        rng = _random.get_rng_state()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TracerWarning)
            try:
                rec, out = run_trace(mod, args)
            except TracingError as exc:
                self._reissue(caught, TracerWarning)
                return self._eager(key, args, str(exc).splitlines()[0])
        self._reissue(caught, TracerWarning)
        reasons = [str(w.message).split(";")[0] for w in caught
                   if issubclass(w.category, TracerWarning)]
        if not reasons and rec.consts and not _same(_random.get_rng_state(), rng) \
                and not any(_draws(n["op"]) for n in rec.graph.nodes):
            reasons = ["random numbers drawn by an op without a tensor argument"]
        if reasons:
            self._record_break(key, reasons[0], args)
            self._cache[key] = reasons[0]
            self.__dict__["_eager_calls"] += 1
            return out
        slots = {}
        for k in rec.params:
            path, _, attr = k.rpartition(".")
            owner = mod.get_submodule(path) if path else mod
            slots[k] = (owner._parameters if attr in owner._parameters else owner._buffers, attr)
        plan = _Plan(rec, slots) if self._fuse else _Plan.__new__(_Plan)
        if not self._fuse:
            readers = fusion.make_readers(slots, rec.consts)
            plan.steps = fusion.plan(rec.graph, readers, fuse=False)
            plan.n_values, plan.output = len(rec.graph.values), readers(rec.graph.outputs)
            plan.groups, plan.eager_ops = [], [s.label for s in plan.steps]
        self._cache[key] = plan
        if self._report:
            print(f"galton.compile: {type(mod).__name__}{_sig_text(args)}: "
                  f"{len(plan.groups)} fused group(s) {_counted(plan.groups)}, "
                  f"{len(plan.eager_ops)} eager op(s) {_counted(plan.eager_ops)}; "
                  f"graph breaks so far: {self.graph_breaks}", file=sys.stderr)
        return out

    def _eager(self, key, args, reason):
        self._record_break(key, reason, args)
        self._cache[key] = reason
        self.__dict__["_eager_calls"] += 1
        return self._orig_mod(*args)

    def _break(self, reason, args):
        self._record_break(None, reason, args)

    def _record_break(self, key, reason, args):
        text = _sig_text(args)
        if self._fullgraph:
            raise RuntimeError(f"galton.compile(fullgraph=True): graph break in "
                               f"{type(self._orig_mod).__name__}{text}: {reason}")
        if (text, reason) not in self._breaks:
            self._breaks.append((text, reason))
            if self._report:
                print(f"galton.compile: graph break in {type(self._orig_mod).__name__}{text}: "
                      f"{reason} (runs eagerly)", file=sys.stderr)

    @staticmethod
    def _reissue(caught, skip):
        for w in caught:
            if not issubclass(w.category, skip):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    # --- reading what happened --------------------------------------------------------------
    def compile_report(self):
        """What compiling did so far: a dict with ``signatures`` (how many were compiled),
        ``graph_breaks`` (how many broke) and ``breaks`` ([(inputs, reason)]), ``fused`` and
        ``eager_ops`` (per compiled signature, the group and op labels), and the number of
        ``compiled_calls`` and ``eager_calls``."""
        plans = [p for p in self._cache.values() if p.__class__ is _Plan]
        return {"signatures": len(self._cache), "graph_breaks": self.graph_breaks,
                "breaks": list(self._breaks), "fused": [list(p.groups) for p in plans],
                "eager_ops": [list(p.eager_ops) for p in plans],
                "compiled_calls": self._compiled_calls, "eager_calls": self._eager_calls}

    def reset(self):
        """Forget every compiled signature (the next call traces again)."""
        self._cache.clear()
        self._breaks.clear()
        self.__dict__["_submodules"] = None

    def __repr__(self):
        return f"OptimizedModule(\n  (_orig_mod): {self._orig_mod!r}\n)"


def _same(a, b):
    import numpy as np
    return np.array_equal(getattr(a, "_data", a), getattr(b, "_data", b))


def _draws(op):
    name = op.rpartition(".")[2]
    return any(s in name for s in ("rand", "dropout", "bernoulli", "multinomial", "normal",
                                   "uniform", "exponential", "poisson", "cauchy", "geometric"))


def _sig_text(args):
    return "(" + ", ".join(f"{a.dtype.name}{tuple(a.shape)}" if isinstance(a, Tensor)
                           else type(a).__name__ for a in args) + ")"


def _counted(labels):
    counts = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return "[" + ", ".join(f"{k} x{v}" if v > 1 else k for k, v in counts.items()) + "]"


class _FunctionModule(Module):
    """A plain function as a module, so a compiled function shares the module machinery."""

    def __init__(self, fn):
        super().__init__()
        self.__dict__["_fn"] = fn

    def forward(self, *args, **kwargs):
        return self._fn(*args, **kwargs)


def reset_all():
    for m in list(_all):
        m.reset()
