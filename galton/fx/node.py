"""``Node``, one operation of an FX ``Graph``, and ``map_arg``/``map_aggregate``, as in
``torch.fx.node``.

A node keeps its inputs (``all_input_nodes``) and its users (``users``) in insertion-ordered
dicts, so that the graph's def-use chains stay right when ``args``/``kwargs`` are reassigned,
and it lives in its graph's doubly linked list (``_prev``/``_next``) so that nodes can be
inserted and erased while the graph is being iterated, as PyTorch allows.
"""
import builtins
import types
from typing import Any, Callable, Union

__all__ = ["Node", "map_arg", "map_aggregate", "Target", "Argument", "has_side_effect"]

Target = Union[Callable[..., Any], str]
Argument = Any

# functions whose call must survive dead-code elimination even when nothing uses the result
_side_effectful_functions = set()


def has_side_effect(fn):
    """Mark ``fn`` so that ``Graph.eliminate_dead_code`` keeps its calls."""
    _side_effectful_functions.add(fn)
    return fn


def map_aggregate(a, fn):
    """Apply ``fn`` to every leaf of the nested tuples/lists/dicts/slices ``a``."""
    if isinstance(a, tuple):
        t = tuple(map_aggregate(elem, fn) for elem in a)
        # namedtuples keep their type, as torch.fx's does
        return t if not hasattr(a, "_fields") else type(a)(*t)
    if isinstance(a, list):
        return [map_aggregate(elem, fn) for elem in a]
    if isinstance(a, dict):
        return {k: map_aggregate(v, fn) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(map_aggregate(a.start, fn), map_aggregate(a.stop, fn),
                     map_aggregate(a.step, fn))
    return fn(a)


def map_arg(a, fn):
    """Apply ``fn`` to every ``Node`` inside the nested structure ``a``."""
    if not callable(fn):
        raise AssertionError("torch.fx.map_arg(a, fn): fn must be a callable")
    return map_aggregate(a, lambda x: fn(x) if isinstance(x, Node) else x)


def _qualified_name(func):
    """PyTorch's dotted name for ``func`` (``torch.cat``, ``operator.add``, ``getattr``)."""
    from ._dispatch import torch_name
    name = torch_name(func)
    if name is not None:
        return name
    if getattr(builtins, getattr(func, "__name__", ""), None) is func:
        return func.__name__
    if isinstance(func, (types.MethodDescriptorType, types.WrapperDescriptorType)) \
            and func is getattr(getattr(func, "__objclass__", None), func.__name__, None):
        return f"{func.__objclass__.__module__}.{func.__objclass__.__qualname__}.{func.__name__}"
    name = func.__name__
    if name == "<lambda>":
        raise RuntimeError("Unable to represent lambda")
    module = getattr(func, "__module__", None) or ""
    if module == "_operator":
        module = "operator"
    return f"{module}.{name}".replace("galton.", "torch.", 1) if module.startswith("galton") \
        else f"{module}.{name}"


def _format_arg(arg, max_list_len=float("inf")):
    """An argument as ``Graph.__str__`` shows it: nodes as ``%name``."""
    if hasattr(arg, "_custom_fx_repr_fn"):
        return arg._custom_fx_repr_fn()
    if isinstance(arg, list):
        items = ", ".join(_format_arg(a) for idx, a in enumerate(arg) if idx < max_list_len)
        maybe_len = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        return f"[{items}{maybe_len}]"
    if isinstance(arg, tuple):
        items = ", ".join(_format_arg(a) for idx, a in enumerate(arg) if idx < max_list_len)
        maybe_len = "" if len(arg) < max_list_len + 1 else f", ...[total_len={len(arg)}]"
        maybe_comma = "," if len(arg) == 1 else ""
        return f"({items}{maybe_comma}{maybe_len})"
    if isinstance(arg, dict):
        items_str = ", ".join(f"{k}: {_format_arg(v)}" for k, v in arg.items())
        return f"{{{items_str}}}"
    if isinstance(arg, Node):
        return "%" + str(arg)
    return str(arg)


class Node:
    """One operation in a ``Graph``: ``op`` is one of ``placeholder``, ``get_attr``,
    ``call_function``, ``call_module``, ``call_method``, ``output``."""

    def __init__(self, graph, name, op, target, args, kwargs, return_type=None):
        if op not in ("placeholder", "call_method", "call_module", "call_function",
                      "get_attr", "output", "root"):
            raise AssertionError(f"Unknown op {op!r}")
        if op == "call_function" and not callable(target):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has "
                             f"type {type(target)} but a Callable is expected")
        if op in ("placeholder", "call_method", "call_module", "get_attr", "output") \
                and not isinstance(target, str):
            raise ValueError(f"Node [graph = {graph}, name = '{name}'] target {target} has "
                             f"type {type(target)} but a str is expected")
        self.graph = graph
        self.name = name
        self.op = op
        self.target = target
        self._input_nodes = {}
        self._args = ()
        self._kwargs = {}
        self.users = {}
        self.type = return_type
        self._prev = self
        self._next = self
        self._erased = False
        self.meta = {}
        self._update_args_kwargs(args, kwargs)

    @property
    def stack_trace(self):
        """Where the node was recorded from (None: galton's tracer keeps no stack traces)."""
        return self.meta.get("stack_trace", None)

    @stack_trace.setter
    def stack_trace(self, trace):
        self.meta["stack_trace"] = trace

    # --- list links ---------------------------------------------------------------------
    @property
    def next(self):
        return self._next

    @property
    def prev(self):
        return self._prev

    def _remove_from_list(self):
        p, n = self._prev, self._next
        p._next, n._prev = n, p

    def _prepend(self, x):
        if self == x:
            return
        x._remove_from_list()
        p = self._prev
        p._next, x._prev = x, p
        x._next, self._prev = self, x

    def prepend(self, x):
        """Put ``x`` right before this node."""
        self._prepend(x)

    def append(self, x):
        """Put ``x`` right after this node."""
        self._next._prepend(x)

    # --- arguments ------------------------------------------------------------------------
    @property
    def args(self):
        return self._args

    @args.setter
    def args(self, a):
        self._update_args_kwargs(a, self._kwargs)

    @property
    def kwargs(self):
        return self._kwargs

    @kwargs.setter
    def kwargs(self, k):
        self._update_args_kwargs(self._args, k)

    @property
    def all_input_nodes(self):
        """The nodes this node reads, in the order its arguments name them."""
        return list(self._input_nodes.keys())

    def update_arg(self, idx, arg):
        args = list(self.args)
        args[idx] = arg
        self.args = tuple(args)

    def update_kwarg(self, key, arg):
        self.kwargs = {**self.kwargs, key: arg}

    def _update_args_kwargs(self, new_args, new_kwargs):
        for old_use in self._input_nodes:
            old_use.users.pop(self)
        self._input_nodes = {}

        def collect(n):
            self._input_nodes.setdefault(n)
            return n
        self._args = map_arg(tuple(new_args), collect)
        self._kwargs = map_arg(dict(new_kwargs), collect)
        for new_use in self._input_nodes:
            new_use.users.setdefault(self)

    def replace_all_uses_with(self, replace_with, delete_user_cb=lambda user: True, *,
                              propagate_meta=False):
        """Make every user of this node read ``replace_with`` instead; the users changed."""
        if propagate_meta:
            for k, v in self.meta.items():
                replace_with.meta.setdefault(k, v)
        to_process = list(self.users)
        skipped = []
        for use_node in to_process:
            if not delete_user_cb(use_node):
                skipped.append(use_node)
                continue
            use_node.replace_input_with(self, replace_with)
        return [n for n in to_process if n not in skipped]

    def replace_input_with(self, old_input, new_input):
        """Read ``new_input`` wherever this node read ``old_input``."""
        def swap(n):
            return new_input if n is old_input else n
        self._update_args_kwargs(map_arg(self._args, swap), map_arg(self._kwargs, swap))

    def is_impure(self):
        if self.op in ("placeholder", "output"):
            return True
        if self.op == "call_function":
            return self.target in _side_effectful_functions
        return False

    # --- printing -------------------------------------------------------------------------
    def __repr__(self):
        return self.name

    def _pretty_print_target(self, target):
        if isinstance(target, str):
            return target
        if hasattr(target, "__module__"):
            name = getattr(target, "__name__", None)
            if name is None:
                return _qualified_name(target)
            if target.__module__ == "builtins":
                return f"builtins.{name}"
            if target.__module__ == "_operator":
                return f"operator.{name}"
        return _qualified_name(target)

    def format_node(self):
        """This node as one line of ``str(graph)`` (None for the output node when names are
        being collected)."""
        from .graph import _type_repr
        typename = f"{_type_repr(self.type)} " if self.type is not None else ""
        if self.op == "placeholder":
            default = f"(default={self.args[0]})" if self.args else ""
            return (f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
                    f"[target={self.target}]{default}")
        if self.op == "get_attr":
            return (f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
                    f"[target={self._pretty_print_target(self.target)}]")
        if self.op == "output":
            return f"return {self.args[0]}" if self.args else "return None"
        return (f"%{self.name} : {typename}[num_users={len(self.users)}] = {self.op}"
                f"[target={self._pretty_print_target(self.target)}]"
                f"(args = {_format_arg(self.args)}, kwargs = {_format_arg(self.kwargs)})")

