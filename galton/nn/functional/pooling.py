"""Pooling functions, as ``torch.nn.functional``: max, average, adaptive and power-average.

The kernels work on (N, C, H, W) (galton/ops/pooling.py); here unbatched inputs get a batch
dim and 1-D pooling becomes 2-D pooling over a height of 1.
"""
from ...ops import pooling as _pool
from ...ops.arithmetic import mul, pow as _pow
from ...ops.pointwise import abs as _abs, relu, sign
from ...ops.shape import squeeze, unsqueeze

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d"]


def _one(v):
    """A 1-D pooling argument: an int or a 1-tuple."""
    return int(v[0]) if isinstance(v, (tuple, list)) else int(v)


def _stride(stride):
    return None if stride is None or (isinstance(stride, (tuple, list)) and not stride) else stride


def _shape(x):
    return "[" + ", ".join(str(s) for s in x._data.shape) + "]"


def _as_4d(input):
    """(x, how many leading dims were added) for a 2-D pooling kernel.

    PyTorch's rule: only the batch may be empty (the first of 4 dims; none of 3), and the
    result of an empty batch is an empty batch."""
    a = input._data
    if a.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input, but got "
                           f"input of size {_shape(input)}")
    if 0 in a.shape[a.ndim - 3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{_shape(input)}")
    return (input, 0) if a.ndim == 4 else (unsqueeze(input, 0), 1)


def _as_4d_adaptive(input, name, first):
    """_as_4d for adaptive pooling: dims from ``first`` on must be non-empty (PyTorch:
    the spatial dims for the average, every non-batch dim for the max)."""
    a = input._data
    if a.ndim not in (3, 4):
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got {_shape(input)}")
    for i in range(first if first >= 0 else a.ndim + first, a.ndim):
        if a.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {_shape(input)} with dimension "
                               f"{i} being empty")
    return (input, 0) if a.ndim == 4 else (unsqueeze(input, 0), 1)


def _as_4d_from_1d(input, name):
    nd = input._data.ndim
    if nd not in (2, 3) or 0 in input._data.shape[nd - 2:]:
        raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_shape(input)}")
    if nd == 3:
        return unsqueeze(input, 2), 0
    return unsqueeze(unsqueeze(input, 0), 2), 1


def _back(out, added, one_d=False):
    """Undo _as_4d/_as_4d_from_1d on a result (and on indices)."""
    if one_d:
        out = squeeze(out, 2)
    return squeeze(out, 0) if added else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of a (N, C, H, W) or (C, H, W) input; stride defaults to the kernel.

    >>> F.max_pool2d(galton.randn(64, 32, 26, 26), 2).shape
    galton.Size([64, 32, 13, 13])
    """
    x, added = _as_4d(input)
    r = _pool.max_pool2d(x, kernel_size, _stride(stride), padding, dilation, ceil_mode,
                         return_indices)
    if return_indices:
        return _back(r[0], added), _back(r[1], added)
    return _back(r, added)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool2d`` that also returns the flat (h * W + w) index of each maximum."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over windows of a (N, C, L) or (C, L) input; stride defaults to the kernel."""
    x, added = _as_4d_from_1d(input, "max_pool1d")
    k = _one(kernel_size)
    s = _stride(stride)
    r = _pool.max_pool2d(x, (1, k), (1, _one(s) if s is not None else k), (0, _one(padding)),
                         (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return _back(r[0], added, True), _back(r[1], added, True)
    return _back(r, added, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool1d`` that also returns the index of each maximum."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over windows of a (N, C, H, W) or (C, H, W) input; stride defaults to the kernel;
    count_include_pad=False leaves the zero padding out of each window's count."""
    x, added = _as_4d(input)
    return _back(_pool.avg_pool2d(x, kernel_size, _stride(stride), padding, ceil_mode,
                                  count_include_pad, divisor_override), added)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of a (N, C, L) or (C, L) input; stride defaults to the kernel."""
    x, added = _as_4d_from_1d(input, "avg_pool1d")
    k = _one(kernel_size)
    s = _stride(stride)
    out = _pool.avg_pool2d(x, (1, k), (1, _one(s) if s is not None else k), (0, _one(padding)),
                           ceil_mode, count_include_pad)
    return _back(out, added, True)


def _adaptive_size(output_size, in_shape, n):
    """Output sizes as a tuple; None keeps that input size, as PyTorch."""
    if isinstance(output_size, (tuple, list)):
        sizes = tuple(output_size) if len(output_size) == n else tuple(output_size) * n
    else:
        sizes = (output_size,) * n
    sizes = tuple(in_shape[i] if s is None else int(s) for i, s in enumerate(sizes))
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"adaptive pooling: elements of output_size must be greater than or "
                           f"equal to 1 but received {sizes}")
    return sizes


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (OH, OW) whatever the input size; ``(1, 1)`` is the global
    average pooling of ResNets."""
    x, added = _as_4d_adaptive(input, "adaptive_avg_pool2d", -2)
    size = _adaptive_size(output_size, x._data.shape[2:], 2)
    return _back(_pool.adaptive_avg_pool2d(x, size), added)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of a (N, C, L) or (C, L) input to a fixed length."""
    x, added = _as_4d_from_1d(input, "adaptive_avg_pool1d")
    (size,) = _adaptive_size(output_size, x._data.shape[3:], 1)
    return _back(_pool.adaptive_avg_pool2d(x, (1, size)), added, True)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (OH, OW) whatever the input size."""
    x, added = _as_4d_adaptive(input, "adaptive_max_pool2d", 1)
    size = _adaptive_size(output_size, x._data.shape[2:], 2)
    r = _pool.adaptive_max_pool2d(x, size, return_indices)
    if return_indices:
        return _back(r[0], added), _back(r[1], added)
    return _back(r, added)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool2d`` that also returns the flat index of each maximum."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of a (N, C, L) or (C, L) input to a fixed length."""
    x, added = _as_4d_from_1d(input, "adaptive_max_pool1d")
    (size,) = _adaptive_size(output_size, x._data.shape[3:], 1)
    r = _pool.adaptive_max_pool2d(x, (1, size), return_indices)
    if return_indices:
        return _back(r[0], added, True), _back(r[1], added, True)
    return _back(r, added, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool1d`` that also returns the index of each maximum."""
    return adaptive_max_pool1d(input, output_size, True)


def _lp(avg, norm_type, kernel_elems):
    """PyTorch's power-average from the average of x**p: (sign * relu(|avg|) * k) ** (1/p)."""
    return _pow(mul(mul(sign(avg), relu(_abs(avg))), kernel_elems), 1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum of x**p over each window) ** (1/p)."""
    kh, kw = _pool._pair(kernel_size)
    avg = avg_pool2d(_pow(input, norm_type), (kh, kw), stride, 0, ceil_mode)
    return _lp(avg, norm_type, kh * kw)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over a (N, C, L) input."""
    k = _one(kernel_size)
    avg = avg_pool1d(_pow(input, norm_type), k, stride, 0, ceil_mode)
    return _lp(avg, norm_type, k)
