"""``TracedModule``: a traced graph with its weights, runnable, savable, loadable without the
model's Python class.

A saved traced module is an ordinary galton checkpoint (safetensors; see
galton/serialization) holding ``{"galton.jit": 1, "graph": {...}, "parameters": {...},
"buffers": {...}, "constants": [...]}``: the graph as JSON in the header, the tensors as
safetensors entries. Loading it parses JSON, copies bytes and checks every op of the graph
against the list of galton ops a graph may call; it never runs code from the file.
"""
import os

from .. import nn
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .graph import Graph, GraphError

FORMAT = 1


class _Holder(nn.Module):
    """A submodule standing in for one of the traced model's, so state-dict keys match."""

    def forward(self, *args):
        raise RuntimeError("this submodule of a traced module has no forward of its own; call "
                           "the traced module")


class TracedModule(nn.Module):
    """A model recorded by ``galton.jit.trace``: call it like the model.

    ``state_dict()`` has the original model's keys (its parameters are the model's own
    tensors right after tracing), ``.graph`` prints the recorded ops, ``.save(path)`` writes
    it and ``galton.jit.load(path)`` reads it back. The ``training`` flags the trace saw
    (dropout, batch norm) are part of the graph: ``.eval()`` on a traced module does not
    change them -- trace the model in the mode you will run it in.
    """

    def __init__(self, graph, parameters, buffers, constants, *, non_persistent=(),
                 original_name="Module", training=False):
        super().__init__()
        d = self.__dict__
        d["_graph"] = graph
        d["_constants"] = list(constants)
        d["original_name"] = original_name
        slots = []
        for key, t in parameters.items():
            owner, attr = self._owner(key)
            if not isinstance(t, Parameter):
                t = Parameter(t, requires_grad=t.requires_grad)
            owner.register_parameter(attr, t)
            slots.append((key, owner._parameters, attr))
        for key, t in buffers.items():
            owner, attr = self._owner(key)
            owner.register_buffer(attr, t, persistent=key not in non_persistent)
            slots.append((key, owner._buffers, attr))
        d["_slots"] = slots
        d["_non_persistent"] = sorted(non_persistent)
        self.train(training)

    def _owner(self, key):
        owner = self
        *path, attr = key.split(".")
        for part in path:
            sub = owner._modules.get(part)
            if sub is None:
                sub = _Holder()
                owner.add_module(part, sub)
            owner = sub
        return owner, attr

    @classmethod
    def from_recorder(cls, rec, *, training, name):
        params = {k: t for k, t in rec.params.items() if isinstance(t, Parameter)}
        buffers = {k: t for k, t in rec.params.items() if not isinstance(t, Parameter)}
        consts = [Tensor._wrap(t._data) for t in rec.consts]
        return cls(rec.graph, params, buffers, consts, non_persistent=rec.non_persistent,
                   original_name=name, training=training)

    # --- running -------------------------------------------------------------------------
    def forward(self, *inputs):
        n = len(self._graph.input_names)
        if len(inputs) != n:
            raise TypeError(f"traced {self.original_name} takes {n} input(s) "
                            f"({', '.join(self._graph.input_names)}), got {len(inputs)}")
        for name, x in zip(self._graph.input_names, inputs):
            if not isinstance(x, Tensor):
                raise TypeError(f"traced {self.original_name}: input {name} must be a tensor, "
                                f"got {type(x).__name__}")
        params = {key: table[attr] for key, table, attr in self._slots}
        return self._graph.run(inputs, params, self._constants)

    @property
    def graph(self):
        """The recorded ops (``print(traced.graph)``)."""
        return self._graph

    @property
    def code(self):
        """The graph as text, one op per line."""
        return str(self._graph)

    def __repr__(self):
        return (f"TracedModule(original_name={self.original_name}, "
                f"ops={len(self._graph.nodes)})")

    # --- files ---------------------------------------------------------------------------
    def save(self, f):
        """Write the graph and the weights to ``f`` (a path or a binary file)."""
        from .. import serialization
        params = {key: table[attr] for key, table, attr in self._slots
                  if table is not None and table[attr] is not None}
        obj = {"galton.jit": FORMAT, "original_name": self.original_name,
               "training": self.training, "graph": self._graph.to_dict(),
               "parameters": {k: t for k, t in params.items() if isinstance(t, Parameter)},
               "buffers": {k: t for k, t in params.items() if not isinstance(t, Parameter)},
               "non_persistent": self._non_persistent,
               "constants": [Tensor._wrap(c._data) for c in self._constants]}
        serialization.save(obj, f)


def save(m, f):
    """``galton.jit.save(traced, path)``: the same as ``traced.save(path)``."""
    if not isinstance(m, TracedModule):
        raise TypeError(f"galton.jit.save expects a traced module (galton.jit.trace), got "
                        f"{type(m).__name__}")
    m.save(f)


def load(f, map_location=None):
    """Read a module written by ``TracedModule.save``; no Python class of the model is needed.

    >>> model = galton.jit.load("model.pt"); model.eval()
    """
    from .. import serialization
    where = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
    obj = serialization.load(f, map_location=map_location)
    if not isinstance(obj, dict) or "galton.jit" not in obj:
        raise GraphError(f"galton.jit.load: {where} is not a traced module (write one with "
                         f"galton.jit.trace(model, x).save(path); a state dict loads with "
                         f"galton.load)")
    if obj["galton.jit"] > FORMAT:
        raise GraphError(f"galton.jit.load: {where} was written by a newer galton (traced "
                         f"module format {obj['galton.jit']}; this one reads up to {FORMAT})")
    try:
        params, buffers = dict(obj["parameters"]), dict(obj["buffers"])
        consts = list(obj["constants"])
        graph = Graph.from_dict(obj["graph"], f"galton.jit.load: {where}",
                                set(params) | set(buffers), len(consts))
        return TracedModule(graph, params, buffers, consts,
                            non_persistent=obj.get("non_persistent", ()),
                            original_name=str(obj.get("original_name", "Module")),
                            training=bool(obj.get("training", False)))
    except (KeyError, TypeError) as exc:
        raise GraphError(f"galton.jit.load: {where} is a corrupt traced module ({exc})") from None
