"""``Graph``, FX's intermediate representation, as in ``torch.fx.graph``: a list of ``Node``s,
with the methods that build and edit it and ``python_code``, which writes it back as the body
of a ``forward`` in PyTorch's layout (``add = x + y;  x = y = None``).
"""
import builtins
import enum
import inspect
import keyword
import math
import re
import typing
from collections import defaultdict

from .node import Node, _qualified_name, map_arg

__all__ = ["Graph", "PythonCode", "CodeGen"]

reflectable_magic_methods = {
    "add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "floordiv": "{} // {}",
    "truediv": "{} / {}", "mod": "{} % {}", "pow": "{} ** {}", "lshift": "{} << {}",
    "rshift": "{} >> {}", "and_": "{} & {}", "or_": "{} | {}", "xor": "{} ^ {}",
    "getitem": "{}[{}]", "matmul": "{} @ {}",
}
magic_methods = dict({
    "eq": "{} == {}", "ne": "{} != {}", "lt": "{} < {}", "gt": "{} > {}", "le": "{} <= {}",
    "ge": "{} >= {}", "pos": "+{}", "neg": "-{}", "invert": "~{}"}, **reflectable_magic_methods)

# names generated code must not shadow: what its own globals hold
_custom_builtins = {"inf": math.inf, "nan": math.nan, "NoneType": type(None), "torch": None}


def _snake_case(s):
    """``ReLU`` -> ``re_l_u`` the way torch.fx names call_method/get_attr nodes."""
    chars = []
    prev_lower = False
    for c in s:
        if prev_lower and c.isupper():
            chars.append("_")
        chars.append(c.lower())
        prev_lower = c.islower()
    return "".join(chars)


def _is_magic(x):
    return x.startswith("__") and x.endswith("__")


class _Namespace:
    """Unique Python identifiers for nodes and globals (``add``, ``add_1``, ``max_1``)."""
    _illegal_char_regex = re.compile("[^0-9a-zA-Z_]+")
    _name_suffix_regex = re.compile(r"(.*)_(\d+)$")

    def __init__(self):
        self._obj_to_name = {}
        self._used_names = set()
        self._base_count = defaultdict(int)

    def create_name(self, candidate, obj):
        if obj is not None and id(obj) in self._obj_to_name:
            return self._obj_to_name[id(obj)]
        candidate = self._illegal_char_regex.sub("_", candidate)
        if not candidate:
            candidate = "_unnamed"
        if candidate[0].isdigit():
            candidate = f"_{candidate}"
        match = self._name_suffix_regex.match(candidate)
        if match is None:
            base, num = candidate, None
        else:
            base, num_str = match.group(1, 2)
            num = int(num_str)
        candidate = base if num is None else f"{base}_{num}"
        if not num:
            num = self._base_count[base]
        while candidate in self._used_names or self._is_illegal_name(candidate, obj):
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[id(obj)] = candidate
        return candidate

    def associate_name_with_obj(self, name, obj):
        self._obj_to_name[id(obj)] = name

    def _rename_object(self, obj, name):
        self._obj_to_name[id(obj)] = name

    def _is_illegal_name(self, name, obj):
        if name in keyword.kwlist:
            return True
        if name in builtins.__dict__:
            return obj is not builtins.__dict__[name]
        if name in _custom_builtins:
            return obj is not _custom_builtins[name]
        return False


class PythonCode:
    """``src`` (the Python source of ``forward``) and ``globals`` (what it refers to)."""

    def __init__(self, src, globals_, _lineno_map=None):
        self.src = src
        self.globals = globals_
        self._lineno_map = _lineno_map


def _format_target(base, target):
    """``self.layer1`` / ``getattr(self.seq, "0")`` for the dotted path ``target``."""
    r = base
    for elem in target.split("."):
        r = f"{r}.{elem}" if elem.isidentifier() else f'getattr({r}, "{elem}")'
    return r


def _type_repr(obj):
    """A type as torch.fx prints it: ``torch.Tensor``, ``int``,
    ``typing.Optional[torch.Tensor]``."""
    import galton
    if obj is galton.Tensor:
        return "torch.Tensor"
    if isinstance(obj, type):
        if obj.__module__ == "builtins":
            return obj.__qualname__
        return f"{obj.__module__}.{obj.__qualname__}".replace("galton.", "torch.", 1) \
            if obj.__module__.startswith("galton") else f"{obj.__module__}.{obj.__qualname__}"
    if obj is ...:
        return "..."
    return repr(obj).replace("galton.tensor.Tensor", "torch.Tensor")


