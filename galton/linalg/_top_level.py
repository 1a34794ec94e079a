"""The linear-algebra functions PyTorch keeps at the top level and as Tensor methods
(``torch.det``, ``torch.svd``, ``x.inverse()``, ...), with their older conventions: torch.svd
returns V rather than Vh, torch.qr takes ``some``, torch.pinverse an ``rcond``."""
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


TOP_LEVEL = ["det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power", "svd", "qr",
             "cholesky", "cholesky_solve", "cholesky_inverse"]
TENSOR_METHODS = TOP_LEVEL
