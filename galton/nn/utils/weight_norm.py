"""Weight normalisation (Salimans & Kingma, https://arxiv.org/abs/1602.07868), the old
hook-based form ``torch.nn.utils.weight_norm``.

A weight ``w`` is re-expressed as ``g * v / ||v||``: ``weight_g`` holds the magnitude (one
number per slice along ``dim``, or one in all with ``dim=None``) and ``weight_v`` the direction.
Both are parameters; ``weight`` becomes a plain tensor recomputed by a forward pre-hook before
every call, so gradients reach g and v through the composition.

>>> m = weight_norm(nn.Linear(20, 40))
>>> m.weight_g.shape, m.weight_v.shape
(galton.Size([40, 1]), galton.Size([40, 20]))
"""
import warnings

from ...ops.arithmetic import div, mul
from ...ops.pointwise import abs as _abs
from ...ops.reduction import norm as _norm
from ...tensor import _dim
from ..parameter import Parameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (so it
    broadcasts against ``v``); ``dim=-1`` means over all dims, a 0-d result (as
    ``torch.norm_except_dim``, where -1 stands for ``dim=None``)."""
    if dim == -1:
        return _norm(v, pow)
    d = _dim(dim, v.ndim)
    axes = tuple(i for i in range(v.ndim) if i != d)
    if not axes:  # a 1-d v: the norm of each single element
        return _abs(v)
    return _norm(v, pow, dim=axes, keepdim=True)


def _weight_norm(v, g, dim=0):
    """``v * (g / ||v||)``, the norm taken over every dim but ``dim`` (``torch._weight_norm``)."""
    return mul(v, div(g, norm_except_dim(v, 2, dim)))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``; ``weight_norm`` registers it."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`galton.nn.utils.weight_norm` is deprecated in favor of "
                      "`galton.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        # g starts at ||w|| and v at w, so the weight is unchanged by the reparametrisation
        module.register_parameter(name + "_g",
                                  Parameter(norm_except_dim(weight, 2, dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Replace parameter ``name`` of ``module`` by a magnitude ``<name>_g`` and a direction
    ``<name>_v`` (``w = g * v / ||v||``), the weight being recomputed before every forward.

    ``dim`` is the dim that keeps one norm per slice (0: per output unit); ``dim=None`` takes
    one norm over the whole tensor. Deprecated, as in PyTorch, in favour of
    ``galton.nn.utils.parametrizations.weight_norm``.

    >>> m = weight_norm(nn.Linear(20, 40), name="weight")
    >>> m.weight_g.size()
    galton.Size([40, 1])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``name`` becomes a plain parameter holding the current weight.

    >>> m = remove_weight_norm(weight_norm(nn.Linear(20, 40)))
    """
    return _remove_hook(module, WeightNorm, name, "weight_norm")


def _remove_hook(module, kind, name, what):
    """Take off the ``kind`` pre-hook that recomputes ``name`` (weight or spectral norm)."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
