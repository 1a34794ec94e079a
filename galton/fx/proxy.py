"""``Proxy``, the stand-in value symbolic tracing runs a program on, and the tracer base
classes, as in ``torch.fx.proxy``.

Every operation on a Proxy (an operator, a method call, an attribute, a galton function it is
passed to) appends a node to its tracer's graph and answers a new Proxy. What cannot be
recorded (``bool(proxy)`` in an ``if``, ``len``, iteration of unknown length) raises
``TraceError`` or ``RuntimeError`` with PyTorch's messages.
"""
import dis
import enum
import inspect
import operator
import sys
from bisect import bisect_left

from . import _dispatch
from .graph import magic_methods, reflectable_magic_methods
from .node import Node, map_aggregate

__all__ = ["TraceError", "TracerBase", "GraphAppendingTracer", "Proxy", "Attribute",
           "ParameterProxy", "map_aggregate"]


class TraceError(ValueError):
    pass


class TracerBase:
    """What a Proxy needs of its tracer: a graph and ``create_proxy``."""
    graph = None
    record_stack_traces = False
    check_mutable_operations = False
    trace_asserts = False
    proxy_buffer_attributes = False
    traced_func_name = "forward"
    scope = None
    module_stack = None
    node_name_to_scope = None

    def create_node(self, kind, target, args, kwargs, name=None, type_expr=None):
        """A node in ``self.graph`` (overridable, e.g. to tag every node)."""
        return self.graph.create_node(kind, target, args, kwargs, name, type_expr)

    def proxy(self, node):
        return Proxy(node, self)

    def create_proxy(self, kind, target, args, kwargs, name=None, type_expr=None,
                     proxy_factory_fn=None):
        """Record one operation: its arguments become graph arguments (``create_arg``), and
        the new node comes back wrapped in a Proxy."""
        args_ = self.create_arg(args)
        kwargs_ = self.create_arg(kwargs)
        assert isinstance(args_, tuple)
        assert isinstance(kwargs_, dict)
        node = self.create_node(kind, target, args_, kwargs_, name, type_expr)
        if not proxy_factory_fn:
            return self.proxy(node)
        return proxy_factory_fn(node)

    def create_arg(self, a):
        """``a`` as a graph argument: Proxies become their nodes, containers are mapped."""
        if isinstance(a, Proxy):
            return a.node
        if isinstance(a, tuple):
            if hasattr(a, "_fields"):
                return type(a)(*(self.create_arg(elem) for elem in a))
            return tuple(self.create_arg(elem) for elem in a)
        if isinstance(a, list):
            return [self.create_arg(elem) for elem in a]
        if isinstance(a, dict):
            r = {}
            for k, v in a.items():
                k = self.create_arg(k)
                if isinstance(k, Node):
                    raise RuntimeError(f"Keys for dictionaries used as an argument cannot "
                                       f"contain a Node. Got key: {k}")
                r[k] = self.create_arg(v)
            return r
        if isinstance(a, slice):
            return slice(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if isinstance(a, range):
            return range(self.create_arg(a.start), self.create_arg(a.stop),
                         self.create_arg(a.step))
        if isinstance(a, Node) or a is None or a is ... or isinstance(a, _base_types()):
            return a
        raise NotImplementedError(f"argument of type: {type(a)}")

    def to_bool(self, obj):
        raise TraceError("symbolically traced variables cannot be used as inputs to control "
                         "flow")

    def iter(self, obj):
        raise TraceError("Proxy object cannot be iterated. This can be attempted when the "
                         "Proxy is used in a loop or as a *args or **kwargs function argument. "
                         "See the torch.fx docs on pytorch.org for a more detailed explanation "
                         "of what types of control flow can be traced, and check out the Proxy "
                         "docstring for help troubleshooting Proxy iteration errors")

    def keys(self, obj):
        return Attribute(obj, "keys")()


def _base_types():
    import galton
    return (str, int, float, bool, complex, galton.dtype, galton.device, galton.Tensor,
            enum.Enum, type(None), type(lambda: 0), type(print), type(operator.add))


class GraphAppendingTracer(TracerBase):
    """A tracer that only appends to an existing graph (for Proxies made by hand)."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.scope = None
        self.module_stack = {}
        self.node_name_to_scope = {}


class Proxy:
    """A value being traced: operations on it are recorded in ``tracer.graph``.

    ``Proxy(node)`` alone appends to ``node.graph``.
    """

    def __init__(self, node, tracer=None):
        if tracer is None:
            tracer = GraphAppendingTracer(node.graph)
        self.tracer = tracer
        self.node = node
        _dispatch.proxy_born(self)

    def __repr__(self):
        return f"Proxy({self.node.name})"

    def __getattr__(self, k):
        if k.startswith("__") and k.endswith("__"):  # copy/pickle probes are not tensor ops
            raise AttributeError(k)
        return Attribute(self, k)

    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, d):
        self.__dict__ = d

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", "__call__", (self,) + args, kwargs)

    def __iter__(self):
        # `a, b = proxy` unpacks a known number of values: Python's UNPACK_SEQUENCE says how
        # many, so that many getitem nodes can be recorded
        frame = inspect.currentframe()
        calling_frame = frame.f_back
        insts = list(dis.get_instructions(calling_frame.f_code))
        if sys.version_info >= (3, 11):
            idx = bisect_left(insts, calling_frame.f_lasti, key=lambda x: x.offset)
        else:
            idx = calling_frame.f_lasti // 2
        del frame, calling_frame
        if idx < len(insts) and insts[idx].opname == "UNPACK_SEQUENCE":
            return (self[i] for i in range(insts[idx].argval))
        return self.tracer.iter(self)

    def __abs__(self):
        return self.tracer.create_proxy("call_function", operator.abs, (self,), {})

    def __bool__(self):
        return self.tracer.to_bool(self)

    def keys(self):
        return self.tracer.keys(self)

    def __len__(self):
        raise RuntimeError("'len' is not supported in symbolic tracing by default. If you want "
                           "this call to be recorded, please call torch.fx.wrap('len') at "
                           "module scope")

    def __hash__(self):
        return id(self)


class Attribute(Proxy):
    """``proxy.attr``: a ``getattr`` node, made only if the attribute is used as a value; called,
    it is a ``call_method`` node instead."""

    def __init__(self, root, attr):
        self.root = root
        self.attr = attr
        self.tracer = root.tracer
        self._node = None

    @property
    def node(self):
        if self._node is None:
            self._node = self.tracer.create_proxy("call_function", getattr,
                                                  (self.root, self.attr), {}).node
        return self._node

    def __call__(self, *args, **kwargs):
        return self.tracer.create_proxy("call_method", self.attr, (self.root,) + args, kwargs)


class ParameterProxy(Proxy):
    """A Proxy for a parameter, which answers its shape and size without recording."""

    def __init__(self, tracer, node, name, param):
        super().__init__(node, tracer)
        self.param = param
        self.name = name

    def __repr__(self):
        return f"ParameterProxy({self.name})"

    @property
    def shape(self):
        return self.param.shape

    def size(self, dim=None):
        return self.param.size() if dim is None else self.param.size(dim)

    def dim(self):
        return self.param.dim()

    @property
    def ndim(self):
        return self.param.ndim

    def numel(self):
        return self.param.numel()

    def nelement(self):
        return self.param.nelement()


def _install_magic_methods():
    for method in magic_methods:
        def impl(*args, _target=getattr(operator, method), **kwargs):
            tracer = args[0].tracer
            return tracer.create_proxy("call_function", _target, args, kwargs)
        name = method.strip("_")
        impl.__name__ = f"__{name}__"
        setattr(Proxy, f"__{name}__", impl)

    for orig in reflectable_magic_methods:
        def rimpl(self, rhs, _target=getattr(operator, orig)):
            return self.tracer.create_proxy("call_function", _target, (rhs, self), {})
        name = orig.strip("_")
        rimpl.__name__ = f"__r{name}__"
        setattr(Proxy, f"__r{name}__", rimpl)


_install_magic_methods()
