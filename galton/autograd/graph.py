"""The graph: one Node per op result, and the engine that walks it backwards.

A Node holds the op's backward function (a closure written next to its forward, in
galton/ops) and, for each input, where that input's gradient goes: the input's own Node,
the input tensor itself when it is a leaf that requires grad, or None.
Gradients travel through the engine as raw arrays; Tensors are made only for hooks and
for the ``.grad`` of leaves.
"""
import weakref

from .. import _quiet

_grad_enabled = True
_strict_tensors = False  # set while a backward runs on tensors (twice.py): no NumPy on tensors


def is_grad_enabled():
    return _grad_enabled


def _set_enabled(flag):
    global _grad_enabled
    prev = _grad_enabled
    _grad_enabled = bool(flag)
    return prev


class Node:
    """A recorded op: ``grad_fn`` of a tensor that came out of it."""

    __slots__ = ("_name", "backward_fn", "next", "hooks", "retained", "__weakref__")

    def __init__(self, name, backward_fn, next_):
        self._name = name
        self.backward_fn = backward_fn
        self.next = next_
        self.hooks = None
        self.retained = None  # weakref to the tensor whose .grad must be kept (retain_grad)

    def name(self):
        return self._name

    @property
    def next_functions(self):
        out = []
        for n in self.next:
            if n is None or type(n) is Node:
                out.append((n, 0))
            else:
                out.append((AccumulateGrad(n), 0))
        return tuple(out)

    def register_hook(self, fn):
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _RemovableHandle(self.hooks, fn)

    def __repr__(self):
        return f"<{self._name} object at {hex(id(self))}>"


class AccumulateGrad:
    """What PyTorch shows in ``next_functions`` for a leaf; here only for inspection."""

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _toposort(root):
    """Nodes reachable from root, root first, each before the nodes it feeds."""
    order, seen = [], {root}
    stack = [(root, iter(root.next))]
    while stack:
        node, it = stack[-1]
        for n in it:
            if type(n) is Node and n not in seen:
                seen.add(n)
                stack.append((n, iter(n.next)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


_tensor_wrap = None  # Tensor._wrap, bound on first use (tensor.py imports this module)


def _wrap(arr):
    global _tensor_wrap
    if _tensor_wrap is None:
        from ..tensor import Tensor
        _tensor_wrap = Tensor._wrap
    return _tensor_wrap(arr)


def _run_hooks(hooks, g):
    for h in hooks:
        r = h(_wrap(g))
        if r is not None:
            g = r._data
    return g


def run_backward(root_tensor, grad, retain_graph=False, capture=None, accumulate=True):
    """Propagate ``grad`` from ``root_tensor`` to every leaf (or to the keys of ``capture``).

    capture: optional dict whose keys are Nodes or leaf tensors (by id); the gradient that
    reaches each is stored as its value. With accumulate=False leaves' ``.grad`` is untouched.
    """
    token = _quiet.enter()  # every backward closure silent on inf/NaN, as PyTorch
    try:
        _propagate(root_tensor, grad, retain_graph, capture, accumulate)
    finally:
        _quiet.leave(token)


def _propagate(root_tensor, grad, retain_graph, capture, accumulate):
    root = root_tensor.grad_fn
    if root is None:  # a leaf: its gradient is the seed itself
        _deliver_leaf(root_tensor, grad, capture, accumulate, set())
        return
    grads = {root: grad}
    fresh = set()  # ids of arrays already stored in some .grad this pass (avoid aliasing)
    for node in _toposort(root):
        g = grads.pop(node, None)
        if g is None:
            continue
        if node.hooks:
            g = _run_hooks(node.hooks, g)
        if node.retained is not None:
            t = node.retained()
            if t is not None:
                t.grad = _wrap(g.copy()) if t.grad is None else _wrap(t.grad._data + g)
        if capture is not None and node in capture:
            capture[node] = g
        fn = node.backward_fn
        if fn is None:
            _freed()
        in_grads = fn(g)
        if not retain_graph:
            node.backward_fn = None
        for nxt, gi in zip(node.next, in_grads):
            if nxt is None or gi is None:
                continue
            if type(nxt) is Node:
                prev = grads.get(nxt)
                grads[nxt] = gi if prev is None else prev + gi
            else:
                _deliver_leaf(nxt, gi, capture, accumulate, fresh)


def _freed():
    raise RuntimeError(
        "Trying to backward through the graph a second time (or directly access saved "
        "tensors after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward() or autograd.grad(). Specify "
        "retain_graph=True if you need to backward through the graph a second time.")


def _deliver_leaf(leaf, g, capture, accumulate, fresh):
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g)
    if g.dtype != leaf._data.dtype:
        g = g.astype(leaf._data.dtype)
    if g.shape != leaf._data.shape:
        raise RuntimeError(f"galton internal error: gradient of shape {g.shape} for a leaf of "
                           f"shape {leaf._data.shape}")
    if capture is not None:
        key = id(leaf)
        if key in capture:
            prev = capture[key]
            capture[key] = g if prev is None else prev + g
    if not accumulate:
        return
    if leaf.grad is None:
        # the stored array must be writable and owned by this .grad alone
        if id(g) in fresh or not g.flags.writeable or g.base is not None:
            g = g.copy()
        fresh.add(id(g))
        leaf.grad = _wrap(g)
    else:
        a = leaf.grad._data
        # in place, as PyTorch does: a user's reference to .grad stays valid. Not into an
        # array stored during this pass: it can be the very gradient still on its way to
        # other inputs (add's backward hands the same array to both operands)
        if a.flags.writeable and a.shape == g.shape and id(a) not in fresh:
            a += g
        else:
            leaf.grad = _wrap(a + g)


__all__ = ["Node", "run_backward", "is_grad_enabled", "weakref"]
