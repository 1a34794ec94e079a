"""The engine's second mode: backward that records a graph of its own (``create_graph=True``).

The first-order engine (graph.py) moves raw arrays and calls each op's backward closure with
one array. This mode moves Tensors instead and calls the *same* closure with tensors, so the
gradient it returns was computed by galton ops and can be differentiated again, to any order.

A closure opts in by naming, as defaulted parameters after ``g``, what its formula reads, and
``xp`` last::

    def mul(a, b):
        ...
        def backward(g, x=x, y=y, xp=np):     # x, y: the inputs, in make_result's order
            return (unbroadcast(g * y, xs), unbroadcast(g * x, ys))

On the first-order path the defaults are used: arrays and NumPy, nothing extra runs. Here the
engine calls it again with the same names bound to tensors connected to the graph: a parameter
named ``out`` gets the op's result, one named ``inputs`` (a tuple) as many inputs as it holds,
any other the op's input at the same position (the input tensor itself for a leaf, else a
tensor over the saved array whose grad_fn is the input's Node), and ``xp`` the NumPy-named functions over tensors (tensor_xp.py). So the formula is
written once and runs on arrays or on tensors.

A closure without ``xp`` cannot run on tensors: its gradient is still computed (on arrays),
and the Tensor it returns carries a Node that raises a one-line error naming the op if anything
tries to differentiate through it. A derivative that galton cannot take is never a wrong number.
"""
import numpy as np

from . import graph
from .graph import Node


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _linked(arr, nxt):
    """The op's input as a tensor connected to the graph: the leaf itself, or a tensor over the
    saved array whose grad_fn is the Node that produced it (the same value, the same place)."""
    if nxt is None or arr is None or not hasattr(arr, "shape"):
        return arr  # an input that needs no gradient is a constant here
    if type(nxt) is Node:
        t = _tensor()._wrap(arr, True)
        t.grad_fn = nxt
        return t
    if arr is nxt._data:
        return nxt
    if arr.shape != nxt._data.shape:
        raise RuntimeError(f"galton internal error: a saved input of shape {arr.shape} does not "
                           f"match its tensor of shape {tuple(nxt._data.shape)}")
    return nxt if arr.dtype == nxt._data.dtype else nxt.to(_tensor()._wrap(arr).dtype)


class Unsaved:
    """An input the op did not keep (its default is None): ``value(arr)`` gives it back as a
    tensor on the graph, over a value the backward recomputes from what it did keep."""

    __slots__ = ("_link",)

    def __init__(self, link):
        self._link = link

    def value(self, arr):
        return _linked(arr, self._link)


def _arguments(node, fn):
    """The keyword arguments that rebind ``fn``'s defaults to tensors, or None if ``fn`` does
    not run on tensors."""
    code, defaults = fn.__code__, fn.__defaults__
    if not defaults:
        return None
    names = code.co_varnames[code.co_argcount - len(defaults):code.co_argcount]
    if names[-1] != "xp":
        return None
    from . import tensor_xp
    kwargs = {"xp": tensor_xp}
    i = 0
    for name, value in zip(names[:-1], defaults):
        if name == "out":
            t = _tensor()._wrap(value, True)
            t.grad_fn = node
            kwargs[name] = t
        elif name == "inputs":  # a tuple for a variable number of inputs (einsum's operands)
            kwargs[name] = tuple(_linked(v, node.next[i + k] if i + k < len(node.next) else
                                         None) for k, v in enumerate(value))
            i += len(value)
        else:
            link = node.next[i] if i < len(node.next) else None
            kwargs[name] = Unsaved(link) if value is None and link is not None else \
                _linked(value, link)
            i += 1
    return kwargs


class NoGraphForm(Exception):
    """Raised by a backward that learns only when called that it cannot run on tensors (a
    custom Function marked @once_differentiable): the engine then refuses as for any op."""


def _refusal(name):
    def backward(g):
        raise RuntimeError(f"{name}: galton cannot differentiate this op twice "
                           "(its backward has no graph form); create_graph=True stops here")
    return backward


