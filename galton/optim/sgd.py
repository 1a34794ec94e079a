"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer, _as_float, _check_lr, _check_nonneg, _check_not_differentiable

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update (``torch.optim.SGD``).

    For each parameter ``p`` with gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        buf = g                                  (first step)
        buf = momentum * buf + (1 - dampening) * g   (later steps)
        g = g + momentum * buf if nesterov else buf
        p = p - lr * g

    >>> opt = galton.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_not_differentiable(differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        # foreach/fused only choose among torch's kernels; galton has one implementation
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        self._scratch = {}  # per-parameter buffers for lr * grad (not state: not saved)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None if closure is None else self._closure_loss(closure)
        state = self.state
        for group in self.param_groups:
            lr = _as_float(group["lr"])
            momentum = group["momentum"]
            dampening = group["dampening"]
            wd = group["weight_decay"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                gt = p.grad
                if gt is None:
                    continue
                g = gt._data
                owned = False  # whether g is our own temporary (safe to modify in place)
                if maximize:
                    g = -g
                    owned = True
                if wd != 0:
                    if owned:
                        g += wd * p._data
                    else:
                        g = g + wd * p._data
                        owned = True
                if momentum != 0:
                    st = state[p]
                    buf = st.get("momentum_buffer")
                    if buf is None:
                        # always a fresh array: g may be the user's .grad, or a NumPy scalar
                        # when p is 0-d (ops on 0-d arrays return scalars)
                        b = backend.array_module(p._data).array(g)
                        st["momentum_buffer"] = Tensor._wrap(b)
                    else:
                        b = buf._data
                        b *= momentum
                        if dampening == 0:
                            b += g
                        else:
                            b += (1 - dampening) * g
                    if nesterov:
                        if owned:
                            g += momentum * b
                        else:
                            g = g + momentum * b
                            owned = True
                    else:
                        g = b
                        owned = False
                if owned:
                    g *= lr
                    p._data -= g
                elif g.shape == p._data.shape and g.ndim:
                    # lr * g into a scratch array kept per parameter: no allocation per step
                    tmp = self._scratch.get(id(p))
                    if tmp is None or tmp.shape != g.shape or tmp.dtype != g.dtype:
                        tmp = self._scratch[id(p)] = backend.array_module(g).empty_like(g)
                    backend.array_module(g).multiply(g, lr, out=tmp)
                    p._data -= tmp
                else:
                    p._data -= lr * g
                p._version += 1
        return loss
