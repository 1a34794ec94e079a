"""From a traced graph to what ``galton.compile`` runs: fused groups and the remaining ops.

``plan(graph, ...)`` finds the groups ``fused.py`` implements as single ops:

    F.linear -> relu / tanh / sigmoid              Linear + activation
    F.conv2d (bias) -> relu [-> max_pool2d 2x2]    Conv2d + bias + ReLU (+ max-pool)
    a chain of elementwise ops                     one op (``eltwise.py``)

A node joins its producer's group only when it is the producer's only consumer (and the
producer's result is not a graph output), so no intermediate value anyone reads is skipped.
The group runs where its last node stood: every input it reads is made by then. Every other
node runs its eager op, as ``Graph.run`` does, through argument readers resolved once.
"""
from .. import dtypes
from ..nn.parameter import Parameter  # noqa: F401  (parameters are read through their tables)
from . import _targets, eltwise, fused
from .graph import _bind, _decode_tagged

ACTIVATIONS = {}
for _act in ("relu", "tanh", "sigmoid"):
    for _space in ("F", "Tensor", "galton"):
        ACTIVATIONS[f"{_space}.{_act}"] = _act
ACTIVATIONS["F.relu_"] = ACTIVATIONS["Tensor.relu_"] = ACTIVATIONS["galton.relu_"] = "relu"

_SIGNATURES = {  # argument names of the ops the groups start from, to read kwargs too
    "F.linear": ("input", "weight", "bias"),
    "F.conv2d": ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    "F.max_pool2d": ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                     "return_indices"),
}
_DEFAULTS = {"F.linear": {"bias": None},
             "F.conv2d": {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1},
             "F.max_pool2d": {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False,
                              "return_indices": False}}


def _named(node):
    names = _SIGNATURES[node["op"]]
    out = dict(_DEFAULTS[node["op"]])
    out.update(zip(names, node["args"]))
    out.update(node.get("kwargs", {}))
    return out


def _has_ref(a):
    if isinstance(a, dict):
        return any(k in a for k in ("v", "p", "c", "size")) or any(_has_ref(v) for v in a.values())
    if isinstance(a, list):
        return any(_has_ref(v) for v in a)
    return False


def _literal(a):
    """A recorded argument without tensors, decoded (tuples, ints, ...)."""
    return _decode_tagged(a, _literal) if isinstance(a, dict) else a


def _is_pool_2x2(named):
    if any(_has_ref(v) for k, v in named.items() if k != "input"):
        return False
    ks, st = _literal(named["kernel_size"]), _literal(named["stride"])
    two = (2, [2, 2], (2, 2), [2], (2,))
    pad, dil = _literal(named["padding"]), _literal(named["dilation"])
    return (ks in two and (st is None or st in two) and pad in (0, (0, 0), [0, 0])
            and dil in (1, (1, 1), [1, 1]) and not named["ceil_mode"]
            and not named["return_indices"])


def _is_activation(node):
    if node["op"] not in ACTIVATIONS:
        return None
    extra = [a for a in node["args"][1:]] + [v for k, v in node.get("kwargs", {}).items()
                                              if k != "inplace"]
    return None if extra else ACTIVATIONS[node["op"]]


def _out_value(node):
    out = node["out"]
    return out["v"] if isinstance(out, dict) and "v" in out else None


def _arg_value(a):
    return a["v"] if isinstance(a, dict) and "v" in a else None


def _uses(graph):
    """value index -> how many times nodes or the outputs read it."""
    counts = {}

    def walk(a):
        if isinstance(a, dict):
            if "v" in a:
                counts[a["v"]] = counts.get(a["v"], 0) + 1
            for v in a.values():
                walk(v)
        elif isinstance(a, list):
            for v in a:
                walk(v)
    for node in graph.nodes:
        walk(node["args"])
        walk(node.get("kwargs", {}))
    walk(graph.outputs)
    walk(graph.outputs)  # an output is never an intermediate to fuse away
    return counts


class Step:
    """One thing the compiled graph runs: ``fn(*args, **kwargs)`` bound to ``out``."""
    __slots__ = ("fn", "args", "kwargs", "out", "label")

    def __init__(self, fn, args, kwargs, out, label):
        self.fn, self.args, self.kwargs, self.out, self.label = fn, args, kwargs, out, label


