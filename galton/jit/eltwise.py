"""Chains of elementwise ops run as one op by ``galton.compile`` (one autograd node).

A group is a set of elementwise nodes (arithmetic with tensors or Python numbers, exp, log,
tanh, sigmoid, relu, negation, powers by a number) in which every value made inside the group
is read exactly once, by another member: ``std = (0.5 * logvar).exp(); z = mu + eps * std`` is
one group. Forward runs the members' NumPy ufuncs in order; backward is one function that goes
back through the members with each one's derivative and sums broadcast gradients to their
input's shape -- one autograd node instead of one per op, with the intermediate results kept
by the group instead of by separate nodes.

Only groups whose values all have one floating dtype are formed, so NumPy's arithmetic is
eager galton's (same ufuncs, same dtype). The chains run NumPy's ufuncs, not generated Numba
code: what they save is the per-op Python and autograd work, not memory passes.
"""
import numpy as np

from ..ops._util import composite, make_result
from ..tensor import Tensor


def _sum_to(g, shape):
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


# op -> (kind, forward(a, b), backward(g, a, b, out) -> (ga, gb)); kind 1: unary, 2: binary,
# "r": binary with the operands swapped (``2 - x`` records Tensor.__rsub__(x, 2))
_OPS = {
    "add": (2, np.add, lambda g, a, b, o: (g, g)),
    "sub": (2, np.subtract, lambda g, a, b, o: (g, -g)),
    "mul": (2, np.multiply, lambda g, a, b, o: (g * b, g * a)),
    "div": (2, np.true_divide, lambda g, a, b, o: (g / b, -g * a / (b * b))),
    "pow": (2, np.power, lambda g, a, b, o: (g * b * a ** (b - 1), None)),
    "neg": (1, np.negative, lambda g, a, b, o: (-g,)),
    "exp": (1, np.exp, lambda g, a, b, o: (g * o,)),
    "log": (1, np.log, lambda g, a, b, o: (g / a,)),
    "tanh": (1, np.tanh, lambda g, a, b, o: (g * (1 - o * o),)),
    "sigmoid": (1, lambda a: 1 / (1 + np.exp(-a)), lambda g, a, b, o: (g * (o * (1 - o)),)),
    "relu": (1, lambda a: np.maximum(a, 0), lambda g, a, b, o: (g * (o > 0),)),
}
NAMES = {}
for _n, _k in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"),
               ("div", "div"), ("neg", "neg"), ("pow", "pow")):
    NAMES[f"Tensor.__{_n}__"] = (_k, False)
for _n, _k in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div")):
    NAMES[f"Tensor.__r{_n}__"] = (_k, True)
for _k in ("add", "sub", "mul", "div", "neg", "exp", "log", "tanh", "sigmoid", "relu"):
    for _space in ("Tensor", "galton"):
        NAMES[f"{_space}.{_k}"] = (_k, False)
for _k in ("tanh", "sigmoid", "relu"):
    NAMES[f"F.{_k}"] = (_k, False)


def _member(node, values):
    """(kind, swapped) when the node is an elementwise op a group can hold, else None."""
    entry = NAMES.get(node["op"])
    if entry is None or node.get("kwargs"):
        return None
    arity = _OPS[entry[0]][0]
    args = node["args"]
    if len(args) != arity:
        return None
    out = node["out"]
    if not (isinstance(out, dict) and "v" in out):
        return None
    dt = values[out["v"]][1]
    for a in args:
        if isinstance(a, dict):
            if "v" in a:
                if values[a["v"]][1] != dt:
                    return None
            elif "p" not in a:
                return None
        elif isinstance(a, bool) or not isinstance(a, (int, float)):
            return None
    if dt not in ("float32", "float64"):
        return None
    if entry[0] == "pow" and isinstance(args[1], dict):
        return None  # a tensor exponent: left to eager mode
    return entry


