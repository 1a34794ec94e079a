"""Lion: the sign of an interpolated momentum as the step (Chen et al. 2023, "Symbolic
Discovery of Optimization Algorithms"). torch has no Lion; this is the paper's Algorithm 2."""
from .. import backend
from ..tensor import Tensor
from .optimizer import (Optimizer, _as_float, _check_betas, _check_lr, _check_nonneg,
                        _check_not_differentiable)

__all__ = ["Lion"]


class Lion(Optimizer):
    """Lion, evolved sign momentum::

        c = beta1 * m + (1 - beta1) * g          (the direction: interpolate, then sign)
        p = p - lr * (sign(c) + weight_decay * p)    (decoupled weight decay, as AdamW)
        m = beta2 * m + (1 - beta2) * g          (the memory: a slower average)

    Every coordinate moves by exactly ``lr`` (plus decay), so Lion wants a learning rate
    3-10x smaller than AdamW's and a weight decay 3-10x larger. Defaults as in the course
    book: ``lr=3e-4, betas=(0.9, 0.99)``. One buffer per parameter (``exp_avg``), against
    Adam's two.

    >>> opt = galton.optim.Lion(model.parameters(), lr=3e-4, weight_decay=0.1)
    """

    def __init__(self, params, lr=3e-4, betas=(0.9, 0.99), weight_decay=0.0, *,
                 maximize=False, foreach=None, differentiable=False):
        _check_lr(lr)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Lion update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            beta1, beta2 = group["betas"]
            wd = group["weight_decay"]
            for p, g, st in self._each_grad(group):
                pd = p._data
                xp = backend.array_module(pd)
                if not st:  # no step count: Lion has no bias correction
                    st["exp_avg"] = Tensor._wrap(xp.zeros_like(pd))
                m = st["exp_avg"]._data
                if wd != 0:
                    pd *= 1 - lr * wd
                c = m * beta1
                c += xp.multiply(g, 1 - beta1)
                pd -= lr * xp.sign(c)
                m *= beta2
                m += xp.multiply(g, 1 - beta2)
                p._version += 1
        return loss