def plan(graph, readers, fuse=True):
    """The steps that run ``graph``: fused groups and eager nodes, in an order that respects
    every data dependency. ``readers(arg)`` turns a recorded argument into ``f(env)``."""
    nodes = graph.nodes
    uses = _uses(graph)
    producer = {}
    for i, node in enumerate(nodes):
        v = _out_value(node)
        if v is not None:
            producer[v] = i
    absorbed = set()
    at = {}  # node index -> the fused Step that runs in its place

    def sole_consumer(i):
        """The node reading node i's result, when it is the only read."""
        v = _out_value(nodes[i])
        if v is None or uses.get(v, 0) != 1:
            return None
        for j in range(i + 1, len(nodes)):
            if any(_arg_value(a) == v for a in nodes[j]["args"]) or \
                    any(_arg_value(a) == v for a in nodes[j].get("kwargs", {}).values()):
                return j
        return None

    if fuse:
        for i, node in enumerate(nodes):
            if i in absorbed:
                continue
            if node["op"] == "F.linear":
                j = sole_consumer(i)
                act = _is_activation(nodes[j]) if j is not None else None
                if act is not None and _arg_value(nodes[j]["args"][0]) == _out_value(node):
                    n = _named(node)
                    at[j] = Step(fused.linear_act,
                                 [readers(n["input"]), readers(n["weight"]), readers(n["bias"]),
                                  readers(act)], {}, nodes[j]["out"], f"linear+{act}")
                    absorbed.add(i)
            elif node["op"] == "F.conv2d":
                n = _named(node)
                j = sole_consumer(i)
                if (j is None or n["bias"] is None or _is_activation(nodes[j]) != "relu"
                        or _arg_value(nodes[j]["args"][0]) != _out_value(node)
                        or any(_has_ref(n[k]) for k in ("stride", "padding", "dilation",
                                                        "groups"))):
                    continue
                last, pool, label = j, False, "conv+bias+relu"
                k = sole_consumer(j)
                if k is not None and nodes[k]["op"] == "F.max_pool2d":
                    pn = _named(nodes[k])
                    if _arg_value(pn["input"]) == _out_value(nodes[j]) and _is_pool_2x2(pn):
                        last, pool, label = k, True, "conv+bias+relu+max_pool2d"
                        absorbed.add(j)
                args = [readers(n[k]) for k in ("input", "weight", "bias")]
                args += [readers(_literal(n[k])) for k in ("stride", "padding", "dilation",
                                                           "groups")]
                at[last] = Step(fused.conv_relu, args + [readers(pool)], {}, nodes[last]["out"],
                                label)
                absorbed.update({i, j} if last == j else {i})
        eltwise.find_chains(nodes, uses, producer, absorbed, at, readers, graph.values)

    steps = []
    for i, node in enumerate(nodes):
        if i in at:
            steps.append(at[i])
        elif i not in absorbed:
            fn = _targets.resolve(node["op"])
            if node["op"] == "Tensor.__setitem__":  # returns None; the value is the tensor
                fn = _setitem(fn)
            steps.append(Step(fn, [readers(a) for a in node["args"]],
                              {k: readers(v) for k, v in node.get("kwargs", {}).items()},
                              node["out"], node["op"]))
    return steps


def _setitem(fn):
    def setitem(t, *args):
        fn(t, *args)
        return t
    return setitem


def make_readers(params, consts):
    """``readers(arg)`` for a graph run: a function of the value list ``env`` returning what
    the recorded argument stands for now. ``params``: key -> (table, attr), so a parameter
    replaced on the module (or loaded by load_state_dict) is the one read."""

    def readers(a):
        if isinstance(a, dict):
            if "v" in a:
                i = a["v"]
                return lambda env: env[i]
            if "p" in a:
                table, attr = params[a["p"]]
                return lambda env: table[attr]
            if "c" in a:
                c = consts[a["c"]]
                return lambda env: c
            if _has_ref(a):
                def dec(x, env):
                    if isinstance(x, dict):
                        if "v" in x or "p" in x or "c" in x:
                            return readers(x)(env)
                        return _decode_tagged(x, lambda y: dec(y, env))
                    if isinstance(x, list):
                        return [dec(y, env) for y in x]
                    return x
                return lambda env: dec(a, env)
            value = _decode_tagged(a, _literal)
            return lambda env: value
        if isinstance(a, list):
            if _has_ref(a):
                parts = [readers(x) for x in a]
                return lambda env: [p(env) for p in parts]
            value = [_literal(x) for x in a]
            return lambda env: list(value)
        if isinstance(a, dtypes.dtype):
            return lambda env: a
        return lambda env: a
    return readers


def run(steps, env):
    """Run the steps over the value list ``env`` (inputs already in place)."""
    for s in steps:
        out = s.fn(*[r(env) for r in s.args], **{k: r(env) for k, r in s.kwargs.items()})
        spec = s.out
        if type(spec) is dict and "v" in spec:
            env[spec["v"]] = out
        else:
            _bind(spec, out, env)
    return env
