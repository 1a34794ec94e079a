"""Normalisation layers, as in ``torch.nn``: BatchNorm1d/2d/3d, LayerNorm, GroupNorm,
InstanceNorm1d/2d, LocalResponseNorm.

BatchNorm keeps ``running_mean``, ``running_var`` (updated with the unbiased batch variance,
as PyTorch) and ``num_batches_tracked`` as buffers, so its state_dict has PyTorch's keys;
in eval mode it normalises with the running statistics.
"""
import numpy as np

from .. import dtypes
from ..creation import ones, tensor, zeros
from . import init
from .functional import normalization as F
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm",
           "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "RMSNorm",
           "CrossMapLRN2d"]


class _NormBase(Module):
    """Parameters, buffers and repr shared by batch and instance norm."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype=dtypes.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_channels(self, input):
        """A clear error naming the layer when the input's channel count is wrong."""
        a = input._data
        c = a.shape[1] if a.ndim > 1 else None
        if c != self.num_features:
            raise RuntimeError(
                f"{self._get_name()}({self.num_features}) got input of shape {tuple(a.shape)}: "
                f"expected {self.num_features} channels in dim 1, but got {c} (running_mean "
                f"should contain {c} elements not {self.num_features})")

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ndims = ()

    def forward(self, input):
        nd = input._data.ndim
        if nd not in self._ndims:
            shown = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"expected {shown} input (got {nd}D input)")
        self._check_channels(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_stats = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if use_stats else None,
                            self.running_var if use_stats else None, self.weight, self.bias,
                            bn_training, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of a (N, C) or (N, C, L) input over the batch (and length).

    >>> bn = nn.BatchNorm1d(100); bn(galton.randn(32, 100)).shape
    galton.Size([32, 100])
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of each channel of a (N, C, H, W) input."""

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of each channel of a (N, C, D, H, W) input."""

    _ndims = (5,)


class _InstanceNorm(_NormBase):
    _batched = 3

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input):
        nd = input._data.ndim
        if nd not in (self._batched - 1, self._batched):
            raise ValueError(f"expected {self._batched - 1}D or {self._batched}D input (got "
                             f"{nd}D input)")
        unbatched = nd == self._batched - 1
        x = input.unsqueeze(0) if unbatched else input
        if self.affine:
            self._check_channels(x)
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Normalise each (sample, channel) sequence of a (N, C, L) input on its own."""

    _batched = 3


class InstanceNorm2d(_InstanceNorm):
    """Normalise each (sample, channel) image plane of a (N, C, H, W) input on its own."""

    _batched = 4


class InstanceNorm3d(_InstanceNorm):
    """Normalise each (sample, channel) volume of a (N, C, D, H, W) input on its own."""

    _batched = 5


def _affine_parameters(module, enabled, bias, shape, device, dtype):
    """LayerNorm's and GroupNorm's scale (ones) and shift (zeros), or None for each."""
    if enabled:
        module.weight = Parameter(ones(shape, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(zeros(shape, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalise over the last dims (``normalized_shape``), then scale and shift elementwise.

    >>> nn.LayerNorm(512)(galton.randn(8, 10, 512)).shape
    galton.Size([8, 10, 512])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, device, dtype)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Scale each vector by the inverse of its root mean square over the last dims, then by a
    learned weight (ones at first): LLaMA-style normalisation, as ``torch.nn.RMSNorm``.

    >>> nn.RMSNorm(512)(galton.randn(8, 10, 512)).shape
    galton.Size([8, 10, 512])
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, False, self.normalized_shape, device, dtype)
        self._parameters.pop("bias", None)  # RMSNorm has no shift

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise groups of channels of a (N, C, *) input, then scale and shift per channel."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, (num_channels,), device, dtype)

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """AlexNet's normalisation across ``size`` neighbouring channels."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """Lua Torch's cross-channel normalisation of a (N, C, H, W) input, kept by PyTorch:
    x * (k + alpha/size * s) ** -beta, where s sums x² over a window of channels. The window
    is the one PyTorch's running-sum code produces (for c > (size-1)/2 + 1 it never drops
    channel 0), so the outputs match PyTorch's exactly, not LocalResponseNorm's."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D "
                             "instead.")
        c = input.shape[1]
        pre = int((self.size - 1) / 2 + 1)
        window = np.zeros((c, c), dtype=input._data.dtype)
        for i in range(c):
            window[i, :min(i + pre, c)] = 1
            window[i, 1:max(i - pre + 1, 1)] = 0  # the channels the running sum dropped
        sums = (input * input).permute(0, 2, 3, 1) @ tensor(window.T)
        scale = sums.permute(0, 3, 1, 2) * (self.alpha / self.size) + self.k
        return input * scale ** -self.beta

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
