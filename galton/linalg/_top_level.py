"""The linear-algebra functions PyTorch keeps at the top level and as Tensor methods
(``torch.det``, ``torch.svd``, ``x.inverse()``, ...), with their older conventions: torch.svd
returns V rather than Vh, torch.qr takes ``some``, torch.pinverse an ``rcond``."""
import warnings

import numpy as np

from ..ops import pointwise as P
from ..ops.linalg import matmul
from ..ops.shape import transpose
from ..tensor import Tensor
from . import decompositions as D, derived, inverse as I
from ._common import return_type, xp_of

_Slogdet = return_type("slogdet", ["sign", "logabsdet"])
_Svd = return_type("svd", ["U", "S", "V"])
_Qr = return_type("qr", ["Q", "R"])


def det(input):  # noqa: A002
    """The determinant (of each matrix in a batch); as ``galton.linalg.det``."""
    return I.det(input)


def logdet(input):  # noqa: A002
    """log(det A): NaN where the determinant is negative, -inf where it is 0."""
    sign, logabs = I.slogdet(input)
    return logabs + P.log(sign)


def slogdet(input):  # noqa: A002
    """(sign, log|det A|); as ``galton.linalg.slogdet``."""
    return _Slogdet(*I.slogdet(input))


def inverse(input, *, out=None):  # noqa: A002
    """The inverse; as ``galton.linalg.inv``."""
    return I.inv(input)


def pinverse(input, rcond=1e-15):  # noqa: A002
    """The pseudo-inverse, singular values below rcond * largest dropped."""
    return derived.pinv(input, rtol=rcond)


def matrix_power(input, n):  # noqa: A002
    return derived.matrix_power(input, n)


def svd(input, some=True, compute_uv=True, *, out=None):  # noqa: A002
    """The old API: (U, S, V) with A = U diag(S) V^T (V, not Vh); ``some=False`` gives the
    full U and V; with ``compute_uv=False`` U and V are m x m and n x n zeros."""
    if not compute_uv:
        a = input._data
        xp = xp_of(a)
        m, n = a.shape[-2:]
        s = D.svdvals(input)
        u = xp.zeros(a.shape[:-2] + (m, m), a.dtype)
        v = xp.zeros(a.shape[:-2] + (n, n), a.dtype)
        return _Svd(Tensor._wrap(u), s, Tensor._wrap(v))
    u, s, vh = D.svd(input, full_matrices=not some)
    return _Svd(u, s, transpose(vh, -2, -1))


def qr(input, some=True, *, out=None):  # noqa: A002
    """The old API: ``some=True`` is mode 'reduced', ``some=False`` mode 'complete'."""
    return _Qr(*D.qr(input, "reduced" if some else "complete"))


def cholesky(input, upper=False, *, out=None):  # noqa: A002
    """The old API: the upper factor with ``upper=True`` (positional here, keyword there)."""
    return I.cholesky(input, upper=upper)


def cholesky_solve(B, L, upper=False, *, out=None):
    """X with A X = B given A's Cholesky factor L (A = L L^T, or U^T U with ``upper``)."""
    low = transpose(L, -2, -1) if upper else L
    y = I.solve_triangular(low, B, upper=False)
    return I.solve_triangular(transpose(low, -2, -1), y, upper=True)


def cholesky_inverse(L, upper=False, *, out=None):
    """A^-1 given A's Cholesky factor L (A = L L^T, or U^T U with ``upper``)."""
    low = transpose(L, -2, -1) if upper else L
    return I.inv(matmul(low, transpose(low, -2, -1)))


_Triangular = return_type("triangular_solve", ["solution", "cloned_coefficient"])


def cross(input, other, dim=None, *, out=None):  # noqa: A002
    """The cross product along ``dim``; without it, along the first dimension of size 3 (with
    PyTorch's deprecation warning)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return derived.cross(input, other, dim=dim)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """(X, A's copy) with A X = b (A^T X = b with ``transpose``) for a triangular A: the old
    API of ``linalg.solve_triangular``."""
    from ..ops.shape import transpose as swap
    a = swap(A, -2, -1) if transpose else A
    x = I.solve_triangular(a, b, upper=upper != transpose, unitriangular=unitriangular)
    return _Triangular(x, A.clone())


def frobenius_norm(input, dim, keepdim=False, *, out=None):  # noqa: A002
    """The Frobenius norm over ``dim`` (a square root of the sum of squares)."""
    from . import norms
    return norms.vector_norm(input, 2, dim, keepdim)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):  # noqa: A002
    """The sum of singular values of the matrices in the last two dims (or ``dim``)."""
    from . import norms
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) is PyTorch's other overload
        dim, keepdim = None, dim
    return norms.matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def _removed(name, hint):
    def gone(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. "
                           f"{hint}")
    gone.__name__ = gone.__qualname__ = name
    gone.__doc__ = f"Removed from PyTorch in 1.9: raises PyTorch's message. {hint}"
    return gone


solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`. "
                          "`torch.linalg.solve` has its arguments reversed and does not return "
                          "the LU factorization.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
symeig = _removed("symeig", "The default behavior has changed from using the upper triangular "
                            "portion of the matrix by default to using the lower triangular "
                            "portion.")
eig = _removed("eig", "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or "
                      "`cdouble` rather than real tensors mimicking complex tensors.")
matrix_rank = _removed("matrix_rank", "Please use the `torch.linalg.matrix_rank` function "
                                      "instead.")


TOP_LEVEL = ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "svd", "qr",
             "cholesky", "cholesky_solve", "cholesky_inverse", "cross", "triangular_solve",
             "frobenius_norm", "nuclear_norm", "solve", "lstsq", "symeig", "eig", "matrix_rank"]
TENSOR_METHODS = [n for n in TOP_LEVEL if n not in ("frobenius_norm", "nuclear_norm",
                                                    "matrix_rank")]
