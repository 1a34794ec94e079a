"""Counting into bins: ``bincount`` and ``histc`` (no gradient, as in PyTorch)."""
import numpy as np

from ._util import Tensor

_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
         "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs in a 1-d tensor (or the sum of ``weights``
    falling on it): ``bincount(tensor([0, 1, 1, 3]))`` is ``tensor([1, 2, 0, 1])``."""
    a = input._data
    if a.dtype.kind not in "iub":
        raise NotImplementedError(f'"bincount_cpu" not implemented for '
                                  f"'{_TYPE.get(a.dtype.name, a.dtype.name)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = input.xp
    if weights is None:
        return Tensor._wrap(xp.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = xp.bincount(a, weights=w, minlength=minlength)
    # float32 weights give float32 counts; any other weights give float64, as PyTorch
    return Tensor._wrap(out.astype(np.float32 if w.dtype == np.float32 else np.float64))


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's names
    """A histogram of ``bins`` equal bins over [min, max] (the data's own range when both are
    0); values outside the range are not counted. Same dtype as the input."""
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for '
                                  f"'{_TYPE.get(a.dtype.name, a.dtype.name)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:  # one value (or none): PyTorch widens the range by 1 on each side
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    xp = input.xp
    flat = a.reshape(-1).astype(np.float64)
    flat = flat[(flat >= lo) & (flat <= hi)]
    idx = xp.minimum(((flat - lo) * bins / (hi - lo)).astype(np.int64), bins - 1)
    return Tensor._wrap(xp.bincount(idx, minlength=bins).astype(a.dtype))


TENSOR_METHODS = ["bincount", "histc"]
