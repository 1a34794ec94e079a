"""NAdam: Adam with Nesterov momentum (Dozat, 2016), with the momentum-decay schedule."""
from .. import backend
from .adam import _lerp_
from .optimizer import (Optimizer, _as_float, _check_betas, _check_eps, _check_lr,
                        _check_nonneg, _check_not_differentiable, _count_step)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (``torch.optim.NAdam``), with PyTorch's order of operations::

        g = g + weight_decay * p       (or p *= 1 - lr * weight_decay when decoupled)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay));  mu_prod *= mu_t
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2 ** t)) + eps
        p -= lr * (1 - mu_t) / (1 - mu_prod) * g / denom
        p -= lr * mu_{t+1} / (1 - mu_prod * mu_{t+1}) * m / denom

    ``mu_product`` is kept as a float32 scalar (float64 when that is the default dtype),
    as torch keeps it, so the trajectories agree bit for bit in the products.

    >>> opt = galton.optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One NAdam update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            psi = group["momentum_decay"]
            for p, g, st in self._each_grad(group, "exp_avg", "exp_avg_sq", mu_product=1.0):
                pd = p._data
                xp = backend.array_module(pd)
                t = _count_step(st)
                bias_correction2 = 1 - beta2 ** t
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        pd *= 1 - lr * wd
                    else:
                        g = g + wd * pd
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
                mp_arr = st["mu_product"]._data
                mp_arr *= mu  # in the scalar's own precision, as torch's 0-d tensor
                m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
                tmp = xp.empty_like(pd)
                _lerp_(xp, m, g, 1 - beta1, tmp)
                v *= beta2
                xp.multiply(g, 1 - beta2, out=tmp)
                tmp *= g
                v += tmp
                denom = xp.sqrt(v / bias_correction2)
                denom += eps
                mp = float(mp_arr)
                mp_next = mp * mu_next
                # addcdiv(value=c): torch computes (c * x) / denom
                pd += xp.multiply(g, -lr * (1.0 - mu) / (1.0 - mp)) / denom
                pd += xp.multiply(m, (-lr * mu_next) / (1.0 - mp_next)) / denom
                p._version += 1
        return loss
