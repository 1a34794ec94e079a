"""Norms: vector_norm, matrix_norm, norm (which picks one of them) and cond.

They are compositions of differentiable ops (abs, sum, amax, svdvals, ...), so their
gradients come from those ops; vector_norm is ``ops.reduction.norm``, one op.
"""
import math

from ..ops import reduction as R
from ..ops.joining import movedim
from ..ops.shape import reshape, unsqueeze
from ..tensor import _dim
from ._common import check_float
from .decompositions import svdvals


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The ``ord``-norm of the elements over ``dim`` (all of them by default), the tensor seen
    as a vector: ord in 2, 1, any p, inf, -inf, 0 (the count of non-zeros).

    >>> galton.linalg.vector_norm(galton.tensor([3.0, 4.0]))
    tensor(5.)
    """
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a numeric ord, but got '{ord}'")
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    return R.norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The ``ord``-norm of the matrices in the ``dim`` planes: 'fro', 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), 1 / -1 (max / min column sum of
    absolute values), inf / -inf (max / min row sum)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    check_float("linalg.matrix_norm", A._data)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in ([dim] if isinstance(dim, int) else dim)))
    d0, d1 = (_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return R.norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(movedim(A, (d0, d1), (-2, -1)))
        res = R.sum(s, -1) if ord == "nuc" else (R.amax(s, -1) if ord == 2 else R.amin(s, -1))
        if keepdim:
            for d in sorted((d0, d1)):
                res = unsqueeze(res, d)
        return res
    # 1 / -1: sums down the columns (over d0), then over d1; inf / -inf the other way round
    first, second = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = R.sum(A.abs(), first, keepdim=True)
    res = R.amax(sums, second, keepdim=True) if ord > 0 else R.amin(sums, second, keepdim=True)
    if not keepdim:
        res = reshape(res, tuple(s for i, s in enumerate(res.shape) if i not in (d0, d1)))
    return res


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """A vector norm (dim an int or 1-tuple, or a 1-D input) or a matrix norm (dim a 2-tuple,
    or a 2-D input with ``ord`` given); with neither ``ord`` nor ``dim``, the 2-norm of all
    elements."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError("linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                           f"{list(dims)}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {A.ndim}D.")


def cond(A, p=None, *, out=None):
    """The condition number: the ratio of the largest to the smallest singular value
    (``p`` None or 2), or norm(A, p) * norm(A^-1, p) for the other matrix norms."""
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = R.amax(s, -1), R.amin(s, -1)
        return big / small if p != -2 else small / big
    from .inverse import inv
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


__all__ = ["vector_norm", "matrix_norm", "norm", "cond"]
