"""Adagrad: per-coordinate step sizes shrinking with the sum of all past squared gradients."""
from .. import backend
from ..tensor import Tensor
from .optimizer import (Optimizer, _as_float, _check_eps, _check_lr, _check_nonneg,
                        _check_not_differentiable, _count_step, _step_tensor)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (``torch.optim.Adagrad``), with PyTorch's order of operations::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                      (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    >>> opt = galton.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_eps(eps)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # torch fills the state at construction, so state_dict() shows it before any step
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        xp = backend.array_module(p._data)
        st = self.state[p]
        st["step"] = _step_tensor()
        st["sum"] = Tensor._wrap(xp.full_like(p._data, group["initial_accumulator_value"]))
        return st

    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            wd = group["weight_decay"]
            for p, g, st in self._each_grad(group):
                pd = p._data
                xp = backend.array_module(pd)
                if not st:  # a parameter of a group added after construction
                    st = self._init_state(p, group)
                t = _count_step(st)
                if wd != 0:
                    g = g + wd * pd
                clr = lr / (1 + (t - 1) * lr_decay)
                s = st["sum"]._data
                tmp = xp.empty_like(pd)
                xp.multiply(g, g, out=tmp)
                s += tmp
                xp.sqrt(s, out=tmp)
                tmp += eps
                # p.addcdiv_(g, std, value=-clr), in torch's order: (value * g) / std
                xp.divide(xp.multiply(g, -clr), tmp, out=tmp)
                pd += tmp
                p._version += 1
        return loss
