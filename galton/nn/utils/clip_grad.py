"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Both rescale ``p.grad`` in place (the same array, so an optimizer sees the clipped values).
"""
import math
import warnings

import numpy as np

from ... import backend
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(arr, p):
    """The p-norm of all entries of arr, in arr's dtype (as torch.linalg.vector_norm)."""
    xp = backend.array_module(arr)
    a = xp.abs(arr.ravel())
    if p == math.inf:
        return a.max() if a.size else xp.zeros((), arr.dtype)
    if p == -math.inf:
        return a.min() if a.size else xp.asarray(math.inf, arr.dtype)
    if p == 0:
        return xp.asarray(xp.count_nonzero(a), arr.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return xp.sqrt(xp.dot(a, a)) if a.size else xp.zeros((), arr.dtype)
    return (a ** p).sum() ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of ``tensors`` (as if they were one vector): a 0-d tensor.

    >>> nn.utils.get_total_norm([p.grad for p in model.parameters()])
    """
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    xp = backend.array_module(tensors[0]._data)
    dtype = np.result_type(*[n.dtype for n in norms])
    total = _vector_norm(xp.stack([xp.asarray(n, dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor._wrap(xp.asarray(total, dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else total_norm
    # always multiplied (by 1 when under the limit), so a nan norm spreads as in PyTorch
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0) if not math.isnan(float(total)) \
        else math.nan
    for g in grads:
        g._data *= g._data.dtype.type(coef)
        g._version += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients so their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor), as PyTorch does.

    >>> loss.backward()
    >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> optimizer.step()
    """
    parameters = _as_list(parameters)  # a generator would be spent by the first pass
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            g = p.grad
            xp = backend.array_module(g._data)
            xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._version += 1