def find_chains(nodes, uses, producer, absorbed, at, readers, values):
    """Mark elementwise groups of two or more nodes: each group's Step goes into ``at`` at its
    last node's index; the other members into ``absorbed``."""
    group = {}  # node index -> list of member indices (shared list per group)
    for j, node in enumerate(nodes):
        if j in absorbed or j in at or _member(node, values) is None:
            continue
        members = [j]
        for a in node["args"]:
            v = a.get("v") if isinstance(a, dict) else None
            i = producer.get(v)
            if i is not None and i in group and uses.get(v) == 1 and group[i][-1] == i:
                members = group.pop(i) + members  # the producer's group ends in this node
                for m in members:
                    group.pop(m, None)
        # a group is indexed by its last member
        group[j] = members
    for last, members in group.items():
        if len(members) < 2:
            continue
        ops = []
        inputs = []   # the group's tensor/parameter inputs, as recorded arguments
        slot = {}     # value index / param key -> input position
        local = {}    # value index made inside the group -> member position
        for pos, m in enumerate(members):
            node = nodes[m]
            kind, swapped = _member(node, values)
            operands = []
            for a in node["args"]:
                if isinstance(a, dict) and a.get("v") in local:
                    operands.append(("t", local[a["v"]]))
                elif isinstance(a, dict):
                    key = ("v", a["v"]) if "v" in a else ("p", a["p"])
                    if key not in slot:
                        slot[key] = len(inputs)
                        inputs.append(a)
                    operands.append(("i", slot[key]))
                else:
                    operands.append(("k", a))
            if swapped:
                operands.reverse()
            ops.append((kind, operands))
            local[node["out"]["v"]] = pos
        fn = _Group(ops)
        at[last] = _step(fn, [readers(a) for a in inputs], nodes[last]["out"],
                         "elementwise(" + ",".join(k for k, _ in ops) + ")")
        absorbed.update(members[:-1])


def _step(fn, args, out, label):
    from .fusion import Step
    return Step(fn, args, {}, out, label)


class _Group:
    """The callable of one group: ``group(*inputs)`` -> a Tensor with one autograd node."""

    def __init__(self, ops):
        self.ops = ops

    def _forward(self, arrays):
        vals = []

        def get(o):
            kind, x = o
            return vals[x] if kind == "t" else arrays[x] if kind == "i" else x
        for kind, operands in self.ops:
            vals.append(np.asarray(_OPS[kind][1](*[get(o) for o in operands])))
        return vals

    def eager(self, *tensors):
        """The same group with galton ops (used for create_graph's second derivative)."""
        import galton
        vals = []

        def get(o):
            kind, x = o
            return vals[x] if kind == "t" else tensors[x] if kind == "i" else x
        fns = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
               "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "neg": lambda a: -a,
               "exp": galton.exp, "log": galton.log, "tanh": galton.tanh,
               "sigmoid": galton.sigmoid, "relu": galton.relu}
        for kind, operands in self.ops:
            vals.append(fns[kind](*[get(o) for o in operands]))
        return vals[-1]

    def __call__(self, *tensors):
        arrays = [t._data for t in tensors]
        vals = self._forward(arrays)
        out = vals[-1]
        ops = self.ops

        def backward(g, xp=np):
            if isinstance(g, Tensor):
                return composite(self.eager, tensors, g)
            grads = [None] * len(ops)
            grads[-1] = g
            gin = [None] * len(arrays)

            def value(o):
                kind, x = o
                return vals[x] if kind == "t" else arrays[x] if kind == "i" else x
            for pos in range(len(ops) - 1, -1, -1):
                gpos = grads[pos]
                if gpos is None:
                    continue
                kind, operands = ops[pos]
                a = value(operands[0])
                b = value(operands[1]) if len(operands) > 1 else None
                parts = _OPS[kind][2](gpos, a, b, vals[pos])
                for o, gp in zip(operands, parts):
                    if gp is None or o[0] == "k":
                        continue
                    target = vals[o[1]] if o[0] == "t" else arrays[o[1]]
                    gp = _sum_to(np.asarray(gp, dtype=target.dtype), target.shape)
                    store = grads if o[0] == "t" else gin
                    store[o[1]] = gp if store[o[1]] is None else store[o[1]] + gp
            return tuple(gin)
        return make_result(out, tensors, backward, "FusedElementwiseBackward")
