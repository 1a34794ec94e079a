"""Adafactor: Adam's second moment stored factored, one row and one column vector per matrix
(Shazeer and Stern 2018), in the form of ``torch.optim.Adafactor``."""
import numpy as np

from .. import backend
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer, _as_float, _count_step, _step_tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor (``torch.optim.Adafactor``): memory ``O(rows + cols)`` per matrix instead of
    Adam's ``O(rows * cols)``; no first moment. For step ``t``::

        beta2_t = 1 - t ** beta2_decay;  rho_t = min(lr, 1 / sqrt(t))
        alpha = max(eps2, RMS(p)) * rho_t            (a step relative to the parameter's size)
        p *= 1 - lr * weight_decay
        matrices:  R = lerp(R, mean_cols(g^2), 1 - beta2_t);  C = lerp(C, mean_rows(g^2), ...)
                   v = R @ C / max(mean(R), eps1)
        vectors:   v = lerp(v, g^2, 1 - beta2_t)
        u = g / sqrt(max(v, eps1^2));  p -= alpha / max(1, RMS(u) / d) * u

    eps=(None, 1e-3): eps1 None means the machine epsilon of the parameter's dtype.

    >>> opt = galton.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adafactor update of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            eps1, eps2 = group["eps"]
            d, wd, decay = group["d"], group["weight_decay"], group["beta2_decay"]
            for p, g, st in self._each_grad(group):
                pd = p._data
                xp = backend.array_module(pd)
                if not st:  # shaped by the gradient: factored for matrices
                    st["step"] = _step_tensor()
                    if g.ndim > 1:
                        st["row_var"] = Tensor._wrap(xp.zeros(g.shape[:-1] + (1,), g.dtype))
                        st["col_var"] = Tensor._wrap(
                            xp.zeros(g.shape[:-2] + (1,) + g.shape[-1:], g.dtype))
                    else:
                        st["variance"] = Tensor._wrap(xp.zeros_like(g))
                if eps1 is None:  # as torch: fixed by the first parameter of the group
                    eps1 = float(np.finfo(pd.dtype).eps)
                t = _count_step(st)
                w = t ** decay  # 1 - beta2_t
                rho_t = min(lr, 1 / (t ** 0.5))
                alpha = max(eps2, float(xp.sqrt((pd * pd).sum())) / (pd.size ** 0.5)) * rho_t
                if wd != 0:
                    pd *= 1 - lr * wd
                g2 = g * g
                if g.ndim > 1:
                    row, col = st["row_var"]._data, st["col_var"]._data
                    # torch: norm(g, dim).square_() / n: a square of a square root, kept so
                    # that the roundings agree
                    row_mean = xp.sqrt(g2.sum(axis=-1, keepdims=True)) ** 2 / g.shape[-1]
                    _lerp_(xp, row, row_mean, w, xp.empty_like(row))
                    col_mean = xp.sqrt(g2.sum(axis=-2, keepdims=True)) ** 2 / g.shape[-2]
                    _lerp_(xp, col, col_mean, w, xp.empty_like(col))
                    v = row @ col
                    v /= xp.maximum(row.mean(axis=-2, keepdims=True), eps1)
                else:
                    var = st["variance"]._data
                    _lerp_(xp, var, g2, w, xp.empty_like(var))
                    v = var.copy()
                xp.maximum(v, eps1 * eps1, out=v)
                u = 1.0 / xp.sqrt(v)
                u *= g
                denom = max(1.0, float(xp.sqrt((u * u).sum())) / ((u.size ** 0.5) * d))
                pd += xp.multiply(u, -alpha / denom)
                p._version += 1
        return loss
