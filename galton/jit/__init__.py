"""``galton.jit``: record a model's forward pass as a graph of galton ops, as ``torch.jit.trace``.

>>> traced = galton.jit.trace(model.eval(), galton.randn(1, 1, 28, 28))
>>> traced.save("model.pt")
>>> loaded = galton.jit.load("model.pt")   # no need for the model's class
>>> print(loaded.graph)

Tracing records what one example run does: Python ``if``/``for`` on tensor values is frozen
(a ``TracerWarning`` is raised when a traced tensor becomes a Python bool or number), sizes
read with ``x.size(d)`` / ``x.shape`` stay symbolic. ``galton.onnx.export`` is built on it.
"""
from .graph import Graph, GraphError
from .module import TracedModule, load, save
from .trace import TracerWarning, TracingError, trace

__all__ = ["trace", "load", "save", "TracedModule", "Graph", "GraphError", "TracerWarning",
           "TracingError"]