# typing's names for the builtin containers a generic alias is printed with (List[int])
_origin_type_map = {list: typing.List, dict: typing.Dict, set: typing.Set,
                    frozenset: typing.FrozenSet, tuple: typing.Tuple}


class CodeGen:
    """Writes a graph as Python source (``Graph.python_code``)."""

    def gen_fn_def(self, free_vars, maybe_return_annotation):
        if not free_vars or free_vars[0] != "self":
            free_vars.insert(0, "self")
        return f"def forward({', '.join(free_vars)}){maybe_return_annotation}:"

    def _gen_python_code(self, nodes, root_module, namespace):
        import galton
        free_vars = []
        body = []
        globals_ = {"torch": galton}
        wrapped_fns = {}
        maybe_return_annotation = [""]

        def add_global(name_hint, obj):
            if _qualified_name_is_torch(obj):
                return _qualified_name(obj)
            global_name = namespace.create_name(name_hint, obj)
            globals_[global_name] = obj
            return global_name

        for name, obj in _custom_builtins.items():
            if obj is not None:
                add_global(name, obj)

        def repr_arg(arg):
            if isinstance(arg, Node):
                return repr(arg)
            if isinstance(arg, tuple) and hasattr(arg, "_fields"):
                qual = add_global(type(arg).__name__, type(arg))
                return f"{qual}({', '.join(repr_arg(a) for a in arg)})"
            if isinstance(arg, tuple):
                items = ", ".join(repr_arg(a) for a in arg)
                return f"({items},)" if len(arg) == 1 else f"({items})"
            if isinstance(arg, list):
                return f"[{', '.join(repr_arg(a) for a in arg)}]"
            if isinstance(arg, dict):
                return "{" + ", ".join(f"{k!r}: {repr_arg(v)}" for k, v in arg.items()) + "}"
            if isinstance(arg, slice):
                return (f"slice({repr_arg(arg.start)}, {repr_arg(arg.stop)}, "
                        f"{repr_arg(arg.step)})")
            if isinstance(arg, galton.dtype):
                return f"torch.{str(arg).split('.')[-1]}"
            if isinstance(arg, galton.device):
                return f"device({str(arg)!r})"
            if isinstance(arg, enum.Enum):
                return f"{add_global(type(arg).__name__, type(arg))}.{arg.name}"
            if isinstance(arg, float) and not math.isfinite(arg):
                return "nan" if math.isnan(arg) else ("inf" if arg > 0 else "-inf")
            if callable(arg) and not isinstance(arg, type):
                return add_global(_qualified_name(arg), arg)
            if isinstance(arg, type):
                return add_global(arg.__name__, arg)
            return repr(arg)

        def type_repr(o):
            # an annotation in the generated signature; its typing names become globals
            if o == ():
                return "()"
            if o is galton.Tensor:
                return "torch.Tensor"
            if hasattr(o, "__origin__"):
                origin_type = _origin_type_map.get(o.__origin__, o.__origin__)
                origin_typename = add_global(_type_repr(origin_type), origin_type)
                args = [type_repr(arg) for arg in getattr(o, "__args__", ())]
                return f"{origin_typename}[{','.join(args)}]" if args else origin_typename
            return add_global(_type_repr(o), o)

        def format_args(args, kwargs):
            parts = [repr_arg(a) for a in args]
            parts += [f"{k} = {repr_arg(v)}" for k, v in kwargs.items()]
            return ", ".join(parts)

        # where each value is read for the last time: it is set to None there, as PyTorch does
        node_to_last_use = {}
        user_to_last_uses = {}

        def register_last_uses(n, user):
            if n not in node_to_last_use:
                node_to_last_use[n] = user
                user_to_last_uses.setdefault(user, []).append(n)

        for node in reversed(nodes):
            map_arg(node.args, lambda n: register_last_uses(n, node))
            map_arg(node.kwargs, lambda n: register_last_uses(n, node))

        def delete_unused_values(user):
            if user.op == "placeholder":
                return
            if user.op == "output":
                body.append("\n")
                return
            nodes_to_delete = list(user_to_last_uses.get(user, []))
            if len(user.users) == 0:
                nodes_to_delete.append(user)
            if nodes_to_delete:
                body.append(";  " + " = ".join([repr(n) for n in nodes_to_delete] + ["None"])
                            + "\n")
            else:
                body.append("\n")

        def emit_node(node):
            if node.op == "placeholder":
                annotation = ""
                if node.type is not None:
                    annotation = f" : {type_repr(node.type)}"
                default = f" = {repr_arg(node.args[0])}" if node.args else ""
                free_vars.append(f"{node.target}{annotation}{default}")
                raw_name = node.target.replace("*", "")
                if raw_name != repr(node):
                    body.append(f"{repr(node)} = {raw_name}\n")
                return
            if node.op == "call_method":
                body.append(f"{repr(node)} = {repr_arg(node.args[0])}.{node.target}"
                            f"({format_args(node.args[1:], node.kwargs)})")
                return
            if node.op == "call_function":
                target = node.target
                name = getattr(target, "__name__", None)
                if getattr(target, "__module__", None) == "_operator" and name in magic_methods:
                    if isinstance(node.args, tuple) and not node.kwargs:
                        body.append(f"{repr(node)} = "
                                    f"{magic_methods[name].format(*(repr_arg(a) for a in node.args))}")
                        return
                if target is getattr and len(node.args) == 2 and not node.kwargs \
                        and isinstance(node.args[1], str) and node.args[1].isidentifier():
                    body.append(f"{repr(node)} = {repr_arg(node.args[0])}.{node.args[1]}")
                    return
                global_name = add_global(_qualified_name(target), target)
                if node.meta.get("is_wrapped", False):
                    wrapped_fns.setdefault(global_name)
                body.append(f"{repr(node)} = {global_name}({format_args(node.args, node.kwargs)})")
                return
            if node.op == "call_module":
                body.append(f"{repr(node)} = {_format_target(root_module, node.target)}"
                            f"({format_args(node.args, node.kwargs)})")
                return
            if node.op == "get_attr":
                body.append(f"{repr(node)} = {_format_target(root_module, node.target)}")
                return
            if node.op == "output":
                if node.type is not None:
                    maybe_return_annotation[0] = f" -> {type_repr(node.type)}"
                body.append(f"return {repr_arg(node.args[0]) if node.args else 'None'}")
                return
            raise NotImplementedError(f"node: {node.op} {node.target}")

        for node in nodes:
            emit_node(node)
            delete_unused_values(node)

        if len(body) == 0:
            body.append("pass\n")
        # the generated module re-registers its wrapped functions, as PyTorch's does
        wrap_stmts = "\n".join(f'torch.fx._symbolic_trace.wrap("{name}")'
                                   for name in wrapped_fns)
        prologue = self.gen_fn_def(free_vars, maybe_return_annotation[0])
        code = "".join(body).lstrip("\n")
        code = "\n".join("    " + line for line in code.split("\n"))
        fn_code = f"\n{wrap_stmts}\n\n{prologue}\n{code}"
        return PythonCode(fn_code, globals_)


