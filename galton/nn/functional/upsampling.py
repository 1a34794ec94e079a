"""``F.interpolate`` (and the older ``F.upsample*``): resize the spatial dims of a batch.

Every mode is separable: along each spatial axis an output position reads a few input
positions with fixed weights, so the resize is one small (out, in) matrix per axis,
``y = A_h @ x @ A_w.T``, and its backward is ``A_h.T @ g @ A_w``. Nearest modes copy by
index in the forward pass (exact, even for inf); 'area' is adaptive average pooling.
Source coordinates follow PyTorch's formulas, in float32 as PyTorch computes them.
"""
import math
import warnings

import numpy as np

from ... import backend
from ...ops._util import linear_backward
from ...tensor import make_result
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = {"nearest": None, "nearest-exact": None, "linear": 3, "bilinear": 4, "bicubic": 4,
          "area": None}


def _scale(in_size, out_size, scale, align_corners):
    """PyTorch's area_pixel_compute_scale, as float32."""
    if align_corners:
        return np.float32((in_size - 1) / (out_size - 1)) if out_size > 1 else np.float32(0)
    if scale is not None and scale > 0:
        return np.float32(1.0 / scale)
    return np.float32(in_size / out_size)


def _nearest_index(in_size, out_size, scale, exact):
    s = _scale(in_size, out_size, scale, False)
    dst = np.arange(out_size, dtype=np.float32)
    src = np.floor((dst + np.float32(0.5)) * s if exact else dst * s).astype(np.int64)
    return np.minimum(src, in_size - 1)


def _cubic_weights(t, a=-0.75):
    """Keys' cubic convolution weights for the 4 taps around a fractional offset t."""
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _matrix(in_size, out_size, scale, mode, align_corners):
    """(out_size, in_size) float64 weights of one axis."""
    m = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        m[rows, _nearest_index(in_size, out_size, scale, mode == "nearest-exact")] = 1.0
        return m
    s = _scale(in_size, out_size, scale, align_corners)
    dst = rows.astype(np.float32)
    src = dst * s if align_corners else (dst + np.float32(0.5)) * s - np.float32(0.5)
    if mode == "bicubic":
        i0 = np.floor(src).astype(np.int64)
        t = (src - i0).astype(np.float64)
        for k, w in enumerate(_cubic_weights(t)):
            # taps clamped at the border land on one column: add tap by tap (rows distinct)
            m[rows, np.clip(i0 - 1 + k, 0, in_size - 1)] += w
        return m
    src = np.maximum(src, 0)
    i0 = src.astype(np.int64)
    lam = (src - i0).astype(np.float64)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    m[rows, i0] += 1 - lam
    m[rows, i1] += lam
    return m


def _out_sizes(shape, size, scale_factor, recompute):
    n = len(shape)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        if len(sizes) != n:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(shape)} and output size of {list(sizes)}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                             "(o1, o2, ...,oK) format.")
        return tuple(int(s) for s in sizes), (None,) * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
        else (scale_factor,) * n
    if len(scales) != n:
        raise ValueError(f"Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of {list(shape)} "
                         f"and scale_factor of shape {list(scales)}. Please provide input tensor "
                         "in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) "
                         "format.")
    sizes = tuple(int(math.floor(float(s) * f)) for s, f in zip(shape, scales))
    return sizes, ((None,) * n if recompute else tuple(float(f) for f in scales))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of a (N, C, L) or (N, C, H, W) input to ``size`` or by
    ``scale_factor``. Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear',
    'bicubic' (4-D), 'area'; align_corners for the interpolating modes.

    >>> F.interpolate(galton.ones(1, 3, 8, 8), scale_factor=2, mode="bilinear").shape
    galton.Size([1, 3, 16, 16])
    """
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D and 4D input Tensors supported "
                                  f"(got {input._data.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | area | nearest-exact (got {mode})")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    a = input._data
    need = _MODES[mode]
    if need is not None and a.ndim != need:
        raise NotImplementedError(f"Got {a.ndim}D input, but {mode} mode needs {need}D input")
    if a.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D and 4D input Tensors supported (got "
                                  f"{a.ndim}D) for the modes: nearest | linear | bilinear | "
                                  f"bicubic | area | nearest-exact (got {mode})")
    if antialias:
        raise NotImplementedError("galton.interpolate: antialias=True is not supported")
    sizes, scales = _out_sizes(a.shape[2:], size, scale_factor, recompute_scale_factor)
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(str(s) for s in a.shape[2:])}) and output "
                           f"({', '.join(str(s) for s in sizes)})")
    if mode == "area":
        return (adaptive_avg_pool1d if a.ndim == 3 else adaptive_avg_pool2d)(input, sizes)
    return _resize(input, sizes, scales, mode, bool(align_corners))


def _resize(input, sizes, scales, mode, align_corners):
    a = input._data
    xp = backend.array_module(a)
    spatial = a.shape[2:]
    mats = [xp.asarray(_matrix(i, o, s, mode, align_corners).astype(a.dtype))
            for i, o, s in zip(spatial, sizes, scales)]
    if mode in ("nearest", "nearest-exact"):
        out = a
        for axis, (i, o, s) in enumerate(zip(spatial, sizes, scales), start=2):
            idx = _nearest_index(i, o, s, mode == "nearest-exact")
            out = xp.take(out, xp.asarray(idx), axis=axis)
    elif len(mats) == 1:
        out = a @ mats[0].T
    else:
        out = mats[0] @ (a @ mats[1].T)

    def back(g):
        if len(mats) == 1:
            return g @ mats[0]
        return (mats[0].T @ g) @ mats[1]

    def again(v):  # back's adjoint: the interpolation itself
        return v @ mats[0].T if len(mats) == 1 else mats[0] @ (v @ mats[1].T)
    names = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact",
             "linear": "UpsampleLinear", "bilinear": "UpsampleBilinear",
             "bicubic": "UpsampleBicubic"}
    name = f"{names[mode]}{len(sizes)}DBackward0"
    return make_result(out, (input,), linear_backward(back, again, name), name)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated name of ``interpolate``."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
