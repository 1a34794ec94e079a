"""What the attribution methods share: turning inputs and targets into arrays, and the
gradient of the chosen class scores with respect to the input."""
import numpy as np

from ..autograd import grad, no_grad
from ..tensor import Tensor


def as_array(x, name="inputs"):
    """The float32 NumPy array behind ``x`` (a Tensor or an array-like), copied."""
    a = x._data if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numbers, got an array of dtype {a.dtype}")
    a = np.array(a, dtype=np.float32 if a.dtype != np.float64 else np.float64)
    if a.ndim < 2:
        raise ValueError(f"{name} must be a batch (N, ...) with a first batch dimension, "
                         f"got shape {a.shape}")
    return a


def logits_2d(out):
    """Model outputs as (N, K): a binary model's single logit (N,) or (N, 1) stays one column."""
    return out.reshape(out.shape[0], -1)


def target_indices(target, scores):
    """One class index per row of ``scores`` (N, K): ``target`` None (the predicted class),
    an int, or a sequence of N ints."""
    n, k = scores.shape
    if target is None:
        idx = scores.argmax(axis=1)
    else:
        t = target._data if isinstance(target, Tensor) else target
        idx = np.asarray(t, dtype=np.int64).reshape(-1)
        if idx.size == 1:
            idx = np.repeat(idx, n)
        if idx.size != n:
            raise ValueError(f"target has {idx.size} entries for a batch of {n} inputs: give "
                             f"one class, or one per input")
    bad = (idx < 0) | (idx >= k)
    if bad.any():
        raise ValueError(f"target class {int(idx[bad][0])} is out of range: the model has "
                         f"{k} output{'s' if k != 1 else ''} (classes 0..{k - 1})")
    return idx.astype(np.int64)


def per_row(target, n):
    """``target`` (None, an int or N ints) as None or an array of N ints, for splitting a
    batch into chunks."""
    if target is None:
        return None
    t = np.asarray(target._data if isinstance(target, Tensor) else target, np.int64).reshape(-1)
    return np.repeat(t, n) if t.size == 1 else t


def forward_scores(model, x, chunk=None):
    """The model's outputs (N, K) for the array ``x``, without a graph, in chunks of ``chunk``."""
    with no_grad():
        if not chunk or len(x) <= chunk:
            return logits_2d(model(Tensor._wrap(np.ascontiguousarray(x)))._data)
        parts = [logits_2d(model(Tensor._wrap(np.ascontiguousarray(x[i:i + chunk])))._data)
                 for i in range(0, len(x), chunk)]
        return np.concatenate(parts)


def selected_score(out, idx):
    """The sum over the batch of each row's ``idx`` output: one scalar whose gradient with
    respect to row i of the input is the gradient of that row's chosen class score."""
    out2 = out.reshape(out.shape[0], -1)
    onehot = np.zeros(out2.shape, dtype=out2._data.dtype)
    onehot[np.arange(len(idx)), idx] = 1
    return (out2 * Tensor._wrap(onehot)).sum()


def input_gradient(model, x, target=None, chunk=None):
    """(gradient of each row's target score with respect to that row of ``x``, the outputs
    (N, K), the target indices). ``target`` may be None (the predicted class). Parameters'
    ``.grad`` are left untouched (``autograd.grad``)."""
    if chunk and len(x) > chunk:
        t = per_row(target, len(x))
        parts = [input_gradient(model, x[i:i + chunk], None if t is None else t[i:i + chunk])
                 for i in range(0, len(x), chunk)]
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(3))
    xt = Tensor._wrap(np.ascontiguousarray(x)).requires_grad_()
    out = model(xt)
    scores = logits_2d(out._data)
    idx = target_indices(target, scores)
    (g,) = grad(selected_score(out, idx), [xt])
    return g._data, scores, idx
