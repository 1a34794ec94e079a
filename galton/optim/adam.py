"""Adam and AdamW: adaptive moments with bias correction (L2 or decoupled weight decay)."""
from .. import backend
from ..ops import _kernels
from .optimizer import (Optimizer, _as_float, _check_betas, _check_eps, _check_lr,
                        _check_not_differentiable, _count_step)

__all__ = ["Adam", "AdamW"]


def _lerp_(xp, m, g, w, tmp):
    """m.lerp_(g, w) with torch's two formulas (the second is exact at w = 1)."""
    xp.subtract(g, m, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        m += tmp
    else:
        dt = m.dtype.type
        tmp *= dt(1) - dt(w)  # torch computes 1 - weight in the tensor's precision
        xp.subtract(g, tmp, out=m)


def _one_pass(pd, g, m, v):
    """The compiled kernels when the one-pass update applies (large C-contiguous arrays of
    one float dtype), else None: other dtypes, layouts and devices take the NumPy code."""
    k = _kernels.get(pd, g, m, v)
    dt = pd.dtype
    if k is None or not all(a.dtype == dt and a.flags.c_contiguous for a in (pd, g, m, v)):
        return None
    return k


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), with PyTorch's order of operations::

        g = g + weight_decay * p          (or p *= 1 - lr * weight_decay when decoupled)
        m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps      (max of all v when amsgrad)
        p = p - lr / (1 - beta1 ** t) * m / denom

    >>> opt = galton.optim.Adam(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_lr(lr)
        _check_eps(eps)
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        _check_not_differentiable(differentiable)
        betas = (float(betas[0]), float(betas[1]))
        # foreach/capturable/fused only choose among torch's kernels; kept for the layout
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adam update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            wd = group["weight_decay"]
            amsgrad = group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            w1 = 1 - beta1
            w2 = 1 - beta2
            buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
            for p, g, st in self._each_grad(group, *buffers):
                pd = p._data
                xp = backend.array_module(pd)
                t = _count_step(st)
                if wd != 0:
                    if decoupled:
                        pd *= 1 - lr * wd
                    else:
                        g = g + wd * pd
                m = st["exp_avg"]._data
                v = st["exp_avg_sq"]._data
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                step_size = lr / bias_correction1
                bc2_sqrt = bias_correction2 ** 0.5
                k = None if amsgrad or abs(w1) >= 0.5 else _one_pass(pd, g, m, v)
                if k is not None:
                    # the same operations per element in one pass over memory instead of
                    # ten (the VAE's Adam step, benchmarks/PROFILE.md)
                    dt = pd.dtype.type
                    k.adam_step(
                        pd.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1), dt(w1),
                        dt(beta2), dt(w2), dt(bc2_sqrt), dt(eps), dt(-step_size))
                    p._version += 1
                    continue
                tmp = xp.empty_like(pd)
                _lerp_(xp, m, g, w1, tmp)
                # v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                v *= beta2
                xp.multiply(g, w2, out=tmp)
                tmp *= g
                v += tmp
                if amsgrad:
                    vmax = st["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    v = vmax
                xp.sqrt(v, out=tmp)
                tmp /= bc2_sqrt
                tmp += eps
                # p.addcdiv_(m, denom, value=-step_size): torch computes (value * m) / denom,
                # and the same order keeps the same bits
                xp.divide(xp.multiply(m, -step_size), tmp, out=tmp)
                pd += tmp
                p._version += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``): ``p *= 1 - lr * weight_decay``
    before the Adam step, instead of adding ``weight_decay * p`` to the gradient.

    >>> opt = galton.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def _after_load(self):
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
