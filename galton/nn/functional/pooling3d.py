"""Volumetric (3-d) pooling and max-unpooling, as ``torch.nn.functional``.

Max, average and adaptive pooling over a box of (KD, KH, KW) are separable: the box's maximum
is the maximum over its depth of each slice's (KH, KW) maximum, and its mean (with PyTorch's
divisors, which are products of per-axis counts) the mean of the slice means. So each 3-d pool
is two calls of the 2-d kernel (galton/ops/pooling.py): over (H, W) with the depth folded into
the channels, then over depth with (OH*OW) as the width. Ties keep PyTorch's choice: the first
maximum in (d, h, w) scan order is the first depth whose slice maximum wins, and within that
slice the first (h, w). The backward is the chain rule through the two 2-d pools.

Max-unpooling writes each value at its recorded flat index into a zero output (a scatter).
"""
from ... import backend, creation
from ...ops import pooling as _pool
from ...ops.arithmetic import mul, pow as _pow
from ...ops.index_ops import scatter
from ...ops.shape import reshape, squeeze, unsqueeze
from ...tensor import Tensor
from .pooling import _adaptive_size, _lp, _shape, _stride

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "lp_pool3d",
           "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _triple(v, name="kernel_size"):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]),) * 3
        if len(v) != 3:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of three ints")
        return tuple(int(x) for x in v)
    return (int(v),) * 3


def _as_5d(input, name, nonempty_from=2):
    """(x, whether a batch dim was added): a (C, D, H, W) input gets a batch of 1."""
    a = input._data
    if a.ndim not in (4, 5):
        raise RuntimeError(f"{name}: non-empty 4D or 5D (batch mode) tensor expected for input, "
                           f"but got input of size {_shape(input)}")
    first = a.ndim - 5 + nonempty_from if a.ndim == 5 else nonempty_from - 1
    if 0 in a.shape[max(first, 0):]:
        raise RuntimeError(f"{name}: Expected 4D or 5D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{_shape(input)}")
    return (input, False) if a.ndim == 5 else (unsqueeze(input, 0), True)


