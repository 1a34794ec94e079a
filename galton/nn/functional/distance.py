"""Distances between vectors, as ``torch.nn.functional``: pairwise_distance,
cosine_similarity and pdist, written with differentiable galton ops (so their gradients, and
gradients of gradients, are the chain rule through norms and products)."""
import numpy as np

from ... import backend
from ...linalg import vector_norm
from ...ops.arithmetic import add, div, mul, sub
from ...ops.index_ops import index_select
from ...tensor import Tensor

__all__ = ["pairwise_distance", "cosine_similarity", "pdist"]


def _broadcast(a, b, name):
    try:
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise RuntimeError(f"{name}: the size of x1 {list(a.shape)} must match the size of x2 "
                           f"{list(b.shape)} at every non-singleton dimension") from None
    return (a if tuple(a.shape) == shape else a.expand(*shape),
            b if tuple(b.shape) == shape else b.expand(*shape))


def _clamped_min(t, eps):
    """``t`` whose value is at least eps while its gradient stays t's (PyTorch clamps the norms
    in place under no_grad, which the graph does not see)."""
    a = t._data
    floor = backend.array_module(a).maximum(a, eps) - a
    return add(t, Tensor._wrap(floor))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of ``x1 - x2 + eps`` over the last dim (inputs broadcast), as
    ``F.pairwise_distance``.

    >>> F.pairwise_distance(galton.tensor([[0., 0.]]), galton.tensor([[3., 4.]]))
    tensor([5.0000])
    """
    nd = max(x1.ndim, x2.ndim)
    diff = add(sub(x1, x2), eps)
    if nd == 0:
        return vector_norm(diff, p)
    return vector_norm(diff, p, dim=nd - 1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1·x2 / (max(|x1|, eps) · max(|x2|, eps)) along ``dim`` (inputs broadcast), as
    ``F.cosine_similarity``.

    >>> F.cosine_similarity(galton.tensor([[1., 0.]]), galton.tensor([[1., 1.]]))
    tensor([0.7071])
    """
    a, b = _broadcast(x1, x2, "cosine_similarity")
    if not a.dtype.is_floating_point:
        from ... import dtypes
        a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
    na = _clamped_min(vector_norm(a, 2, dim=dim, keepdim=True), eps)
    nb = _clamped_min(vector_norm(b, 2, dim=dim, keepdim=True), eps)
    return mul(div(a, na), div(b, nb)).sum(dim)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of an (N, M) input, as a vector of
    N(N-1)/2 in row-major order, as ``F.pdist``."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    xp = backend.array_module(input._data)
    rows = index_select(input, 0, Tensor._wrap(xp.asarray(i, dtype=np.int64)))
    cols = index_select(input, 0, Tensor._wrap(xp.asarray(j, dtype=np.int64)))
    return _norm_zero_safe(sub(rows, cols), p)


def _norm_zero_safe(diff, p):
    """Row norms whose gradient at a zero row is 0 (PyTorch's pdist), not NaN."""
    a = diff._data
    if p == 0 or not (a == 0).all(axis=1).any():
        return vector_norm(diff, p, dim=1)
    zero = (a == 0).all(axis=1, keepdims=True)
    safe = add(diff, Tensor._wrap(zero.astype(a.dtype)))  # a row of ones where all are zero
    return mul(vector_norm(safe, p, dim=1), Tensor._wrap((~zero[:, 0]).astype(a.dtype)))
