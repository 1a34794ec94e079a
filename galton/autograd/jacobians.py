"""``torch.autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp of a Python function.

All of them are reverse mode on the engine: a Jacobian is built row by row (one backward per
output element; ``vectorize=True`` gives the same numbers the same way), a Jacobian-vector
product is the backward of a backward (the double-vjp trick, exact for every op that has a
double backward), a Hessian is the Jacobian of the gradient. Inputs are cut from any graph
they belong to unless ``create_graph=True``, as in PyTorch.
"""
from .functional import grad as _grad


def _tensor():
    from ..tensor import Tensor
    return Tensor


def _as_tuple(x, what, fn_name):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, _tensor()):
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but the value at index {i} has type {type(t).__name__}.")
    return is_tuple, xs


def _prepare(inputs, create_graph):
    """Inputs as the function will see them: fresh leaves, or (create_graph) views that keep
    the caller's graph."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(x.is_floating_point()))
    return tuple(out)


def _finish(ts, create_graph):
    return tuple(t if t is None or create_graph else t.detach() for t in ts)


def _zeros_or_raise(grads, inputs, strict, fn_name, what="output"):
    from .. import creation
    out = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            g = creation.zeros_like(x)
        out.append(g)
    return tuple(out)


def _autograd(outputs, inputs, grad_outputs, create_graph):
    outs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not outs:
        return (None,) * len(inputs)
    return _grad([o for o, _ in outs], list(inputs), [g for _, g in outs],
                 create_graph=create_graph, allow_unused=True)


def _check_v(v, outputs, name, fn_name):
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {name} to the "
                               f"user-provided function is a single Tensor with a single element.")
        from .. import creation
        return (creation.ones_like(outputs[0]),)
    _, v = _as_tuple(v, "v", fn_name)
    if len(v) != len(outputs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outputs)} but got "
                           f"{len(v)}.")
    for i, (a, b) in enumerate(zip(v, outputs)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {tuple(b.shape)} but "
                               f"got {tuple(a.shape)}.")
    return v


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``."""
    from .grad_mode import enable_grad
    is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        v = _check_v(v, outputs, "outputs", "vjp")
        res = _zeros_or_raise(_autograd(outputs, xs, v, create_graph), xs, strict, "vjp")
    outputs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outputs if out_tuple else outputs[0]), (res if is_tuple else res[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, as the backward of a backward."""
    from .. import creation
    from .grad_mode import enable_grad
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = (creation.ones_like(inputs[0]),)
    else:
        v = _check_v(v, inputs, "input", "jvp")
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        # u^T J is linear in u; differentiating it with respect to u in direction v gives J v
        us = [creation.zeros_like(o).requires_grad_(True) for o in outputs]
        g = _autograd(outputs, xs, us, True)
        pairs = [(gi, vi) for gi, vi in zip(g, v) if gi is not None and gi.requires_grad]
        if pairs:
            jv = _grad([p for p, _ in pairs], us, [q for _, q in pairs],
                       create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
        res = _zeros_or_raise(jv, outputs, strict, "jvp", what="output")
    outputs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outputs if out_tuple else outputs[0]), (res if out_tuple else res[0])


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for one input and one output a tensor of shape
    ``output.shape + input.shape``; tuples give tuples (outputs first, then inputs).

    Built row by row in reverse mode whatever ``vectorize`` and ``strategy`` say (the numbers
    are the same)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".')
    from .. import creation
    from ..ops.joining import stack
    from .grad_mode import enable_grad
    is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out_tuple, outputs = _as_tuple(func(*xs), "outputs of the user-provided function",
                                       "jacobian")
        table = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in xs]
            for k in range(flat.numel()):
                gs = _grad(flat[k], list(xs), retain_graph=True, create_graph=create_graph,
                           allow_unused=True) if flat.requires_grad else (None,) * len(xs)
                for j, (g, x) in enumerate(zip(gs, xs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not allowed "
                                               "in strict mode.")
                        g = creation.zeros_like(x)
                    rows[j].append(g)
            table.append(tuple(
                (stack(r) if r else creation.zeros(0, *x.shape, dtype=x.dtype)).reshape(
                    tuple(out.shape) + tuple(x.shape)) for r, x in zip(rows, xs)))
    table = [_finish(row, create_graph) for row in table]
    if not out_tuple:
        return table[0] if is_tuple else table[0][0]
    return tuple(row if is_tuple else row[0] for row in table)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient (double backward)."""
    is_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, _tensor()) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element")
        if not out.requires_grad:
            return tuple(x * 0 for x in xs)
        gs = _grad(out.reshape(()), list(xs), create_graph=True, allow_unused=True)
        return _zeros_or_raise(gs, xs, strict, "hessian")

    h = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    return h if is_tuple else h[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar function."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar function (H is symmetric: the same as vhp)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, name):
    from .grad_mode import enable_grad
    is_tuple, inputs = _as_tuple(inputs, "inputs", name)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        from .. import creation
        v = (creation.ones_like(inputs[0]),)
    else:
        v = _check_v(v, inputs, "input", name)
    with enable_grad():
        xs = _prepare(inputs, create_graph)
        out = func(*xs)
        if not isinstance(out, _tensor()) or out.numel() != 1:
            raise RuntimeError(f"The function given to {name} should return a single Tensor "
                               "with a single element")
        gs = _grad(out.reshape(()), list(xs), create_graph=True, allow_unused=True) \
            if out.requires_grad else (None,) * len(xs)
        gs = _zeros_or_raise(gs, xs, strict, name)
        pairs = [(g, vi) for g, vi in zip(gs, v) if g.requires_grad]
        res = _grad([p for p, _ in pairs], list(xs), [q for _, q in pairs],
                    create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(xs)
        res = _zeros_or_raise(res, xs, strict, name)
    out = out.detach() if not create_graph else out
    res = _finish(res, create_graph)
    return out, (res if is_tuple else res[0])


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
