"""``Tracer``, ``symbolic_trace`` and ``wrap``, as in ``torch.fx._symbolic_trace``.

``Tracer.trace`` runs ``forward`` on Proxies. For the length of the trace it patches three
things and restores them after, as torch.fx does: ``Module.__call__`` (so each submodule call
goes through ``Tracer.call_module``, which records leaf modules as ``call_module`` nodes and
traces through the others), ``Module.__getattr__`` (parameters and buffers read in a traced
forward become ``get_attr`` nodes) and the functions named to ``wrap`` (recorded as
``call_function`` nodes instead of being traced through). galton's own functions see Proxies
through ``_dispatch``.
"""
import functools
import inspect
import math
import types
import warnings

from . import _dispatch
from .graph import Graph
from .graph_module import GraphModule
from .proxy import ParameterProxy, Proxy, TracerBase

__all__ = ["Tracer", "symbolic_trace", "wrap", "PH", "PHBase"]

# (globals dict, function name) pairs registered by wrap()
_wrapped_fns_to_patch = {}


def _assert_is_none(value, msg):
    assert value is None, msg


_dispatch.register(_assert_is_none, "torch.fx._symbolic_trace._assert_is_none")


class PHBase:
    """Stands for a placeholder in ``concrete_args``."""

    def __repr__(self):
        return "PH"


PH = PHBase()


def wrap(fn_or_name):
    """Record calls of this module-level function as one ``call_function`` node (a leaf)
    rather than tracing into it. Must be called at the top level of a module."""
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError("Unsupported type for global function! Must be either a callable "
                           "or string name")
    if callable(fn_or_name):
        assert not isinstance(fn_or_name, str)
        fn_name = fn_or_name.__name__
    else:
        fn_name = fn_or_name
    currentframe = inspect.currentframe()
    f = currentframe.f_back
    if f.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns_to_patch[(id(f.f_globals), fn_name)] = f.f_globals
    return fn_or_name


# a Tensor's operator with a Proxy on its right: the Tensor method PyTorch's __torch_function__
# records for it (``tensor + proxy`` is ``tensor.add(proxy)``)
_TENSOR_OPERATOR_METHODS = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
    "__floordiv__": "__floordiv__", "__mod__": "remainder", "__pow__": "pow",
    "__matmul__": "matmul", "__and__": "__and__", "__or__": "__or__", "__xor__": "__xor__",
    "__lshift__": "__lshift__", "__rshift__": "__rshift__", "__eq__": "eq", "__ne__": "ne",
    "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge"}


def _tensor_operator(method, orig):
    def operator_(self, other):
        if isinstance(other, Proxy):
            return other.tracer.create_proxy("call_method", method, (self, other), {})
        return orig(self, other)
    return operator_


def _all_positional(fn):
    """``fn`` taking its keyword-only parameters, ``*args`` and ``**kwargs`` as plain positional
    ones, so that each can be handed one Proxy (torch.fx rewrites the code object the same way)."""
    co = fn.__code__
    nargs = (co.co_argcount + co.co_kwonlyargcount + bool(co.co_flags & inspect.CO_VARARGS)
             + bool(co.co_flags & inspect.CO_VARKEYWORDS))
    code = co.replace(co_flags=co.co_flags & ~(inspect.CO_VARARGS | inspect.CO_VARKEYWORDS),
                      co_argcount=nargs, co_kwonlyargcount=0)
    return types.FunctionType(code, fn.__globals__, fn.__name__, None, fn.__closure__)


class _Patcher:
    """Sets attributes/dict entries for the length of a trace and puts them back."""

    def __init__(self):
        self._undo = []

    def patch_attr(self, obj, name, new):
        had = name in vars(obj)
        old = vars(obj).get(name)
        setattr(obj, name, new)
        self._undo.append(lambda: setattr(obj, name, old) if had else delattr(obj, name))

    def patch_dict(self, d, name, new):
        had = name in d
        old = d.get(name)
        d[name] = new

        def undo():
            if had:
                d[name] = old
            else:
                d.pop(name, None)
        self._undo.append(undo)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        while self._undo:
            self._undo.pop()()


def _find_proxy(args, kwargs):
    return _dispatch._find_proxy(args, kwargs)


