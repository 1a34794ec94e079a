"""Adadelta: step sizes from the ratio of running RMS of updates to running RMS of gradients."""
from .. import backend
from .optimizer import (Optimizer, _as_float, _check_eps, _check_lr, _check_nonneg,
                        _check_not_differentiable, _count_step)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (``torch.optim.Adadelta``, Zeiler 2012)::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p -= lr * delta

    >>> opt = galton.optim.Adadelta(model.parameters())   # lr=1.0 is the paper's method
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_eps(eps)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adadelta update of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
            for p, g, st in self._each_grad(group, "square_avg", "acc_delta"):
                pd = p._data
                xp = backend.array_module(pd)
                _count_step(st)
                if wd != 0:
                    g = g + wd * pd
                v, u = st["square_avg"]._data, st["acc_delta"]._data
                v *= rho
                tmp = xp.empty_like(pd)  # an array even for 0-d parameters (out= needs one)
                xp.multiply(g, 1 - rho, out=tmp)
                tmp *= g
                v += tmp
                std = xp.sqrt(v + eps)
                delta = xp.sqrt(u + eps)
                delta /= std
                delta *= g
                u *= rho
                xp.multiply(delta, 1 - rho, out=tmp)
                tmp *= delta
                u += tmp
                delta *= -lr
                pd += delta
                p._version += 1
        return loss