def _call(node, fn, g):
    """Run one node's backward on tensors; the gradients returned are Tensors (or None)."""
    Tensor = _tensor()
    kwargs = _arguments(node, fn)
    if kwargs is not None:
        tensor_xp = kwargs["xp"]
        try:
            with tensor_xp.strict():
                grads = fn(g, **kwargs)
        except NoGraphForm:
            kwargs = None
    if kwargs is not None:
        # arrays (a constant gradient) become tensors; tensors and other carriers pass
        return tuple(Tensor._wrap(gi) if hasattr(gi, "dtype") and not isinstance(gi, Tensor)
                     else gi for gi in grads)
    # no graph form: first-order numbers, wrapped so that going further through them refuses
    grads = fn(g._data)
    links = [g.grad_fn if g.grad_fn is not None else (g if g._rg else None)]
    links += list(node.next)
    out = []
    for gi in grads:
        if gi is None:
            out.append(None)
            continue
        t = Tensor._wrap(gi)
        if any(n is not None for n in links):
            t._rg = True
            t.grad_fn = Node(node._name, _refusal(node._name), links)
        out.append(t)
    return tuple(out)


def run_backward(root_tensor, grad, retain_graph=True, capture=None, accumulate=True):
    """As graph.run_backward, with Tensors for gradients and every closure run on tensors."""
    from .grad_mode import enable_grad
    with enable_grad():
        _run(root_tensor, grad, retain_graph, capture, accumulate)


def _run(root_tensor, grad, retain_graph, capture, accumulate):
    root = root_tensor.grad_fn
    if root is None:
        _deliver_leaf(root_tensor, grad, capture, accumulate)
        return
    grads = {root: grad}
    order = graph._toposort(root)
    needed = _needed(order, capture) if capture is not None and not accumulate else None
    for node in order:
        g = grads.pop(node, None)
        if g is None:
            continue
        if node.hooks:
            g = _run_hooks(node.hooks, g)
        if node.retained is not None:
            t = node.retained()
            if t is not None:
                t.grad = g if t.grad is None else t.grad + g
        if capture is not None and node in capture:
            capture[node] = g
        if needed is not None and node not in needed:
            continue  # nothing asked for lies beyond: do not run (or refuse) what is not asked
        fn = node.backward_fn
        if fn is None:
            graph._freed()
        in_grads = _call(node, fn, g)
        if not retain_graph:
            node.backward_fn = None
        for nxt, gi in zip(node.next, in_grads):
            if nxt is None or gi is None:
                continue
            if type(nxt) is Node:
                prev = grads.get(nxt)
                grads[nxt] = gi if prev is None else prev + gi
            else:
                _deliver_leaf(nxt, gi, capture, accumulate)


def _needed(order, capture):
    """The nodes with a path to something ``capture`` asks for (autograd.grad runs only these,
    as PyTorch does)."""
    needed = set()
    for node in reversed(order):  # inputs before the nodes they feed
        for n in node.next:
            if n is None:
                continue
            if type(n) is Node:
                if n in needed or n in capture:
                    needed.add(node)
                    break
            elif id(n) in capture:
                needed.add(node)
                break
    return needed


def composite(fn, inputs, g):
    """The gradient, on tensors, of a fused op whose backward has no graph form: the op is
    written again with galton ops (``fn(*inputs)``) and that composite is differentiated with
    create_graph. ``inputs`` are the op's inputs as the engine rebinds them (tensors linked to
    the graph, or constants); the gradients come back in their order (None for constants)."""
    from ..tensor import Tensor, make_result
    from .functional import grad
    # each input through an identity node of its own: the gradients asked for are then the
    # partial ones, even where one input depends on another (prelu(x, w * x.sum()))
    inputs = tuple(make_result(t._data, (t,), _identity, "AliasBackward0")
                   if isinstance(t, Tensor) and t._rg else t for t in inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t._rg]
    y = fn(*inputs)
    grads = iter(grad(y, diff, g, create_graph=True, allow_unused=True, materialize_grads=True)
                 if diff else ())
    return tuple(next(grads) if isinstance(t, Tensor) and t._rg else None for t in inputs)


def _identity(g, xp=np):
    return (g,)


def _run_hooks(hooks, g):
    for h in hooks:
        r = h(g)
        if r is not None:
            g = r
    return g


def _deliver_leaf(leaf, g, capture, accumulate):
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g)
    if g._data.dtype != leaf._data.dtype:
        g = g.to(leaf.dtype)
    if tuple(g.shape) != leaf._data.shape:
        raise RuntimeError(f"galton internal error: gradient of shape {tuple(g.shape)} for a "
                           f"leaf of shape {leaf._data.shape}")
    if capture is not None:
        key = id(leaf)
        if key in capture:
            prev = capture[key]
            capture[key] = g if prev is None else prev + g
    if accumulate:
        # out of place, as PyTorch does under create_graph: .grad keeps its own graph
        leaf.grad = g if leaf.grad is None else leaf.grad + g


__all__ = ["run_backward", "np"]
