"""``nn.FractionalMaxPool2d`` / ``nn.FractionalMaxPool3d``: the layers of
``F.fractional_max_pool2d`` / ``3d`` (fresh random windows on every call unless
``_random_samples`` is given)."""
from .functional import fractional_pooling as F
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


class _FractionalMaxPoolNd(Module):
    _d = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        d, name = self._d, type(self).__name__
        self.kernel_size = F._tuple(kernel_size, d)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = F._tuple(output_size, d) if output_size is not None else None
        self.output_ratio = F._tuple(output_ratio, d) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             f"ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        fn = F.fractional_max_pool2d if self._d == 2 else F.fractional_max_pool3d
        return fn(input, self.kernel_size, self.output_size, self.output_ratio,
                  self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-d fractional max pooling (Graham, 2014).

    >>> nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(galton.randn(1, 2, 10, 10)).shape
    galton.Size([1, 2, 5, 5])
    """
    _d = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-d fractional max pooling (Graham, 2014)."""
    _d = 3
