"""3-d pooling and max-unpooling layers, as in ``torch.nn`` (galton/nn/functional/pooling3d.py
does the work). As in PyTorch the stride defaults to the kernel size."""
from .functional import pooling3d as F
from .module import Module
from .pooling import _AdaptiveMaxPool, _AdaptivePool, _AvgPoolNd, _LPPool, _MaxPoolNd

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class MaxPool3d(_MaxPoolNd):
    """The maximum of each (KD, KH, KW) window of a (N, C, D, H, W) or (C, D, H, W) input.

    >>> nn.MaxPool3d(2)(galton.randn(2, 3, 8, 8, 8)).shape
    galton.Size([2, 3, 4, 4, 4])
    """

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(_AvgPoolNd):
    """The mean of each (KD, KH, KW) window of a (N, C, D, H, W) or (C, D, H, W) input."""

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling to a fixed (OD, OH, OW) whatever the input size."""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max pooling to a fixed (OD, OH, OW) whatever the input size."""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(_LPPool):
    """Power-average pooling over (KD, KH, KW) windows: (sum of x**p) ** (1/p)."""

    def forward(self, input):
        return F.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpoolNd(Module):
    _n = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input, indices, output_size=None):
        fn = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._n - 1]
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: values back at their indices, zeros elsewhere.

    >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    >>> y, i = pool(galton.tensor([[[1., 2, 3, 4]]]))
    >>> unpool(y, i)
    tensor([[[0., 2., 0., 4.]]])
    """

    _n = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d (``output_size`` resolves odd input sizes)."""

    _n = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d."""

    _n = 3
