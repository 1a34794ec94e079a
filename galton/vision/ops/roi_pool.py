"""Region-of-interest max pooling, as ``torchvision.ops.roi_pool`` / ``RoIPool`` (Fast R-CNN):
each box, scaled by ``spatial_scale`` and rounded to the feature map's cells, is cut into an
``output_size`` grid of bins, and each bin keeps its largest value, per channel.

The bins follow torchvision's kernel: a box covers ``round(x1 * scale) .. round(x2 * scale)``
inclusive (at least one cell), bin ``i`` of ``n`` spans ``floor(i * size / n)`` to
``ceil((i + 1) * size / n)`` from the box's start, clipped to the map; an empty bin is 0. The
gradient goes to the cell each maximum came from (the first one in row-major order on ties).
"""
import numpy as np

from ...autograd.function import Function
from ...nn.module import Module
from ...tensor import Tensor

__all__ = ["roi_pool", "RoIPool"]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _round(a):
    # C's round(): halves away from zero (NumPy's round goes to even)
    return np.sign(a) * np.floor(np.abs(a) + 0.5)


def _to_rois(boxes):
    """Tensor[K, 5] (batch index, x1, y1, x2, y2), or a list of Tensor[L, 4] (one per image)."""
    if isinstance(boxes, (list, tuple)):
        rows = []
        for i, b in enumerate(boxes):
            a = np.asarray(b._data if isinstance(b, Tensor) else b)
            if a.ndim != 2 or a.shape[1] != 4:
                raise AssertionError("The given boxes tensor should be of shape [K, 4]")
            rows.append(np.concatenate([np.full((len(a), 1), i, dtype=a.dtype), a], axis=1))
        return np.concatenate(rows) if rows else np.zeros((0, 5))
    a = boxes._data
    if a.ndim != 2 or a.shape[1] != 5:
        raise AssertionError("The boxes tensor shape is not correct as Tensor[K, 5]")
    return a


class _RoIPool(Function):
    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale):
        x = input._data
        n, c, height, width = x.shape
        ph_n, pw_n = output_size
        out = np.zeros((len(rois), c, ph_n, pw_n), dtype=x.dtype)
        argmax = np.full((len(rois), c, ph_n, pw_n), -1, dtype=np.int64)
        starts = _round(rois[:, 1:] * spatial_scale).astype(np.int64)
        for k in range(len(rois)):
            b = int(rois[k, 0])
            sw, sh, ew, eh = starts[k]
            roi_w, roi_h = max(ew - sw + 1, 1), max(eh - sh + 1, 1)
            bin_h, bin_w = roi_h / ph_n, roi_w / pw_n
            for ph in range(ph_n):
                hs = min(max(int(np.floor(ph * bin_h)) + sh, 0), height)
                he = min(max(int(np.ceil((ph + 1) * bin_h)) + sh, 0), height)
                for pw in range(pw_n):
                    ws = min(max(int(np.floor(pw * bin_w)) + sw, 0), width)
                    we = min(max(int(np.ceil((pw + 1) * bin_w)) + sw, 0), width)
                    if he <= hs or we <= ws:
                        continue  # an empty bin stays 0, with no gradient
                    region = x[b, :, hs:he, ws:we].reshape(c, -1)
                    best = region.argmax(axis=1)
                    out[k, :, ph, pw] = region[np.arange(c), best]
                    bw = we - ws
                    argmax[k, :, ph, pw] = (hs + best // bw) * width + ws + best % bw
        ctx.shape = x.shape
        ctx.batch = rois[:, 0].astype(np.int64)
        ctx.argmax = argmax
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx, grad):
        n, c, height, width = ctx.shape
        g = grad._data
        arg = ctx.argmax
        hit = arg >= 0
        plane = (ctx.batch[:, None, None, None] * c + np.arange(c)[None, :, None, None])
        flat = plane * (height * width) + arg
        gin = np.bincount(flat[hit], weights=g[hit], minlength=n * c * height * width)
        return Tensor._wrap(gin.reshape(ctx.shape).astype(g.dtype)), None, None, None


def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """Max-pool each box of ``boxes`` (Tensor[K, 5] with the batch index first, or a list of
    Tensor[L, 4] per image, (x1, y1, x2, y2) in input-image coordinates) from the feature map
    ``input`` (N, C, H, W) into a (K, C, *output_size) tensor."""
    if not isinstance(input, Tensor) or input.dim() != 4:
        raise ValueError("input should be a 4-d tensor (N, C, H, W)")
    rois = _to_rois(boxes)
    return _RoIPool.apply(input, rois, _pair(output_size), float(spatial_scale))


class RoIPool(Module):
    """``roi_pool`` as a layer: ``RoIPool(7, spatial_scale=1 / 16)(features, rois)``."""

    def __init__(self, output_size, spatial_scale):
        super().__init__()
        self.output_size = output_size
        self.spatial_scale = spatial_scale

    def forward(self, input, rois):
        return roi_pool(input, rois, self.output_size, self.spatial_scale)

    def __repr__(self):
        return (f"{self.__class__.__name__}(output_size={self.output_size}, "
                f"spatial_scale={self.spatial_scale})")
