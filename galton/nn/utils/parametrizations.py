"""Weight and spectral normalisation as parametrizations, as
``torch.nn.utils.parametrizations``: the modern form of ``nn.utils.weight_norm`` and
``nn.utils.spectral_norm``, computed on every access of ``module.weight`` (see parametrize).

>>> m = weight_norm(nn.Linear(20, 40))
>>> list(m.state_dict())
['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""
from ...autograd import no_grad
from ...creation import empty
from ...ops.arithmetic import div
from ...ops.linalg import mv
from ...tensor import Tensor
from ..functional.normalization import normalize
from ..module import Module
from . import parametrize
from .spectral_norm import _as_matrix, _default_dim, _sigma
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    """``w = g * v / ||v||`` from the originals (g, v); right_inverse splits a weight into
    its norm and itself."""

    def __init__(self, dim=0):
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Re-express parameter ``name`` of ``module`` as a magnitude
    ``parametrizations.<name>.original0`` and a direction ``original1``:
    ``w = g * v / ||v||``, recomputed on every access.

    ``dim`` keeps one norm per slice along it (0: per output unit); ``dim=None`` takes one
    norm over the whole tensor.

    >>> m = weight_norm(nn.Linear(20, 40))
    >>> m.parametrizations.weight.original0.size()
    galton.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    # PyTorch also loads old ``<name>_g``/``<name>_v`` state dicts into this form through a
    # load_state_dict pre-hook; galton's Module has no such hooks yet, so such a state dict
    # needs its keys renamed to ``parametrizations.<name>.original0``/``original1`` first
    return module


class _SpectralNorm(Module):
    """``W / sigma(W)``, sigma estimated by power iteration with the singular-vector
    estimates in buffers ``_u`` and ``_v``, iterated on each access in training mode."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError("Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but "
                             f"got n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:  # a vector is normalised exactly, with nothing to estimate
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with no_grad():
                u = empty(h, dtype=weight.dtype, device=weight.device).normal_(0, 1)
                v = empty(w, dtype=weight.dtype, device=weight.device).normal_(0, 1)
                self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            # start from good estimates rather than random ones
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        return _as_matrix(weight, self.dim)

    def _power_method(self, weight_mat, n_power_iterations):
        # in place, so a state dict or an optimizer sharing the buffers sees the update
        with no_grad():
            for _ in range(n_power_iterations):
                self._u._data[...] = normalize(mv(weight_mat, self._v), dim=0, eps=self.eps)._data
                self._v._data[...] = normalize(mv(weight_mat.t(), self._u), dim=0,
                                              eps=self.eps)._data

    def forward(self, weight):
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        # copies: a later access must not change the vectors this graph used
        u, v = self._u.clone(), self._v.clone()
        return div(weight, _sigma(u, weight_mat, v))

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide parameter ``name`` of ``module`` by its spectral norm, estimated by
    ``n_power_iterations`` steps of power iteration on every access in training mode.

    The weight is kept in ``parametrizations.<name>.original``, the singular-vector estimates
    in buffers ``parametrizations.<name>.0._u`` and ``._v``. ``dim`` is the dim of the
    outputs (default 0, 1 for ConvTranspose).

    >>> m = spectral_norm(nn.Linear(20, 40))
    >>> list(m.state_dict())[1:]
    ['parametrizations.weight.original', 'parametrizations.weight.0._u', \
'parametrizations.weight.0._v']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = _default_dim(module)
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
