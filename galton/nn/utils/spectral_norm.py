"""Spectral normalisation (Miyato et al., https://arxiv.org/abs/1802.05957), the old
hook-based form ``torch.nn.utils.spectral_norm``.

The weight is divided by its largest singular value sigma, estimated by power iteration on the
weight seen as a matrix (``dim`` first, the other dims flattened). The parameter becomes
``<name>_orig``; the buffers ``<name>_u`` and ``<name>_v`` carry the singular-vector estimates
from call to call, and a forward pre-hook recomputes ``<name>`` before every call, iterating
only in training mode.

>>> m = spectral_norm(nn.Linear(20, 40))
>>> m.weight_u.shape
galton.Size([40])
"""
from ...autograd import no_grad
from ...creation import empty
from ...ops.arithmetic import div, mul
from ...ops.linalg import mv
from ...ops.reduction import sum as _sum
from ...ops.shape import permute, reshape
from ..functional.normalization import normalize
from ..parameter import Parameter
from .weight_norm import _remove_hook

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]


def _random_unit(n, like, eps):
    """A random unit vector (standard normal, normalised) with ``like``'s dtype and device."""
    return normalize(empty(n, dtype=like.dtype, device=like.device).normal_(0, 1), dim=0,
                     eps=eps)


def _as_matrix(weight, dim):
    """The weight as a matrix of height ``weight.size(dim)`` (that dim moved to the front)."""
    if dim != 0:
        weight = permute(weight, dim, *[d for d in range(weight.ndim) if d != dim])
    return reshape(weight, weight.shape[0], -1)


def _sigma(u, weight_mat, v):
    """``u . (W v)``, the spectral-norm estimate. Written as a summed product rather than
    ``dot`` because the vector-vector case of matmul's backward (ops/linalg.py) cannot take
    the 0-d output gradient at the moment."""
    return _sum(mul(u, mv(weight_mat, v)))


def _set(buffer, value):
    # in place, so anything holding the buffer (an optimizer, a copy of the state dict
    # sharing memory) sees the new estimate, as PyTorch's ``out=`` does
    buffer._data[...] = value._data


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` as ``<name>_orig / sigma``;
    ``spectral_norm`` registers it."""

    _version = 1

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return _as_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    _set(v, normalize(mv(weight_mat.t(), u), dim=0, eps=self.eps))
                    _set(u, normalize(mv(weight_mat, v), dim=0, eps=self.eps))
                # copies, so a later iteration cannot change what this forward's graph saw
                u, v = u.clone(), v.clone()
        return div(weight, _sigma(u, weight_mat, v))

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name,
                self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _random_unit(h, weight, fn.eps)
            v = _random_unit(w, weight, fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        # a plain attribute until the first forward recomputes it, as in PyTorch
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _default_dim(module):
    from ..conv import _ConvTransposeNd
    # a transposed conv's weight is (in, out, ...): its outputs are dim 1
    return 1 if isinstance(module, _ConvTransposeNd) else 0


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide parameter ``name`` of ``module`` by its spectral norm, re-estimated by
    ``n_power_iterations`` steps of power iteration before every forward in training mode.

    ``dim`` is the dim of the outputs (default 0, 1 for ConvTranspose). The weight is kept in
    ``<name>_orig``, the singular-vector estimates in buffers ``<name>_u`` and ``<name>_v``.

    >>> m = spectral_norm(nn.Linear(20, 40))
    >>> m.weight_u.size()
    galton.Size([40])
    """
    if dim is None:
        dim = _default_dim(module)
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``name`` becomes a plain parameter holding the current
    normalised weight (no further power iteration).

    >>> m = remove_spectral_norm(spectral_norm(nn.Linear(40, 10)))
    """
    return _remove_hook(module, SpectralNorm, name, "spectral_norm")
