"""A traced graph: the ops a forward pass ran, in order, as plain data, and how to run it again.

Each node is a dict ``{"op", "args", "kwargs", "out", "scope"}``. ``op`` names a galton
callable (see ``_targets``); arguments are JSON-shaped values in which a tensor is a
reference:

    {"v": 3}                  value 3: a graph input (0 .. n_inputs-1) or a node's output
    {"p": "conv1.weight"}     a parameter or buffer of the traced module, by state-dict key
    {"c": 0}                  a constant tensor captured while tracing
    {"size": [ref, 1]}        ``ref.size(1)``, read when the graph runs (so a batch size
                              taken from the input is not frozen into the graph)

and containers and the rest are tagged: {"tuple": [...]}, {"list": [...]}, {"dict": [[k, v]]},
{"slice": [start, stop, step]}, {"ellipsis": true}, {"dtype": "float32"}, {"device": "cpu"}.
``out`` has the same shape as the op's result with {"v": n} for each tensor. A graph is
therefore saved as JSON inside a galton checkpoint (see ``module.py``) and loading it runs
nothing but galton's own ops.
"""
from .. import backend, dtypes
from . import _targets


def format_arg(a, value_name=lambda i: f"%{i}"):
    """A recorded argument as Python-like text: graph values as ``%name``, parameters as
    ``%key``, constants as ``%constN``, traced sizes as ``%x.size(d)``, literals as written.
    Used by the graph's listing and by TensorBoard's graph view."""
    if isinstance(a, dict):
        if "v" in a:
            return value_name(a["v"])
        if "p" in a:
            return f"%{a['p']}"
        if "c" in a:
            return f"%const{a['c']}"
        if "size" in a:
            return f"{format_arg(a['size'][0], value_name)}.size({a['size'][1]})"
        if "tuple" in a or "list" in a:
            items = a.get("tuple", a.get("list"))
            body = ", ".join(format_arg(x, value_name) for x in items)
            return f"({body}{',' if len(items) == 1 else ''})" if "tuple" in a else f"[{body}]"
        if "slice" in a:
            return ":".join("" if x is None else format_arg(x, value_name) for x in a["slice"])
        if "ellipsis" in a:
            return "..."
        if "dtype" in a:
            return f"galton.{a['dtype']}"
        if "device" in a:
            return repr(a["device"])
        if "dict" in a:
            return "{" + ", ".join(f"{k!r}: {format_arg(v, value_name)}" for k, v in a["dict"]) + "}"
    return repr(a)


class GraphError(ValueError):
    """A graph file that is corrupt or names something a graph may not contain."""


