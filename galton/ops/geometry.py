"""Grids and distances: ``meshgrid`` and ``cdist`` (pairwise p-norm distances, with gradient)."""
import warnings

import numpy as np

from ._util import composite, make_result, unbroadcast

_TYPE = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
         "bool": "Bool"}


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors: ``indexing='ij'`` (matrix, the default) or 'xy'
    (Cartesian: the first two dimensions swapped). Each grid is an expanded view."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    sizes = [max(t.numel(), 1) if t.ndim == 0 else t.shape[0] for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = (1 - i if i < 2 else i) if swap else i
        shape = [1] * len(tensors)
        shape[axis] = sizes[axis]
        grids.append(t.reshape(shape).expand(*sizes))
    return tuple(grids)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Distances between every row of ``x1`` (..., P, M) and of ``x2`` (..., R, M):
    (..., P, R), the p-norm of their difference (p = 0 counts differing coordinates,
    p = inf takes the largest)."""
    a, b = x1._data, x2._data
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if a.ndim < 2 else 2} "
                           f"got: {a.ndim if a.ndim < 2 else b.ndim}D")
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        bad, n = (a, 1) if a.dtype.kind != "f" else (b, 2)
        raise RuntimeError(f"cdist only supports floating-point dtypes, X{n} got: "
                           f"{_TYPE.get(bad.dtype.name, bad.dtype.name)}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    diff = a[..., :, None, :] - b[..., None, :, :]  # (..., P, R, M)
    ad = np.abs(diff)
    if p == 0:
        d = (ad != 0).sum(-1).astype(a.dtype)
    elif p == np.inf:
        d = ad.max(-1) if ad.shape[-1] else np.zeros(ad.shape[:-1], a.dtype)
    elif p == 1:
        d = ad.sum(-1)
    elif p == 2:
        d = np.sqrt((diff * diff).sum(-1))
    else:
        d = (ad ** p).sum(-1) ** (1.0 / p)

    need1, need2 = x1._rg, x2._rg

    def backward(g, x1=a, x2=b, xp=np):
        if xp is not np:  # create_graph: the norm of the differences, written with galton ops
            return composite(lambda u, v: (u.unsqueeze(-2) - v.unsqueeze(-3)).norm(p, dim=-1),
                             (x1, x2), g)
        # d d_ij / d x_i = sign(diff) |diff|^(p-1) / d^(p-1); zero where the distance is zero
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 0:
                w = np.zeros_like(diff)
            elif p == 1:
                w = np.sign(diff) * g[..., None]
            elif p == np.inf:
                w = np.sign(diff) * (ad == d[..., None]) * g[..., None]
            elif p == 2:
                w = diff * np.where(d > 0, g / d, 0)[..., None]
            else:
                scale = np.where(d > 0, g / d ** (p - 1), 0)
                w = np.sign(diff) * ad ** (p - 1) * scale[..., None]
        # batch dims that broadcast are summed back to each input's shape
        ga = unbroadcast(w.sum(-2), a.shape) if need1 else None
        gb = unbroadcast(-w.sum(-3), b.shape) if need2 else None
        return ga, gb
    return make_result(d.astype(a.dtype, copy=False), (x1, x2), backward, "CdistBackward0")
