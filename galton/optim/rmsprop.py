"""RMSprop: divide the gradient by a running root-mean-square of its recent magnitudes."""
from .. import backend
from .adam import _lerp_
from .optimizer import (Optimizer, _as_float, _check_eps, _check_lr, _check_nonneg,
                        _check_not_differentiable, _count_step)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``), with PyTorch's order of operations::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - mean_g ** 2) if centered (mean_g = lerp(mean_g, g, 1 - alpha)) else sqrt(v)
        avg = avg + eps
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p = p - lr * g / avg                                  (otherwise)

    >>> opt = galton.optim.RMSprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        _check_eps(eps)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            alpha = group["alpha"]
            eps = group["eps"]
            wd = group["weight_decay"]
            momentum = group["momentum"]
            centered = group["centered"]
            w = 1 - alpha
            buffers = (("square_avg",) + (("momentum_buffer",) if momentum > 0 else ())
                       + (("grad_avg",) if centered else ()))
            for p, g, st in self._each_grad(group, *buffers):
                pd = p._data
                xp = backend.array_module(pd)
                _count_step(st)
                if wd != 0:
                    g = g + wd * pd
                sq = st["square_avg"]._data
                tmp = xp.empty_like(pd)
                sq *= alpha
                xp.multiply(g, w, out=tmp)
                tmp *= g
                sq += tmp
                if centered:
                    ga = st["grad_avg"]._data
                    _lerp_(xp, ga, g, w, tmp)
                    # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                    xp.multiply(ga, -1.0, out=tmp)
                    tmp *= ga
                    tmp += sq
                    xp.sqrt(tmp, out=tmp)
                else:
                    xp.sqrt(sq, out=tmp)
                tmp += eps
                if momentum > 0:
                    buf = st["momentum_buffer"]._data
                    buf *= momentum
                    xp.divide(g, tmp, out=tmp)
                    buf += tmp
                    xp.multiply(buf, lr, out=tmp)
                    pd -= tmp
                else:
                    # torch's addcdiv computes (value * g) / avg; the same order keeps the
                    # same bits (g / avg * value differs in the last place)
                    xp.divide(xp.multiply(g, -lr), tmp, out=tmp)
                    pd += tmp
                p._version += 1
        return loss
