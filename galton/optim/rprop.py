"""Rprop: resilient backpropagation, a step size per weight driven by the gradient's sign."""
from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, _as_float, _check_lr, _check_not_differentiable, _count_step

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (``torch.optim.Rprop``, Riedmiller and Braun 1993)::

        s = sign(g * g_prev)
        step = clamp(step * (etaplus if s > 0 else etaminus if s < 0 else 1), *step_sizes)
        g = 0 where s < 0   (no move after a sign change, and no sign test next time)
        p -= sign(g) * step;  g_prev = g

    Each weight's step starts at ``lr``. State per parameter (PyTorch's keys): ``step``,
    ``prev``, ``step_size``.

    >>> opt = galton.optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        _check_not_differentiable(differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            lo, hi = group["step_sizes"]
            lr = _as_float(group["lr"])
            for p, g, st in self._each_grad(group, "prev"):
                pd = p._data
                xp = backend.array_module(pd)
                if "step_size" not in st:  # a fresh state: every weight's step starts at lr
                    st["step_size"] = Tensor._wrap(xp.full_like(pd, lr))
                _count_step(st)
                prev, size = st["prev"]._data, st["step_size"]._data
                s = xp.sign(g * prev)
                factor = xp.where(s > 0, etaplus, xp.where(s < 0, etaminus, 1.0)).astype(pd.dtype)
                size *= factor
                xp.clip(size, lo, hi, out=size)
                g = xp.where(s < 0, 0, g).astype(pd.dtype)
                pd -= xp.sign(g) * size
                prev[...] = g
                p._version += 1
        return loss
