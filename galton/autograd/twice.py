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
named ``out`` gets the op's result, any other the op's input at the same position (the input
tensor itself for a leaf, else a tensor over the saved array whose grad_fn is the input's
Node), and ``xp`` the NumPy-named functions over tensors (tensor_xp.py). So the formula is
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
        else:
            kwargs[name] = _linked(value, node.next[i] if i < len(node.next) else None)
            i += 1
    return kwargs


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
        with tensor_xp.strict():
            grads = fn(g, **kwargs)
        return tuple(None if gi is None else gi if isinstance(gi, Tensor) else Tensor._wrap(gi)
                     for gi in grads)
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
    for node in graph._toposort(root):
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
