"""Adamax: Adam with the infinity norm of past gradients in place of their RMS."""
from .. import backend
from .adam import _lerp_
from .optimizer import (Optimizer, _as_float, _check_betas, _check_eps, _check_lr,
                        _check_nonneg, _check_not_differentiable, _count_step)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (``torch.optim.Adamax``, Kingma and Ba 2014, section 7)::

        g = g + weight_decay * p
        m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
        p -= lr / (1 - beta1 ** t) * m / u

    >>> opt = galton.optim.Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adamax update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p, g, st in self._each_grad(group, "exp_avg", "exp_inf"):
                pd = p._data
                xp = backend.array_module(pd)
                t = _count_step(st)
                if wd != 0:
                    g = g + wd * pd
                m, u = st["exp_avg"]._data, st["exp_inf"]._data
                tmp = xp.empty_like(pd)
                _lerp_(xp, m, g, 1 - beta1, tmp)
                u *= beta2
                xp.abs(g, out=tmp)
                tmp += eps
                xp.maximum(u, tmp, out=u)
                clr = lr / (1 - beta1 ** t)
                pd += xp.multiply(m, -clr) / u
                p._version += 1
        return loss
