"""``torch.fx``: symbolic tracing of Modules and functions into a ``Graph`` of ``Node``s, the
``GraphModule`` that runs a graph as generated Python code, and the tools that edit graphs
(``Interpreter``, ``Transformer``, ``replace_pattern``), with PyTorch's names and behaviour.

>>> gm = galton.fx.symbolic_trace(lambda x: galton.relu(x) + 1)
>>> print(gm.code)   # def forward(self, x): relu = torch.relu(x) ...

Importing this package lets galton's public functions take Proxies (see ``_dispatch``).
"""
from . import _dispatch
# torch.fx.node.map_arg, torch.fx.proxy.GraphAppendingTracer, and the generated code's
# torch.fx._symbolic_trace.wrap are reached as attributes of the package
from . import _symbolic_trace, node, proxy
from .graph import Graph, PythonCode
from .graph_module import GraphModule
from .interpreter import Interpreter, Transformer
from .node import Node, has_side_effect, map_arg
from .proxy import Proxy, TraceError
from ._symbolic_trace import PH, Tracer, symbolic_trace, wrap
from .subgraph_rewriter import replace_pattern

_dispatch.install()

__all__ = ["symbolic_trace", "Tracer", "wrap", "Graph", "GraphModule", "Interpreter",
           "Transformer", "Node", "Proxy", "TraceError", "replace_pattern", "map_arg",
           "has_side_effect", "PH", "PythonCode", "node", "proxy", "_symbolic_trace"]
