"""ASGD: SGD with a decaying step and a running (Polyak) average of the iterates in ``ax``."""
from .. import backend
from .optimizer import (Optimizer, _as_float, _check_lr, _check_nonneg,
                        _check_not_differentiable, _count_step, _scalar_dtype)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (``torch.optim.ASGD``, Polyak and Juditsky 1992)::

        g = g + weight_decay * p
        p *= 1 - lambd * eta;  p -= eta * g
        ax += mu * (p - ax)        (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha;  mu = 1 / max(1, t - t0)

    ``eta`` and ``mu`` are float32 scalars (float64 when that is the default dtype) as in
    torch. The averaged parameters are ``optimizer.state[p]["ax"]``.

    >>> opt = galton.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            wd = group["weight_decay"]
            sdt = _scalar_dtype()
            for p, g, st in self._each_grad(group, "ax", eta=lr, mu=1.0):
                pd = p._data
                xp = backend.array_module(pd)
                t = _count_step(st)
                if wd != 0:
                    g = g + wd * pd
                eta = float(st["eta"]._data)
                pd *= 1 - lambd * eta
                pd += xp.multiply(g, -eta)
                ax = st["ax"]._data
                mu = float(st["mu"]._data)
                if mu != 1:
                    tmp = pd - ax
                    tmp *= mu
                    ax += tmp
                else:
                    ax[...] = pd
                # torch makes these with as_tensor (default dtype) and copies them in, so
                # they stay rounded to that dtype even after loading cast eta to float64
                st["eta"]._data[...] = sdt(lr / ((1 + lambd * lr * t) ** alpha))
                st["mu"]._data[...] = sdt(1 / max(1, t - t0))
                p._version += 1
        return loss
