"""Occlusion (Zeiler & Fergus 2014): slide a window of the baseline value over the input and
record how much the target score drops when each region is hidden."""
import itertools

import numpy as np

from ..tensor import Tensor
from ._common import as_array, forward_scores, per_row, target_indices

__all__ = ["occlusion"]


def _per_dim(value, ndim, what):
    v = (value,) * ndim if isinstance(value, int) else tuple(int(s) for s in value)
    if len(v) != ndim:
        raise ValueError(f"{what} {value} has {len(v)} entries; the inputs have {ndim} "
                         "dimensions after the batch")
    return v


def occlusion(model, inputs, target=None, window=(1, 3, 3), stride=1, baseline=0.0,
              batch_size=256):
    """The drop of the target score y_c(x) − y_c(x with a window set to ``baseline``),
    shared by every value the window covers and averaged over the windows that cover it.

    window: the window's shape over the dimensions after the batch, e.g. (1, 5, 5) for a
    one-channel image; for images (C, H, W), (h, w) means all channels at once.
    stride: an int or one per dimension. Windows start at 0, stride, 2·stride... until one
    reaches the end, the last cut at the border (so stride <= window covers every value),
    as Captum's ``Occlusion(model).attribute(x, sliding_window_shapes=window,
    strides=stride, baselines=baseline)``; values no window covers get 0.
    batch_size: occluded copies per forward pass.
    """
    x = as_array(inputs)
    n, dims = len(x), x.shape[1:]
    if x.ndim == 4 and not isinstance(window, int) and len(window) == 2:
        window = (dims[0],) + tuple(window)
        stride = stride if isinstance(stride, int) or len(stride) != 2 else (1,) + tuple(stride)
    window = _per_dim(window, len(dims), "window")
    stride = _per_dim(stride, len(dims), "stride")
    if any(w < 1 or w > d for w, d in zip(window, dims)) or any(s < 1 for s in stride):
        raise ValueError(f"window {window} must fit the input's shape {tuple(dims)} and the "
                         f"stride {stride} be at least 1")
    base = np.broadcast_to(np.asarray(baseline._data if isinstance(baseline, Tensor)
                                      else baseline, x.dtype), x.shape)
    clean = forward_scores(model, x)
    idx = target_indices(per_row(target, n) if target is not None else None, clean)
    rows = np.arange(n)
    starts = [range(0, d - w + s, s) for d, w, s in zip(dims, window, stride)]
    regions = [tuple(slice(p, p + w) for p, w in zip(pos, window))
               for pos in itertools.product(*starts)]
    total = np.zeros(x.shape, np.float64)
    count = np.zeros(dims, np.float64)
    per_pass = max(1, batch_size // n)
    for i in range(0, len(regions), per_pass):
        chunk = regions[i:i + per_pass]
        occluded = np.repeat(x[None], len(chunk), axis=0)
        for j, r in enumerate(chunk):
            occluded[(j, slice(None)) + r] = base[(slice(None),) + r]
        scores = forward_scores(model, occluded.reshape((-1,) + dims))
        drops = (clean[rows, idx][None] - scores.reshape(len(chunk), n, -1)[:, rows, idx])
        for j, r in enumerate(chunk):
            total[(slice(None),) + r] += drops[j].reshape((n,) + (1,) * len(dims))
            count[r] += 1
    attr = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    return Tensor._wrap(attr.astype(x.dtype))
