"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""
from .. import backend
from .adam import _lerp_
from .optimizer import (Optimizer, _as_float, _check_betas, _check_eps, _check_lr,
                        _check_nonneg, _check_not_differentiable, _count_step)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (``torch.optim.RAdam``, Liu et al. 2019), with PyTorch's order of operations::

        g = g + weight_decay * p       (or p *= 1 - lr * weight_decay when decoupled)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        rho_t > 5:  p -= lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * rect(rho_t)
        otherwise:  p -= lr * m_hat          (plain momentum SGD in the first steps)

    >>> opt = galton.optim.RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RAdam update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, g, st in self._each_grad(group, "exp_avg", "exp_avg_sq"):
                pd = p._data
                xp = backend.array_module(pd)
                t = _count_step(st)
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        pd *= 1 - lr * wd
                    else:
                        g = g + wd * pd
                m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
                tmp = xp.empty_like(pd)
                _lerp_(xp, m, g, 1 - beta1, tmp)
                v *= beta2
                xp.multiply(g, 1 - beta2, out=tmp)
                tmp *= g
                v += tmp
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                update = m / bias_correction1
                update *= lr
                rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    xp.sqrt(v, out=tmp)
                    tmp += eps
                    update *= bias_correction2 ** 0.5 / tmp
                    update *= rect
                pd -= update
                p._version += 1
        return loss