def _window_args(name, input_shape, kernel_size, stride, padding, dilation, ceil_mode):
    """Per-axis (k, s, p, d) after PyTorch's checks, raised under the 3-d op's name."""
    k = _triple(kernel_size)
    s = k if _stride(stride) is None else _triple(stride, "stride")
    p, d = _triple(padding, "padding"), _triple(dilation, "dilation")
    if min(k) <= 0 or min(s) <= 0 or min(d) <= 0:
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be greater than zero, "
                           f"but got kernel_size={k}, stride={s}, dilation={d}")
    if any(pi < 0 or pi > ki // 2 for pi, ki in zip(p, k)):
        raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, but "
                           f"got pad={max(p)}, kernel_size={max(k)} and dilation={max(d)}")
    out = [_pool._out_size(n, *a, ceil_mode) for n, a in zip(input_shape, zip(k, s, p, d))]
    if min(out) <= 0:
        c = "x".join(str(v) for v in input_shape)
        raise RuntimeError(f"{name}: Given input size: ({c}). Calculated output size: "
                           f"({'x'.join(str(v) for v in out)}). Output size is too small")
    return k, s, p, d


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over (KD, KH, KW) windows of a (N, C, D, H, W) or (C, D, H, W) input; stride
    defaults to the kernel; with return_indices also the flat (d*H*W + h*W + w) index.

    >>> F.max_pool3d(galton.randn(2, 3, 8, 8, 8), 2).shape
    galton.Size([2, 3, 4, 4, 4])
    """
    x, added = _as_5d(input, "max_pool3d")
    n, c, dep, h, w = x.shape
    k, s, p, d = _window_args("max_pool3d", (dep, h, w), kernel_size, stride, padding, dilation,
                              ceil_mode)
    r1 = _pool.max_pool2d(reshape(x, n, c * dep, h, w), k[1:], s[1:], p[1:], d[1:], ceil_mode,
                          return_indices)
    y1, i1 = r1 if return_indices else (r1, None)
    oh, ow = y1.shape[2], y1.shape[3]
    r2 = _pool.max_pool2d(reshape(y1, n, c, dep, oh * ow), (k[0], 1), (s[0], 1), (p[0], 0),
                          (d[0], 1), ceil_mode, return_indices)
    y2, i2 = r2 if return_indices else (r2, None)
    od = y2.shape[2]
    out = reshape(y2, n, c, od, oh, ow)
    if not return_indices:
        return squeeze(out, 0) if added else out
    idx = _compose_indices(i1._data.reshape(n, c, dep, oh * ow), i2._data, oh * ow, h * w)
    idx = Tensor._wrap(idx.reshape(n, c, od, oh, ow))
    return (squeeze(out, 0), squeeze(idx, 0)) if added else (out, idx)


def _compose_indices(inner, outer, plane, hw):
    """Flat 3-d indices from the two stages': ``outer`` (.., OD, P) holds depth*P + j, and
    ``inner`` (.., D, P) the flat (h, w) index that won slice ``depth`` at output position j."""
    xp_depth = outer // plane
    return xp_depth * hw + _take(inner, xp_depth)


def _take(a, idx):
    return backend.array_module(a).take_along_axis(a, idx, axis=2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """``max_pool3d`` that also returns the flat index of each maximum."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over (KD, KH, KW) windows of a (N, C, D, H, W) or (C, D, H, W) input."""
    x, added = _as_5d(input, "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    n, c, dep, h, w = x.shape
    k, s, p, _ = _window_args("avg_pool3d", (dep, h, w), kernel_size, stride, padding, 1,
                              ceil_mode)
    by = 1 if divisor_override else None  # sums in both stages, then the one divisor
    y1 = _pool.avg_pool2d(reshape(x, n, c * dep, h, w), k[1:], s[1:], p[1:], ceil_mode,
                          count_include_pad, by)
    oh, ow = y1.shape[2], y1.shape[3]
    y2 = _pool.avg_pool2d(reshape(y1, n, c, dep, oh * ow), (k[0], 1), (s[0], 1), (p[0], 0),
                          ceil_mode, count_include_pad, by)
    out = reshape(y2, n, c, y2.shape[2], oh, ow)
    if divisor_override:
        out = mul(out, 1.0 / divisor_override)
    return squeeze(out, 0) if added else out


def adaptive_avg_pool3d(input, output_size):
    """Average pooling to a fixed (OD, OH, OW) whatever the input size."""
    x, added = _as_5d(input, "adaptive_avg_pool3d")
    n, c, dep, h, w = x.shape
    od, oh, ow = _adaptive_size(output_size, (dep, h, w), 3)
    y1 = _pool.adaptive_avg_pool2d(reshape(x, n, c * dep, h, w), (oh, ow))
    y2 = _pool.adaptive_avg_pool2d(reshape(y1, n, c, dep, oh * ow), (od, oh * ow))
    out = reshape(y2, n, c, od, oh, ow)
    return squeeze(out, 0) if added else out


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling to a fixed (OD, OH, OW) whatever the input size."""
    x, added = _as_5d(input, "adaptive_max_pool3d", 1)
    n, c, dep, h, w = x.shape
    od, oh, ow = _adaptive_size(output_size, (dep, h, w), 3)
    y1, i1 = _pool.adaptive_max_pool2d(reshape(x, n, c * dep, h, w), (oh, ow), True)
    y2, i2 = _pool.adaptive_max_pool2d(reshape(y1, n, c, dep, oh * ow), (od, oh * ow), True)
    out = reshape(y2, n, c, od, oh, ow)
    if not return_indices:
        return squeeze(out, 0) if added else out
    idx = _compose_indices(i1._data.reshape(n, c, dep, oh * ow), i2._data, oh * ow, h * w)
    idx = Tensor._wrap(idx.reshape(n, c, od, oh, ow))
    return (squeeze(out, 0), squeeze(idx, 0)) if added else (out, idx)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """``adaptive_max_pool3d`` that also returns the flat index of each maximum."""
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over (KD, KH, KW) windows: (sum of x**p) ** (1/p)."""
    kd, kh, kw = _triple(kernel_size)
    avg = avg_pool3d(_pow(input, norm_type), (kd, kh, kw), stride, 0, ceil_mode)
    return _lp(avg, norm_type, kd * kh * kw)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n_sp, name):
    """Scatter each value to its flat index in a zero (N, C, *spatial) output."""
    a = input._data
    if indices.shape != input.shape:
        raise RuntimeError(f"{name}: Expected shape of indices to be same as that of the input "
                           f"tensor ({_shape(input)}) but got indices tensor with shape: "
                           f"{_shape(indices)}")
    if indices._data.dtype.kind != "i" or indices._data.itemsize != 8:
        raise RuntimeError(f"{name}: elements in indices should be type int64 but got: "
                           f"{str(indices.dtype).split('.')[-1].capitalize()}")
    if a.ndim not in (n_sp + 1, n_sp + 2):
        raise RuntimeError(f"{name}: Expected {n_sp + 1}D or {n_sp + 2}D tensor, but got "
                           f"{_shape(input)}")
    k = _ntuple(kernel_size, n_sp)
    s = k if _stride(stride) is None else _ntuple(stride, n_sp)
    p = _ntuple(padding, n_sp)
    spatial = a.shape[-n_sp:]
    default = [(i - 1) * si - 2 * pi + ki for i, ki, si, pi in zip(spatial, k, s, p)]
    if output_size is None:
        size = default
    else:
        size = [int(v) for v in output_size]
        if len(size) == n_sp + 2 or (len(size) == n_sp + 1 and a.ndim == n_sp + 1):
            size = size[-n_sp:]
        if len(size) != n_sp:
            raise ValueError(f"output_size should be a sequence containing {n_sp} or "
                             f"{n_sp + 2} elements, but it has a length of '{len(size)}'")
        for v, dflt, si in zip(size, default, s):
            if not dflt - si < v < dflt + si:
                raise ValueError(f"invalid output_size \"{size}\" (dim {size.index(v)} must be "
                                 f"between {dflt - si} and {dflt + si})")
    lead = a.shape[:-n_sp]
    total = 1
    for v in size:
        total *= v
    flat_idx = indices._data.reshape(*lead, -1)
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= total):
        bad = int(flat_idx.max() if flat_idx.max() >= total else flat_idx.min())
        raise RuntimeError(f"{name}: Found an invalid max index: {bad} (output volumes are of "
                           f"size {'x'.join(str(v) for v in size)})")
    zeros = creation.zeros(*lead, total, dtype=input.dtype)
    out = scatter(zeros, -1, Tensor._wrap(flat_idx), reshape(input, *lead, -1))
    return reshape(out, *lead, *size)


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v) if len(v) == n else (int(v[0]),) * n
    return (int(v),) * n


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value back at its index, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                       "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value back at its (h*W + w) index, zeros
    elsewhere; ``output_size`` resolves the sizes a stride makes ambiguous."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                       "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d: each value back at its flat index, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3,
                       "max_unpool3d")
