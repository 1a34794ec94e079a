"""L1 and L2 penalties on parameters, as differentiable galton tensors.

Add them to the loss::

    loss = F.cross_entropy(model(x), y) + 1e-4 * galton.regularization.l2_penalty(model)

``l2_penalty`` is the plain sum of squares: its gradient is ``2 * p``, so adding
``(wd / 2) * l2_penalty(params)`` to the loss moves SGD exactly as ``weight_decay=wd`` does.
With Adam the two differ (the penalty's gradient is rescaled by Adam's denominator; AdamW's
decoupled decay is not): see docs/optimizers.md.
"""
from .tensor import Tensor

__all__ = ["l1_penalty", "l2_penalty"]


def _tensors(params, name):
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a Module
    elif isinstance(params, Tensor):
        params = [params]
    out = list(params)
    if not out:
        raise ValueError(f"{name}: got no parameters")
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected tensors, got {type(p).__name__}")
    return out


def l1_penalty(params):
    """``sum(|p|)`` over every element of every parameter (a Module, a tensor or an iterable
    of tensors): pushes weights to exactly zero (sparsity). Gradient ``sign(p)``."""
    ps = _tensors(params, "l1_penalty")
    total = ps[0].abs().sum()
    for p in ps[1:]:
        total = total + p.abs().sum()
    return total


def l2_penalty(params):
    """``sum(p ** 2)`` over every element of every parameter (a Module, a tensor or an
    iterable of tensors): shrinks large weights. Gradient ``2 * p``."""
    ps = _tensors(params, "l2_penalty")
    total = (ps[0] * ps[0]).sum()
    for p in ps[1:]:
        total = total + (p * p).sum()
    return total