class Graph:
    """The recorded forward pass: inputs, nodes, outputs and each value's traced shape/dtype.

    ``str(graph)`` prints it one op per line, in the style of PyTorch's ``traced.graph``.
    """

    def __init__(self, input_names, nodes, outputs, values):
        self.input_names = list(input_names)
        self.nodes = nodes
        self.outputs = outputs
        self.values = values  # per value: [shape list, dtype name] as seen while tracing

    # --- plain data both ways ------------------------------------------------------------
    def to_dict(self):
        return {"inputs": self.input_names, "nodes": self.nodes, "outputs": self.outputs,
                "values": self.values}

    @classmethod
    def from_dict(cls, d, where, param_keys, n_consts):
        """Rebuild and validate a graph; every op and every reference is checked."""
        try:
            g = cls(d["inputs"], d["nodes"], d["outputs"], d["values"])
        except (KeyError, TypeError) as exc:
            raise GraphError(f"{where}: not a galton graph (missing {exc})") from None
        g.validate(where, param_keys, n_consts)
        return g

    def validate(self, where, param_keys, n_consts):
        n_values = len(self.values)
        defined = set(range(len(self.input_names)))

        def refs(a):
            if isinstance(a, dict):
                if "v" in a:
                    if a["v"] not in defined:
                        raise GraphError(f"{where}: value {a['v']!r} is used before it is made")
                elif "p" in a:
                    if a["p"] not in param_keys:
                        raise GraphError(f"{where}: parameter {a['p']!r} is not in the file")
                elif "c" in a:
                    if not (isinstance(a["c"], int) and 0 <= a["c"] < n_consts):
                        raise GraphError(f"{where}: constant {a['c']!r} is not in the file")
                for v in a.values():
                    refs(v)
            elif isinstance(a, (list, tuple)):
                for v in a:
                    refs(v)

        def outs(a):
            if isinstance(a, dict) and "v" in a:
                if not (isinstance(a["v"], int) and 0 <= a["v"] < n_values):
                    raise GraphError(f"{where}: output value {a['v']!r} out of range")
                defined.add(a["v"])
            elif isinstance(a, dict):
                for v in a.values():
                    outs(v)
            elif isinstance(a, (list, tuple)):
                for v in a:
                    outs(v)

        for node in self.nodes:
            if not isinstance(node, dict) or not isinstance(node.get("op"), str):
                raise GraphError(f"{where}: a node is malformed: {node!r}")
            try:
                _targets.check(node["op"])
            except ValueError as exc:
                raise GraphError(f"{where}: {exc}") from None
            refs(node.get("args", []))
            refs(node.get("kwargs", {}))
            outs(node.get("out"))
        refs(self.outputs)

    # --- running -------------------------------------------------------------------------
    def run(self, inputs, params, consts):
        """Run the graph on ``inputs`` (tensors) with ``params`` (key -> tensor) and
        ``consts`` (a list of tensors); returns the outputs in the traced structure."""
        env = [None] * len(self.values)
        env[:len(inputs)] = inputs

        def dec(a):
            if isinstance(a, dict):
                if "v" in a:
                    return env[a["v"]]
                if "p" in a:
                    return params[a["p"]]
                if "c" in a:
                    return consts[a["c"]]
                return _decode_tagged(a, dec)
            if isinstance(a, list):
                return [dec(x) for x in a]
            return a

        for node in self.nodes:
            args = [dec(a) for a in node["args"]]
            kwargs = {k: dec(v) for k, v in node.get("kwargs", {}).items()}
            out = _targets.resolve(node["op"])(*args, **kwargs)
            if node["op"] == "Tensor.__setitem__":
                out = args[0]  # it returns None; the graph's new value is the written tensor
            _bind(node["out"], out, env)
        return dec(self.outputs)

    # --- reading -------------------------------------------------------------------------
    def value_name(self, i):
        return f"%{self.input_names[i]}" if i < len(self.input_names) else f"%{i}"

    def __str__(self):
        def show(a):
            return format_arg(a, self.value_name)

        def typed(i):
            shape, dt = self.values[i]
            return f"{self.value_name(i)} : {dt}({', '.join(str(s) for s in shape)})"

        def out_vals(a, acc):
            if isinstance(a, dict) and "v" in a:
                acc.append(a["v"])
            elif isinstance(a, dict):
                for v in a.values():
                    out_vals(v, acc)
            elif isinstance(a, list):
                for v in a:
                    out_vals(v, acc)
            return acc

        lines = [f"graph({', '.join(typed(i) for i in range(len(self.input_names)))}):"]
        for node in self.nodes:
            args = [show(a) for a in node["args"]]
            args += [f"{k}={show(v)}" for k, v in node.get("kwargs", {}).items()]
            outs = ", ".join(typed(i) for i in out_vals(node["out"], []))
            scope = f"  # {node['scope']}" if node.get("scope") else ""
            lines.append(f"  {outs} = {node['op']}({', '.join(args)}){scope}")
        lines.append(f"  return {show(self.outputs)}")
        return "\n".join(lines)

    __repr__ = __str__


def _decode_tagged(a, dec, size=None, device=backend.device):
    """Decode a tagged graph argument; ``size(ref, dim)`` and ``device(name)`` let a consumer
    (the ONNX exporter) keep sizes symbolic and devices as names."""
    if "size" in a:
        ref, d = a["size"]
        return size(ref, d) if size is not None else dec(ref).shape[d]
    if "tuple" in a:
        return tuple(dec(x) for x in a["tuple"])
    if "list" in a:
        return [dec(x) for x in a["list"]]
    if "slice" in a:
        return slice(*(dec(x) for x in a["slice"]))
    if "ellipsis" in a:
        return Ellipsis
    if "dtype" in a:
        return getattr(dtypes, a["dtype"])
    if "device" in a:
        return device(a["device"])
    if "dict" in a:
        return {k: dec(v) for k, v in a["dict"]}
    raise GraphError(f"unknown graph argument {a!r}")


def _bind(spec, out, env):
    """Store the tensors of an op's result ``out`` into ``env`` following ``spec``."""
    if spec is None:
        return
    if isinstance(spec, dict):
        if "v" in spec:
            env[spec["v"]] = out
            return
        items = spec.get("tuple", spec.get("list"))
        if items is not None:
            for s, o in zip(items, out):
                _bind(s, o, env)
            return
        if "dict" in spec:
            for k, s in spec["dict"]:
                _bind(s, out[k], env)
            return
    # a literal in the spec: a non-tensor part of the result, nothing to store
