"""The model graph ``SummaryWriter.add_graph`` logs: a ``galton.jit`` trace as TensorBoard nodes.

TensorBoard's graph tab reads a TensorFlow ``GraphDef``: named nodes, each with an op type,
the names of the nodes it reads, and attributes. The names carry the grouping: every ``/``
opens a box that can be expanded. Nodes are named as PyTorch's ``add_graph`` names them:

    input/x                                  an input of the model ("IO Node")
    Net/Conv2d[conv1]/weight                 a parameter or buffer, in its module's box
    Net/Conv2d[conv1]/conv2d.3               an op, in the box of the module that ran it;
                                             the number is the traced value it made
    output/output.1                          an output of the model ("IO Node")

An op with several results is read as ``name:k`` for its k-th result (TensorFlow's spelling).
Each node has the shapes of its results as ``_output_shapes`` (the shapes of the example run)
and, for ops, their non-tensor arguments as the text attribute ``attr``. The nodes are plain
dicts here; the encoders (``_library.py``, ``_fallback.py``) turn them into protobuf.
"""
from ...jit.graph import format_arg
from ...nn.parameter import Parameter


def graph_nodes(model, input_to_model=None, verbose=False):
    """Trace ``model`` on ``input_to_model`` (a tensor, a tuple/list of tensors or None) in eval
    mode and return the graph as a list of ``{"name", "op", "inputs", "shapes", "attr"}``."""
    from ... import no_grad
    from ...jit.trace import run_trace
    from ...tensor import Tensor
    if input_to_model is None:
        inputs = ()
    elif isinstance(input_to_model, Tensor):
        inputs = (input_to_model,)
    else:
        inputs = tuple(input_to_model)
    modes = [(m, m.training) for m in model.modules()] if hasattr(model, "modules") else []
    for m, _ in modes:
        m.training = False  # as PyTorch: the graph of the model in eval mode
    try:
        with no_grad():
            rec, _ = run_trace(model, inputs)
    finally:
        for m, mode in modes:
            m.training = mode
    if verbose:
        print(rec.graph)
    return _Namer(model, rec).nodes()


def _refs(a, acc):
    """Every tensor reference in a node's arguments, in order (a traced size reads its tensor)."""
    if isinstance(a, dict):
        if "v" in a or "p" in a or "c" in a:
            acc.append(a)
        elif "size" in a:
            acc.append(a["size"][0])
        else:
            for v in a.values():
                _refs(v, acc)
    elif isinstance(a, (list, tuple)):
        for v in a:
            _refs(v, acc)
    return acc


class _Namer:
    """Names TensorBoard nodes after the model's module tree."""

    def __init__(self, model, rec):
        self.rec, self.graph = rec, rec.graph
        self.base = (getattr(model, "original_name", None) or
                     (type(model).__name__ if hasattr(model, "forward")
                      else getattr(model, "__name__", "function")))
        named = model.named_modules() if hasattr(model, "named_modules") else ()
        # a loaded traced module stands in for submodules with placeholders: no class to show
        self.classes = {name: type(m).__name__ for name, m in named
                        if name and type(m).__name__ != "_Holder"}
        self.out = []
        self.producer = {}  # value index -> the name TensorBoard reads it by
        self.made = set()   # parameters and constants that already have a node

    def box(self, scope):
        """``layer1.0.conv1`` -> ``Net/Sequential[layer1]/BasicBlock[0]/Conv2d[conv1]``."""
        parts, prefix = [self.base], ""
        for part in scope.split(".") if scope else ():
            prefix = f"{prefix}.{part}" if prefix else part
            cls = self.classes.get(prefix)
            parts.append(f"{cls}[{part}]" if cls else part)
        return "/".join(parts)

    def add(self, name, op, inputs, shapes, attr=""):
        self.out.append({"name": name, "op": op, "inputs": inputs,
                         "shapes": [list(s) for s in shapes], "attr": attr})

    def source(self, ref):
        """The name a node reads ``ref`` by, adding the parameter/constant node on first use."""
        if "v" in ref:
            return self.producer[ref["v"]]
        if "p" in ref:
            key = ref["p"]
            owner, _, attr = key.rpartition(".")
            name = f"{self.box(owner)}/{attr}"
            if key not in self.made:
                self.made.add(key)
                t = self.rec.params[key]
                kind = "Parameter" if isinstance(t, Parameter) else "Buffer"
                self.add(name, kind, [], [t.shape])
            return name
        name = f"{self.base}/constant.{ref['c']}"
        if ("c", ref["c"]) not in self.made:
            self.made.add(("c", ref["c"]))
            self.add(name, "Constant", [], [self.rec.consts[ref["c"]].shape])
        return name

    def nodes(self):
        g = self.graph
        for i, name in enumerate(g.input_names):
            self.producer[i] = f"input/{name}"
            self.add(f"input/{name}", "IO Node", [], [g.values[i][0]], g.values[i][1])
        for k, node in enumerate(g.nodes):
            outs = _refs(node["out"], [])
            short = node["op"].partition(".")[2].strip("_") or node["op"]
            name = f"{self.box(node.get('scope', ''))}/{short}." + \
                (str(outs[0]["v"]) if outs else f"n{k}")
            inputs = [self.source(r) for r in _refs(node["args"], []) +
                      _refs(node.get("kwargs", {}), [])]
            args = [format_arg(a) for a in node["args"]]
            args += [f"{key}={format_arg(v)}" for key, v in node.get("kwargs", {}).items()]
            self.add(name, node["op"], inputs, [g.values[r["v"]][0] for r in outs],
                     f"{node['op']}({', '.join(args)})")
            for j, r in enumerate(outs):
                self.producer[r["v"]] = name if j == 0 else f"{name}:{j}"
        for i, ref in enumerate(_refs(g.outputs, [])):
            src = self.source(ref)
            shape = g.values[ref["v"]][0] if "v" in ref else \
                (self.rec.params[ref["p"]].shape if "p" in ref else
                 self.rec.consts[ref["c"]].shape)
            self.add(f"output/output.{i + 1}", "IO Node", [src], [shape])
        return self.out