class Tracer(TracerBase):
    """Turns a Module's ``forward`` (or a function) into a ``Graph`` by running it on
    Proxies. Subclass it to change what is a leaf module (``is_leaf_module``), how modules
    are called (``call_module``) or how nodes are made (``create_node``/``create_proxy``)."""

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(),
                 param_shapes_constant=False):
        super().__init__()
        # functions recorded as leaves wherever the traced code's globals (or their module)
        # name them: math's by default, so that math.sqrt(x.size(-1)) traces, as in PyTorch
        self._autowrap_modules = tuple(autowrap_modules)
        self._autowrap_function_ids = {
            id(value) for m in self._autowrap_modules for name, value in vars(m).items()
            if not name.startswith("_") and callable(value)}
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self._autowrap_functions = frozenset(autowrap_functions)
        self.param_shapes_constant = param_shapes_constant
        self.proxy_buffer_attributes = True
        self.submodule_paths = None
        self.root = None
        self.graph = None
        self.tensor_attrs = {}

    # --- what becomes a node ------------------------------------------------------------------
    def create_arg(self, a):
        """Like ``TracerBase.create_arg``, and a tensor attribute of the root becomes a
        ``get_attr`` node (a new ``_tensor_constant`` attribute for any other tensor)."""
        import galton
        if isinstance(a, galton.nn.Parameter):
            for n_, p_ in self.root.named_parameters():
                if a is p_:
                    return self.create_node("get_attr", n_, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, galton.Tensor):
            qualname = self.tensor_attrs.get(id(a))
            if not qualname:
                i = 0
                while True:
                    qualname = f"_tensor_constant{i}"
                    if not hasattr(self.root, qualname):
                        break
                    i += 1
                self.tensor_attrs[id(a)] = qualname
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        if isinstance(a, galton.nn.Module):
            raise NotImplementedError(f"argument of type: {type(a)}")
        return super().create_arg(a)

    def is_leaf_module(self, m, module_qualified_name):
        """galton.nn's modules (but Sequential) are recorded, not traced through."""
        import galton
        return ((m.__module__.startswith("galton.nn") or m.__module__.startswith("torch.nn"))
                and not isinstance(m, galton.nn.Sequential))

    def path_of_module(self, mod):
        """``layer1.0.conv1``: where ``mod`` sits in the root module."""
        path = self.submodule_paths.get(id(mod)) if self.submodule_paths else None
        if path is not None:
            return path
        for n, p in self.root.named_modules():
            if mod is p:
                return n
        raise NameError("module is not installed as a submodule")

    def call_module(self, m, forward, args, kwargs):
        """A leaf module becomes a ``call_module`` node; any other is traced through."""
        module_qualified_name = self.path_of_module(m)
        if not self.is_leaf_module(m, module_qualified_name):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", module_qualified_name, args, kwargs)

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        """A parameter or buffer read in a traced forward, as a ``get_attr`` Proxy."""
        import galton

        def proxy_for(collection):
            for n, p in collection:
                if attr_val is p:
                    if n not in parameter_proxy_cache:
                        if self.param_shapes_constant and isinstance(p, galton.nn.Parameter):
                            node = self.create_proxy("get_attr", n, (), {}).node
                            parameter_proxy_cache[n] = ParameterProxy(self, node, n, attr_val)
                        else:
                            parameter_proxy_cache[n] = self.create_proxy("get_attr", n, (), {})
                    return parameter_proxy_cache[n]
            return None

        if isinstance(attr_val, galton.nn.Parameter):
            found = proxy_for(self.root.named_parameters())
            if found is not None:
                return found
        if self.proxy_buffer_attributes and isinstance(attr_val, galton.Tensor):
            found = proxy_for(self.root.named_buffers())
            if found is not None:
                return found
        return attr_val

    # --- tracing ---------------------------------------------------------------------------
    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        """The placeholders (Proxies) ``root_fn`` is called with."""
        sig = inspect.signature(root_fn)
        params = list(sig.parameters.values())
        if is_module:
            params = params[1:]  # self
        concrete_args = concrete_args or {}
        if not isinstance(concrete_args, dict):
            names = [p.name for p in params]
            concrete_args = dict(zip(names, concrete_args))
        # the order of the code's variables: positional, keyword-only, *args, **kwargs
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                 inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL,
                 inspect.Parameter.VAR_KEYWORD)
        params.sort(key=lambda p: kinds.index(p.kind))
        args = []
        annotations = getattr(root_fn, "__annotations__", {})
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                args.append(self.create_proxy("placeholder", f"*{p.name}", (), {}))
                continue
            if p.kind is p.VAR_KEYWORD:
                args.append(self.create_proxy("placeholder", f"**{p.name}", (), {}))
                continue
            default = () if p.default is inspect.Parameter.empty else (p.default,)
            if p.name in concrete_args:
                args.append(self._specialise(p.name, default, concrete_args[p.name]))
                continue
            args.append(self.create_proxy("placeholder", p.name, default, {},
                                          type_expr=annotations.get(p.name)))
        if any(p.kind not in kinds[:2] for p in params):
            root_fn = _all_positional(root_fn)
        if is_module:
            return root_fn, [self.root] + args
        return root_fn, args

    def _specialise(self, name, default, value):
        """An input given in ``concrete_args``: a placeholder ``<name>_1`` still takes it, and
        the graph asserts it has the value the function was traced with (PyTorch's check)."""
        out = self.create_proxy("placeholder", f"{name}_1", default, {})
        if isinstance(value, PHBase):
            return out
        import galton
        msg = f"{name} has been specialized to have value {value} but got another value"
        if type(value) is bool or (type(value) in (int, float, str, complex)):
            galton._assert(out == value, msg)
        elif value is None:
            self.create_proxy("call_function", _assert_is_none, (out, msg), {})
        else:
            warnings.warn(f"Was not able to add assertion to guarantee correct input {name} to "
                          f"specialized function. It is up to the user to make sure that your "
                          f"inputs match the inputs you specialized the function with.")
        return value

    def trace(self, root, concrete_args=None):
        """The graph of ``root``'s forward (or of the function ``root``)."""
        import galton
        Module = galton.nn.Module
        if isinstance(root, Module):
            self.root = root
            fn = type(root).forward
            is_module = True
        else:
            self.root = Module()
            fn = root
            is_module = False
        self.graph = Graph(tracer_cls=getattr(self, "__class__", None))
        self.tensor_attrs = {}
        for name, t in list(self.root.named_parameters()) + list(self.root.named_buffers()):
            self.tensor_attrs.setdefault(id(t), name)
        # plain tensor attributes too (``self.c = torch.ones(3)``): get_attr nodes, as PyTorch's
        for mod_name, mod in self.root.named_modules():
            for k, v in vars(mod).items():
                if isinstance(v, galton.Tensor):
                    self.tensor_attrs.setdefault(id(v), f"{mod_name}.{k}" if mod_name else k)
        self.submodule_paths = {id(mod): name for name, mod in self.root.named_modules()}
        fn_globals = getattr(fn, "__globals__", {})
        fn, args = self.create_args_for_root(fn, is_module, concrete_args)

        parameter_proxy_cache = {}
        orig_call = Module.__call__
        orig_getattr = Module.__getattr__
        tracer = self

        def module_getattr_wrapper(mod, attr):
            attr_val = orig_getattr(mod, attr)
            return tracer.getattr(attr, attr_val, parameter_proxy_cache)

        def module_call_wrapper(mod, *args, **kwargs):
            def forward(*args, **kwargs):
                return orig_call(mod, *args, **kwargs)
            return tracer.call_module(mod, forward, args, kwargs)

        with _Patcher() as patcher:
            patcher.patch_attr(Module, "__getattr__", module_getattr_wrapper)
            patcher.patch_attr(Module, "__call__", module_call_wrapper)
            for dunder, method in _TENSOR_OPERATOR_METHODS.items():
                if dunder in vars(galton.Tensor):
                    patcher.patch_attr(galton.Tensor, dunder, _tensor_operator(
                        method, vars(galton.Tensor)[dunder]))
            self._patch_wrapped_functions(patcher, fn_globals)
            result = fn(*args)
            self.create_node("output", "output", (self.create_arg(result),), {},
                             type_expr=getattr(fn, "__annotations__", {}).get("return"))
        self.submodule_paths = None
        return self.graph

    def _patch_wrapped_functions(self, patcher, fn_globals):
        import builtins
        for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
            # wrap("len") names a builtin the module's globals do not hold
            orig_fn = frame_dict.get(name, getattr(builtins, name, None))
            if orig_fn is not None:
                patcher.patch_dict(frame_dict, name, self._wrapped(orig_fn))
        for frame_dict in [fn_globals] + [vars(m) for m in self._autowrap_modules]:
            for name, value in list(frame_dict.items()):
                if not name.startswith("_") and callable(value) \
                        and id(value) in self._autowrap_function_ids:
                    patcher.patch_dict(frame_dict, name, self._wrapped(value))

    def _wrapped(self, orig_fn):
        @functools.wraps(orig_fn)
        def wrapped(*args, **kwargs):
            proxy = _find_proxy(args, kwargs)
            if proxy is not None:
                return_proxy = proxy.tracer.create_proxy("call_function", orig_fn, args,
                                                         kwargs)
                return_proxy.node.meta["is_wrapped"] = True
                return return_proxy
            return orig_fn(*args, **kwargs)
        return wrapped

    def keys(self, obj):
        return super().keys(obj)


def symbolic_trace(root, concrete_args=None):
    """A ``GraphModule`` whose code is ``root``'s forward (or the function ``root``) as
    recorded by a ``Tracer``."""
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    import galton
    name = root.__class__.__name__ if isinstance(root, galton.nn.Module) else root.__name__
    return GraphModule(tracer.root, graph, name)