def _qualified_name_is_torch(obj):
    from ._dispatch import torch_name
    return torch_name(obj) is not None


class _InsertPoint:
    def __init__(self, graph, new_insert):
        self.graph = graph
        self.orig_insert, graph._insert = graph._insert, new_insert

    def __enter__(self):
        pass

    def __exit__(self, exc_type, exc_value, tb):
        self.graph._insert = self.orig_insert


class _NodeList:
    """The graph's nodes in order; nodes erased while iterating are skipped."""

    def __init__(self, graph, direction="_next"):
        self.graph = graph
        self.direction = direction

    def __len__(self):
        return self.graph._len

    def __iter__(self):
        root = self.graph._root
        cur = getattr(root, self.direction)
        while cur is not root:
            if not cur._erased:
                yield cur
            cur = getattr(cur, self.direction)

    def __reversed__(self):
        return _NodeList(self.graph, "_prev" if self.direction == "_next" else "_next")


class Graph:
    """A list of nodes: placeholders (inputs), operations, one output."""

    def __init__(self, owning_module=None, tracer_cls=None, tracer_extras=None):
        self._root = Node(self, "", "root", "", (), {})
        self._used_names = {}
        self._insert = self._root.prepend
        self._len = 0
        self._graph_namespace = _Namespace()
        self._owning_module = owning_module
        self._tracer_cls = tracer_cls
        self._tracer_extras = tracer_extras
        self._codegen = CodeGen()

    @property
    def owning_module(self):
        return self._owning_module

    @owning_module.setter
    def owning_module(self, mod):
        self._owning_module = mod

    @property
    def nodes(self):
        return _NodeList(self)

    def find_nodes(self, *, op, target=None, sort=True):
        return [n for n in self.nodes if n.op == op and (target is None or n.target == target)]

    # --- building -------------------------------------------------------------------------
    def create_node(self, op, target, args=None, kwargs=None, name=None, type_expr=None):
        """A new node at the insertion point (the end, unless ``inserting_before/after``)."""
        args = () if args is None else args
        kwargs = {} if kwargs is None else kwargs
        if not isinstance(args, tuple):
            raise AssertionError("args must be a tuple")
        if not isinstance(kwargs, dict):
            raise AssertionError("kwargs must be a dict")
        candidate = name if name is not None else self._target_to_str(target)
        name = self._graph_namespace.create_name(candidate, None)
        n = Node(self, name, op, target, args, kwargs, type_expr)
        self._graph_namespace.associate_name_with_obj(name, n)
        self._insert(n)
        self._len += 1
        return n

    def placeholder(self, name, type_expr=None, default_value=inspect.Parameter.empty):
        args = () if default_value is inspect.Parameter.empty else (default_value,)
        return self.create_node("placeholder", name, args=args, type_expr=type_expr)

    def get_attr(self, qualified_name, type_expr=None):
        return self.create_node("get_attr", qualified_name, type_expr=type_expr)

    def call_module(self, module_name, args=None, kwargs=None, type_expr=None):
        return self.create_node("call_module", module_name, args, kwargs, type_expr=type_expr)

    def call_method(self, method_name, args=None, kwargs=None, type_expr=None):
        return self.create_node("call_method", method_name, args, kwargs, type_expr=type_expr)

    def call_function(self, the_function, args=None, kwargs=None, type_expr=None, name=None):
        return self.create_node("call_function", the_function, args, kwargs, name=name,
                                type_expr=type_expr)

    def output(self, result, type_expr=None):
        return self.create_node(op="output", target="output", args=(result,),
                                type_expr=type_expr)

    def _target_to_str(self, target):
        if callable(target):
            op = target.__name__
        else:
            assert isinstance(target, str)
            op = target
            if _is_magic(op):
                op = op[2:-2]
        return _snake_case(op)

    def inserting_before(self, n=None):
        if n is None:
            return self.inserting_after(self._root)
        assert n.graph is self, "Node to insert before is not in graph."
        return _InsertPoint(self, n.prepend)

    def inserting_after(self, n=None):
        if n is None:
            return self.inserting_before(self._root)
        assert n.graph is self, "Node to insert after is not in graph."
        return _InsertPoint(self, n.append)

    def erase_node(self, to_erase):
        """Remove a node nothing uses any more."""
        if len(to_erase.users) > 0:
            raise RuntimeError(f"Tried to erase Node {to_erase} but it still had "
                               f"{len(to_erase.users)} users in the graph: {to_erase.users}!")
        if to_erase.graph is not self:
            raise RuntimeError(f"Attempting to remove {to_erase} from wrong graph!")
        if to_erase._erased:
            return
        to_erase._remove_from_list()
        to_erase._erased = True
        self._len -= 1
        to_erase._update_args_kwargs((), {})

    def node_copy(self, node, arg_transform=lambda x: x):
        """A copy of ``node`` (from any graph) here, its inputs mapped by ``arg_transform``."""
        args = map_arg(node.args, arg_transform)
        kwargs = map_arg(node.kwargs, arg_transform)
        assert isinstance(args, tuple)
        assert isinstance(kwargs, dict)
        result_node = self.create_node(node.op, node.target, args, kwargs, node.name, node.type)
        result_node.meta = dict(node.meta)
        return result_node

    def graph_copy(self, g, val_map, return_output_node=False):
        """Copy the nodes of ``g`` (but its output) here; ``val_map`` maps g's nodes to
        ours. Returns the copied output value."""
        for node in g.nodes:
            if node in val_map:
                continue
            if node.op == "output":
                rv = map_arg(node.args[0], lambda n: val_map[n])
                return (rv, node) if return_output_node else rv
            val_map[node] = self.node_copy(node, lambda n: val_map[n])
        return None

    def __deepcopy__(self, memo=None):
        g = Graph(tracer_cls=self._tracer_cls)
        output_vals = g.graph_copy(self, val_map={}, return_output_node=True)
        if output_vals is not None:
            output_val, old_output_node = output_vals
            new_output_node = g.output(output_val, type_expr=getattr(old_output_node, "type",
                                                                    None))
            new_output_node.meta = dict(old_output_node.meta)
        return g

    # --- checking and cleaning -------------------------------------------------------------
    def lint(self):
        """Check the graph is well formed: inputs defined before use, one output, targets
        that exist on the owning module."""
        seen_names = set()
        seen_values = set()

        def check_arg(arg, n=None):
            context_str = f" of Node '{n}' " if n else " "
            if arg.graph is not self:
                raise RuntimeError(f"Argument '{arg}'{context_str}does not belong to this "
                                   f"Graph, but was used as an argument! If you are copying "
                                   f"nodes from another graph, make sure to use "
                                   f"``arg_transform`` on node_copy() to remap values\n{self}")
            if arg not in seen_values:
                raise RuntimeError(f"Argument '{arg}'{context_str}was used before it has been "
                                   f"defined! Please check that Nodes in the graph are "
                                   f"topologically ordered\n{self}")

        for node in self.nodes:
            if node.graph is not self:
                raise RuntimeError(f"Node '{node}' does not belong to this Graph!")
            map_arg(node.args, lambda arg: check_arg(arg, node))
            map_arg(node.kwargs, lambda arg: check_arg(arg, node))
            seen_values.add(node)
            if node.name in seen_names:
                raise RuntimeError(f"Node redefined name {node.name}!")
            seen_names.add(node.name)

        if self.owning_module:
            for node in self.nodes:
                if node.op == "call_function" and not callable(node.target):
                    raise ValueError(f"Node {node} target {node.target} has type "
                                     f"{type(node.target)} but a Callable is expected")
                if node.op in ("get_attr", "call_module"):
                    target_atoms = node.target.split(".")
                    m_itr = self.owning_module
                    for i, atom in enumerate(target_atoms):
                        new_m_itr = getattr(m_itr, atom, None)
                        seen_qualname = ".".join(target_atoms[:i])
                        if new_m_itr is None:
                            raise RuntimeError(f"Node {node} target {node.target} references "
                                               f"nonexistent attribute {atom} of "
                                               f"{seen_qualname}")
                        m_itr = new_m_itr

    def eliminate_dead_code(self, is_impure_node=None):
        """Erase the nodes whose values nothing uses (pure ones only); True if any."""
        self.lint()  # a graph out of order would lose live nodes
        changed = False
        for node in reversed(self.nodes):
            impure = is_impure_node(node) if is_impure_node is not None else node.is_impure()
            if not impure and len(node.users) == 0:
                self.erase_node(node)
                changed = True
        return changed

    # --- printing -------------------------------------------------------------------------
    def python_code(self, root_module, *, verbose=False, include_stride=False,
                    include_device=False, colored=False):
        """The graph as the Python source of ``forward`` (``.src``) and its globals."""
        namespace = _Namespace()
        for node in self.nodes:
            namespace.create_name(node.name, node)
        return self._codegen._gen_python_code(list(self.nodes), root_module, namespace)

    def __str__(self):
        node_strs = [node.format_node() for node in self.nodes]
        s = "graph():"
        for node_str in node_strs:
            if node_str:
                s += "\n    " + node_str
        return s

    def print_tabular(self):
        """The nodes as a table (opcode, name, target, args, kwargs), laid out as the
        ``tabulate`` package's plain format lays it out."""
        rows = [[n.op, n.name, str(n.target), str(n.args), str(n.kwargs)] for n in self.nodes]
        headers = ["opcode", "name", "target", "args", "kwargs"]
        # tabulate pads each header by two at least
        widths = [max([len(h) + 2] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
        print("\n".join(lines))

