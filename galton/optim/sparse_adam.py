"""SparseAdam: Adam on the rows a sparse embedding looked up, the other rows left untouched.

PyTorch's SparseAdam takes the sparse gradients of ``nn.Embedding(sparse=True)`` and refuses
dense ones. galton's gradients are dense arrays, so a sparse embedding records which rows it
looked up (galton/nn/functional/sparse.py); SparseAdam updates exactly those rows (with
PyTorch's arithmetic) and refuses, with PyTorch's message, a gradient that no sparse embedding
produced.
"""
import math

from .. import backend
from ..nn.functional.sparse import take_sparse_rows
from ..tensor import Tensor
from .optimizer import Optimizer, _as_float, _check_betas

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Adam restricted to the rows with a gradient (``torch.optim.SparseAdam``)::

        for the looked-up rows r only:
        m[r] = lerp(m[r], g[r], 1 - beta1);  v[r] = lerp(v[r], g[r]**2, 1 - beta2)
        p[r] -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m[r] / (sqrt(v[r]) + eps)

    State per parameter (PyTorch's keys): ``step`` (an int), ``exp_avg``, ``exp_avg_sq``.

    >>> emb = nn.Embedding(10000, 64, sparse=True)
    >>> opt = galton.optim.SparseAdam(emb.parameters(), lr=1e-3)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})

    def step(self, closure=None):
        """One update of the looked-up rows of every parameter that has a gradient."""
        loss = None if closure is None else self._closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            eps, lr = group["eps"], _as_float(group["lr"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                rows = take_sparse_rows(p)
                if rows is None:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
                pd = p._data
                xp = backend.array_module(pd)
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["exp_avg"] = Tensor._wrap(xp.zeros_like(pd))
                    st["exp_avg_sq"] = Tensor._wrap(xp.zeros_like(pd))
                st["step"] += 1
                g = p.grad._data[rows]
                if group["maximize"]:
                    g = -g
                m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
                m_rows = m[rows]
                m_rows += (g - m_rows) * (1 - beta1)
                v_rows = v[rows]
                v_rows += (g * g - v_rows) * (1 - beta2)
                m[rows], v[rows] = m_rows, v_rows
                t = st["step"]
                step_size = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                pd[rows] -= step_size * m_rows / (xp.sqrt(v_rows) + eps)
                p._version += 1
        return loss
