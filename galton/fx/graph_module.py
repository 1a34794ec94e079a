"""``GraphModule``: a Module whose ``forward`` is the Python code generated from a ``Graph``,
as in ``torch.fx.graph_module``.

It holds the submodules, parameters and buffers the graph's ``call_module``/``get_attr``
nodes name, copied (shared, not cloned) from the root module under the same dotted paths, so
its state_dict keys are the root's. Each instance gets a class of its own, named as the root's
class, because ``forward`` is set on the class by ``recompile``.
"""
import copy
import linecache

from .graph import Graph

__all__ = ["GraphModule"]

_next_id = [0]


def _Module():
    import galton
    return galton.nn.Module


def _copy_attr(from_module, to_module, target):
    *prefix, field = target.split(".")
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return  # already installed (the whole submodule)
        if t is None:
            t = _Module()()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    _install(to_module, field, orig)


def _assign_attr(from_obj, to_module, target):
    *prefix, field = target.split(".")
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = _Module()()
            setattr(to_module, item, t)
        to_module = t
    _install(to_module, field, from_obj)


def _install(to_module, field, orig):
    import galton
    # a plain tensor is a buffer, so that it moves with .to() and shows in state_dict
    if isinstance(orig, galton.Tensor) and not isinstance(orig, galton.nn.Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _exec_with_source(src, globals_):
    # a file name of its own, in linecache, so that tracebacks show the generated lines
    key = f"<eval_with_key>.{_next_id[0]}"
    _next_id[0] += 1
    linecache.cache[key] = (len(src), None, src.splitlines(True), key)
    exec(compile(src, key, "exec"), globals_)


class GraphModule(_Module()):
    """``GraphModule(root, graph, class_name='GraphModule')``: ``root`` is a Module (or a
    dict from qualified names to submodules/tensors) the graph's attributes come from."""

    def __new__(cls, *args, **kwargs):
        for t in cls.__mro__:
            c = t.__qualname__.split(".")[-1]
            if c != "GraphModuleImpl":
                cls = t
                break

        class GraphModuleImpl(cls):
            pass
        return super().__new__(GraphModuleImpl)

    def __init__(self, root, graph, class_name="GraphModule"):
        super().__init__()
        self.__class__.__name__ = class_name
        Module = _Module()
        if isinstance(root, Module):
            if hasattr(root, "training"):
                self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    assert isinstance(node.target, str)
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            targets_to_copy = []
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    assert isinstance(node.target, str)
                    if node.target not in root:
                        raise RuntimeError(f"Node {node} referenced target {node.target} but "
                                           f"that target was not provided in ``root``!")
                    targets_to_copy.append(node.target)
            # parents before children, so a submodule is not overwritten by a parent's copy
            targets_to_copy.sort(key=lambda t: t.count("."))
            for target_to_copy in targets_to_copy:
                _assign_attr(root[target_to_copy], self, target_to_copy)
        else:
            raise RuntimeError(f"Unsupported type {root} passed for root!")
        self.graph = graph
        self._tracer_cls = getattr(graph, "_tracer_cls", None)
        self.meta = {}

    @property
    def graph(self):
        return self._graph

    @graph.setter
    def graph(self, g):
        assert isinstance(g, Graph), f"Expected a Graph instance, but got {type(g)}"
        self.__dict__["_graph"] = g
        g.owning_module = self
        self.recompile()

    @property
    def code(self):
        """The Python source of ``forward``."""
        if not hasattr(self, "_code"):
            raise RuntimeError("Code has not been generated! Please report a bug to PyTorch")
        return self._code

    def recompile(self):
        """Regenerate ``forward`` from ``self.graph`` (after editing the graph)."""
        python_code = self._graph.python_code(root_module="self")
        self.__dict__["_code"] = python_code.src
        self.__dict__["_lineno_map"] = python_code._lineno_map
        globals_ = dict(python_code.globals)
        _exec_with_source(self._code, globals_)
        type(self).forward = globals_["forward"]
        return python_code

    def print_readable(self, print_output=True, include_stride=False, include_device=False,
                       colored=False):
        """The generated code as a class definition, submodules included."""
        verbose_python_code = self._graph.python_code(root_module="self")
        module_code = verbose_python_code.src.lstrip("\n")
        # PyTorch's verbose code says where each node came from; no node keeps a stack trace
        # here (record_stack_traces is off), which it says once, at the top
        head, sep, body = module_code.partition(":\n")
        module_code = f"{head}{sep}    # No stacktrace found for following nodes\n{body}"
        module_code = f"class {self._get_name()}(torch.nn.Module):\n" + "\n".join(
            "    " + line if line else line for line in module_code.split("\n"))
        module_code = module_code.rstrip() + "\n"
        submodule_code_list = [""]
        for submodule_name, submodule in self.named_children():
            if isinstance(submodule, GraphModule):
                inner = submodule.print_readable(print_output=False)
                submodule_code_list.append("\n".join(
                    "    " + line if line else line for line in inner.split("\n")))
        output = module_code + "\n".join(submodule_code_list)
        if print_output:
            print(output)
        return output

    def add_submodule(self, target, m):
        """Install ``m`` at the dotted path ``target``, making the Modules on the way;
        False if something other than a Module is in the way."""
        *prefix, field = target.split(".")
        mod = self
        for item in prefix:
            submod = getattr(mod, item, None)
            if submod is None:
                submod = _Module()()
                setattr(mod, item, submod)
            if not isinstance(submod, _Module()):
                return False
            mod = submod
        mod.add_module(field, m)
        return True

    def delete_submodule(self, target):
        """Remove the submodule at ``target``; False if there is none."""
        atoms = target.split(".")
        path, target_submod = atoms[:-1], atoms[-1]
        mod = self
        for item in path:
            if not hasattr(mod, item):
                return False
            mod = getattr(mod, item)
            if not isinstance(mod, _Module()):
                return False
        if not hasattr(mod, target_submod):
            return False
        if not isinstance(getattr(mod, target_submod), _Module()):
            return False
        delattr(mod, target_submod)
        return True

    def delete_all_unused_submodules(self):
        """Remove the submodules no ``call_module``/``get_attr`` node reaches."""
        used = []
        for node in self.graph.nodes:
            if node.op in ("call_module", "get_attr"):
                fullpath = node.target.split(".")
                used.extend(".".join(fullpath[:i]) for i in range(1, len(fullpath) + 1))
                if node.op == "call_module":
                    submod = self.get_submodule(node.target)
                    used.extend(f"{node.target}.{n}" for n, _ in submod.named_modules()
                                if n != "")
        to_delete = [name for name, _ in self.named_modules() if name and name not in used]
        for name in to_delete:
            self.delete_submodule(name)

    def _get_name(self):
        return type(self).__name__

    def __str__(self):
        orig_str = super().__str__()
        print_readable_reminder = ("# To see more debug info, please use "
                                   "`graph_module.print_readable()`")
        return "\n".join([orig_str, self._code, print_readable_reminder])

    def __copy__(self):
        res = GraphModule(self, self.graph)
        res.meta = getattr(self, "meta", {})
        return res

    def __deepcopy__(self, memo):
        res = type(self).__new__(type(self))
        memo[id(self)] = res
        fake_mod = _Module()()
        fake_mod.__dict__ = copy.deepcopy(self.__dict__, memo)
        GraphModule.__init__(res, fake_mod, fake_mod.__dict__["_graph"])
        res.__class__.__name__ = type(self).__name__
        return res
