"""``galton.autograd.backward`` and ``galton.autograd.grad``."""
from . import graph


def _seed(t, g):
    from ..tensor import Tensor
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return t.xp.ones_like(t._data)
    g = g._data if isinstance(g, Tensor) else t.xp.asarray(g, dtype=t._data.dtype)
    if g.shape != t._data.shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} "
                           f"and output[0] has a shape of {tuple(t._data.shape)}.")
    return g.astype(t._data.dtype, copy=False)


def _check_requires(t, i=0):
    if not t.requires_grad:
        raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                           "a grad_fn")


def _seed_tensor(t, g):
    """The seed under create_graph: a Tensor (a given one keeps its own graph)."""
    from ..tensor import Tensor
    if isinstance(g, Tensor) and g.requires_grad:
        if tuple(g.shape) != t._data.shape:
            _seed(t, g)  # raises the shape message
        return g if g._data.dtype == t._data.dtype else g.to(t.dtype)
    return Tensor._wrap(_seed(t, g))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into ``.grad`` of leaves the gradient of ``tensors`` (PyTorch's semantics).

    With ``create_graph=True`` the gradients are computed by galton ops and recorded, so
    ``.grad`` can itself be differentiated (see twice.py)."""
    from ..tensor import Tensor
    from . import twice
    # create_graph keeps the graph unless told otherwise (PyTorch's default)
    retain = bool(create_graph if retain_graph is None else retain_graph)
    if isinstance(tensors, Tensor):
        tensors, grad_tensors = [tensors], [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        _check_requires(t, i)
        if inputs is not None:
            seed = _seed_tensor(t, g) if create_graph else Tensor._wrap(_seed(t, g))
            _backward_to(t, seed, inputs, retain, create_graph)
        elif create_graph:
            twice.run_backward(t, _seed_tensor(t, g), retain_graph=retain)
        else:
            graph.run_backward(t, _seed(t, g), retain_graph=retain)


def _backward_to(t, seed, inputs, retain_graph, create_graph):
    """``backward(inputs=...)``: the gradients of ``inputs`` only, added into their ``.grad``
    (a recorded addition under ``create_graph``, a plain one otherwise)."""
    from ..tensor import Tensor
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    captured = grad(t, inputs, seed, retain_graph=retain_graph, create_graph=create_graph,
                    allow_unused=True)
    for x, g in zip(inputs, captured):
        if g is None:
            continue
        if x.grad is None:
            x.grad = g
        else:
            x.grad = x.grad + g if create_graph else Tensor._wrap(x.grad._data + g._data)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` with respect to ``inputs`` without touching ``.grad``.

    With ``create_graph=True`` the returned gradients carry a graph of their own and can be
    differentiated again (``retain_graph`` then defaults to True, as in PyTorch).
    ``only_inputs`` is accepted and ignored, as in PyTorch (where it is deprecated).
    """
    if is_grads_batched:
        raise NotImplementedError("galton.autograd.grad: is_grads_batched=True (vmap over "
                                  "grad_outputs) is not supported; loop over the grad_outputs")
    from ..tensor import Tensor
    single_out = isinstance(outputs, Tensor)
    outputs = [outputs] if single_out else list(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    inputs_t = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, x in enumerate(inputs_t):
        if not x.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (index {i}) does not require grad")
    keys = [x.grad_fn if x.grad_fn is not None else id(x) for x in inputs_t]
    totals = [None] * len(inputs_t)
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        _check_requires(t, i)
        capture = {k: None for k in keys}
        if create_graph:
            from . import twice
            twice.run_backward(t, _seed_tensor(t, g), capture=capture, accumulate=False,
                               retain_graph=True if retain_graph is None else bool(retain_graph))
        else:
            # outputs share nodes: only the last backward may free them
            graph.run_backward(t, _seed(t, g), capture=capture, accumulate=False,
                               retain_graph=bool(retain_graph) or i < len(outputs) - 1)
        for j, k in enumerate(keys):
            c = capture[k]
            if c is not None:
                totals[j] = c if totals[j] is None else totals[j] + c
    result = []
    for i, (x, g) in enumerate(zip(inputs_t, totals)):
        if g is None:
            if materialize_grads:
                g = x.xp.zeros_like(x._data)
                result.append(Tensor._wrap(g))
                continue
            elif not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (index {i}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
        result.append(None if g is None else g if isinstance(g, Tensor) else Tensor._wrap(g))
    return tuple(result)


# torch.autograd.functional's own names live here too (jacobians.py holds them)
from .jacobians import hessian, hvp, jacobian, jvp, vhp, vjp  # noqa: E402,F401
