"""Convolution layers, as in ``torch.nn``: Conv1d/2d/3d and ConvTranspose1d/2d/3d.

Each holds its weight (and bias) and calls galton.nn.functional; the work is im2col + one
GEMM (galton/ops/conv.py). Weights start as PyTorch's: kaiming_uniform_(a=sqrt(5)), i.e.
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias with the same bound.
"""
import math

from ..creation import empty
from . import init
from .functional import conv as F
from .functional.padding import pad
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]),) * n
        return tuple(int(x) for x in v)
    return (int(v),) * n


class _ConvNd(Module):
    """What every convolution layer shares: arguments, checks, parameters, repr."""

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError("padding_mode must be one of {'circular', 'replicate', 'zeros', "
                             f"'reflect'}}, but got padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
            pairs = []
            for k, d in zip(self.kernel_size, self.dilation):
                total = d * (k - 1) if padding == "same" else 0
                pairs.append((total // 2, total - total // 2))
        else:
            self.padding = _ntuple(padding, n)
            pairs = [(p, p) for p in self.padding]
        # F.pad's order: the last dim first, (before, after) each
        self._reversed_padding_repeated_twice = [v for pr in reversed(pairs) for v in pr]
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """kaiming_uniform_(a=sqrt(5)) for the weight; U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
        the bias, as PyTorch."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        if self.padding_mode != "zeros":  # the padding was done by _padded, in its own mode
            return self._conv(self._padded(input), self.weight, self.bias, self.stride, 0,
                              self.dilation, self.groups)
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self.dilation, self.groups)

    def _padded(self, input):
        """The input padded by padding_mode (reflect/replicate/circular) before a conv."""
        return pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)

    def extra_repr(self):
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over a (N, C_in, H, W) or (C_in, H, W) input.

    padding: int, (h, w), 'valid' or 'same'; padding_mode: 'zeros', 'reflect', 'replicate'
    or 'circular'. weight: (C_out, C_in/groups, KH, KW).

    >>> conv = nn.Conv2d(1, 32, 3)
    >>> conv(galton.randn(64, 1, 28, 28)).shape
    galton.Size([64, 32, 26, 26])
    """

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    _conv = staticmethod(F.conv2d)


class Conv1d(_ConvNd):
    """1-D convolution over a (N, C_in, L) or (C_in, L) input; weight (C_out, C_in/groups, K)."""

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    _conv = staticmethod(F.conv1d)


class Conv3d(_ConvNd):
    """3-D convolution over a (N, C_in, D, H, W) or (C_in, D, H, W) input; weight
    (C_out, C_in/groups, KD, KH, KW).

    >>> nn.Conv3d(3, 4, 3)(galton.randn(2, 3, 8, 8, 8)).shape
    galton.Size([2, 4, 6, 6, 6])
    """

    _dims = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    _conv = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, output_padding,
                 groups, bias, dilation, padding_mode, device, dtype):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size):
        """The output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = list(output_size)[-n:]
        spatial = input._data.shape[-n:]
        out = []
        for d in range(n):
            lo = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d]
                  + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            hi = lo + self.stride[d] - 1
            if not lo <= size[d] <= hi:
                raise ValueError(f"requested an output size of {size}, but valid sizes range "
                                 f"from {[lo]} to {[hi]} (for an input of {list(spatial)})")
            out.append(size[d] - lo)
        return tuple(out)


    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size)
        return self._conv_transpose(input, self.weight, self.bias, self.stride, self.padding, op,
                                    self.groups, self.dilation)

class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution ("deconvolution"): upsamples by ``stride``; weight
    (C_in, C_out/groups, KH, KW). ``forward(x, output_size)`` picks the output_padding."""

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)

    _conv_transpose = staticmethod(F.conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution; weight (C_in, C_out/groups, K)."""

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)

    _conv_transpose = staticmethod(F.conv_transpose1d)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution; weight (C_in, C_out/groups, KD, KH, KW)."""

    _dims = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding,
                         groups, bias, dilation, padding_mode, device, dtype)

    _conv_transpose = staticmethod(F.conv_transpose3d)
