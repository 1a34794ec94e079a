"""Forward hooks of a trace: each module's scope, and layers recorded as one functional node.

Most layers call ``galton.nn.functional`` through names the tracer wraps, so their ops are
recorded without help. A few layers reach their op by a name bound at import time (``nn.Linear``
calls ``ops.linalg.linear``, ``nn.Embedding`` its functional imported by name; dropout layers
and argument-free activations such as ``nn.Tanh`` keep their function as a class attribute),
so they are recorded here from their attributes as the ``F`` call they amount to, and the ops
inside them are not recorded.
After every module the hooks check that its output is a graph value: a layer whose work the
tracer could not see is an error naming the layer, never a silently wrong graph.
"""
import types

from ..tensor import Tensor
from . import _targets


def _linear(rec, m, args, out):
    rec.record("F.linear", (args[0], m.weight, m.bias), {}, out)


def _conv(rec, m, args, out):
    op = f"F.conv{m._dims}d"
    x = args[0]
    if m.padding_mode != "zeros":
        rec.depth += 1
        try:
            padded = _targets.resolve("F.pad")(x, m._reversed_padding_repeated_twice,
                                               mode=m.padding_mode)
        finally:
            rec.depth -= 1
        rec.record("F.pad", (x, list(m._reversed_padding_repeated_twice)),
                   {"mode": m.padding_mode}, padded)
        rec.record(op, (padded, m.weight, m.bias, m.stride, 0, m.dilation, m.groups), {}, out)
    else:
        rec.record(op, (x, m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups), {},
                   out)


def _embedding(rec, m, args, out):
    rec.record("F.embedding", (args[0], m.weight, m.padding_idx, m.max_norm, m.norm_type,
                               m.scale_grad_by_freq, m.sparse), {}, out)


def _class_fn(m):
    """``F.<name>`` of the functional a layer keeps as its class attribute ``_fn``."""
    op = f"F.{type(m)._fn.__name__}"
    _targets.check(op)
    return op


def _dropout(rec, m, args, out):
    if out is args[0]:
        return  # eval mode: the identity, nothing to record
    rec.record(_class_fn(m), (args[0], m.p, m.training, m.inplace), {}, out)


def _stateless(rec, m, args, out):
    rec.record(_class_fn(m), (args[0],), {}, out)


def lowering_for(module):
    """The function that records ``module`` as functional nodes, or None to trace inside it."""
    from .. import nn
    if type(module) is nn.Linear:
        return _linear
    if type(module) in (nn.Conv1d, nn.Conv2d):
        return _conv
    if type(module) is nn.Embedding:
        return _embedding
    # layers that keep their functional as a class attribute bound at import time
    if isinstance(getattr(type(module), "_fn", None), types.FunctionType):
        if type(module).__module__ == "galton.nn.dropout":
            return _dropout
        if type(module).__module__ == "galton.nn.activation" and \
                type(module).forward is nn.activation._Stateless.forward:
            return _stateless
    return None


def _tensors(out, acc):
    if isinstance(out, Tensor):
        acc.append(out)
    elif isinstance(out, (tuple, list)):
        for o in out:
            _tensors(o, acc)
    elif isinstance(out, dict):
        for o in out.values():
            _tensors(o, acc)
    return acc


class ModuleHooks:
    """Forward pre-hooks and hooks on every submodule of the traced model."""

    def __init__(self, rec, model):
        self.rec, self.model = rec, model
        self.handles, self.stack = [], []

    def install(self):
        named = getattr(self.model, "named_modules", None)
        if named is None:
            return  # a plain function: nothing to hook
        for name, m in named():
            self.handles.append(m.register_forward_pre_hook(self._pre(name)))
            self.handles.append(m.register_forward_hook(self._post(name)))

    def remove(self):
        for h in self.handles:
            h.remove()
        self.handles.clear()

    def _pre(self, name):
        def pre(module, args):
            rec = self.rec
            lower = lowering_for(module) if rec.depth == 0 else None
            known = any(isinstance(a, Tensor) and id(a) in rec.refs for a in _tensors(args, []))
            self.stack.append((lower, known and rec.depth == 0))
            rec.scope.append(name or rec.scope[-1])
            if lower is not None:
                rec.depth += 1
        return pre

    def _post(self, name):
        def post(module, args, out):
            rec = self.rec
            lower, check = self.stack.pop()
            if lower is not None:
                rec.depth -= 1
                lower(rec, module, args, out)
            rec.scope.pop()
            if check and any(id(t) not in rec.refs for t in _tensors(out, [])):
                raise TracingError(
                    f"galton.jit.trace: the output of {name or 'the model'} "
                    f"({type(module).__name__}) was computed by operations the tracer cannot "
                    f"see; write its forward with galton tensor methods, galton.* or "
                    f"galton.nn.functional calls")
        return post


from .trace import TracingError  # noqa: E402  (trace.py imports this module lazily)
