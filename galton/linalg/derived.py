"""Functions built on the factorisations: pinv, lstsq, matrix_rank, matrix_power, multi_dot,
cross, vecdot, diagonal."""
import numpy as np

from .. import dtypes
from ..ops import reduction as R
from ..ops.arithmetic import mul, sub
from ..ops.linalg import matmul
from ..ops.joining import diagonal as _diagonal
from ..ops.shape import squeeze, unsqueeze
from ..ops._util import unbroadcast, check_broadcast
from ..tensor import Tensor, make_result, _dim
from ._common import check_matrix, check_float, mT, return_type, xp_of
from .inverse import inv
from .decompositions import svdvals

_Lstsq = return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def _default_rtol(a, atol, rtol):
    """PyTorch's rule: eps * max(m, n) unless a tolerance is given (an atol alone means rtol 0)."""
    if rtol is None:
        if atol is not None and np.any(np.asarray(atol) > 0):
            return 0.0
        return np.finfo(a.dtype).eps * max(a.shape[-2:])
    return rtol


def _threshold(xp, a, smax, atol, rtol):
    """max(atol, rtol * smax) per matrix, shaped (*, 1); atol / rtol may be numbers or tensors
    of the batch shape."""
    rtol = _default_rtol(a, atol, rtol)
    at = 0.0 if atol is None else xp.asarray(atol._data if isinstance(atol, Tensor) else atol)
    rt = xp.asarray(rtol._data if isinstance(rtol, Tensor) else rtol)
    return xp.maximum(xp.asarray(at)[..., None], rt[..., None] * smax)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse, from the SVD (eigh when ``hermitian``); singular
    values below max(atol, rtol * largest) count as zero. ``rcond`` is the old name of rtol.

    Backward (rank constant near A, P = pinv(A)):
    gA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A).
    """
    a = check_matrix("linalg.pinv", A)
    xp = xp_of(a)
    if rcond is not None:
        rtol = rcond
    if hermitian:
        w, v = xp.linalg.eigh(a)
        keep = xp.abs(w) > _threshold(xp, a, xp.abs(w).max(-1, keepdims=True), atol, rtol)
        winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0)
        p = (v * winv[..., None, :]) @ mT(v)
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
        keep = s > _threshold(xp, a, s[..., :1], atol, rtol)
        sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
        p = (mT(vh) * sinv[..., None, :]) @ mT(u)
    p = p.astype(a.dtype, copy=False)

    def backward(g, A=a, out=p, xp=np):  # the same lines on tensors (create_graph)
        pt, gt = mT(out), mT(g)
        eye_m = xp_of(a).eye(a.shape[-2], dtype=a.dtype)
        eye_n = xp_of(a).eye(a.shape[-1], dtype=a.dtype)
        return (-(pt @ g @ pt) + (-(A @ out) + eye_m) @ gt @ (out @ pt)
                + (pt @ out) @ gt @ (-(out @ A) + eye_n),)
    return make_result(p, (A,), backward, "LinalgPinvBackward0")


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values above max(atol, rtol * largest) (an int64 tensor);
    ``tol`` is the old name of atol."""
    a = check_matrix("linalg.matrix_rank", A)
    xp = xp_of(a)
    if tol is not None:
        atol = tol
    s = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    big = s.max(-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    thresh = _threshold(xp, a, big, atol, rtol)
    return Tensor._wrap(xp.asarray((s > thresh).sum(-1), dtype=np.int64))


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution X of A X = B, with (residuals, rank, singular_values) as
    PyTorch's CPU drivers give them: rank for gelsy / gelsd / gelss (gelsy is the default),
    singular values for gelsd / gelss, the squared residuals of each column when m > n, A has
    full rank and the driver is not gelsy. Differentiable through X = pinv(A) B.
    """
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    driver = driver or "gelsy"
    a = check_matrix("torch.linalg.lstsq", A)
    check_float("torch.linalg.lstsq", B._data)
    vector = B.ndim == 1
    Bm = unsqueeze(B, -1) if vector else B
    if Bm.shape[-2] != a.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = a.shape[-2:]
    if driver == "gels":
        x = matmul(pinv(A, atol=0.0, rtol=0.0), Bm)
    else:
        x = matmul(pinv(A, rtol=np.finfo(a.dtype).eps * max(m, n) if rcond is None else rcond),
                   Bm)
    xp = xp_of(a)
    s = xp.linalg.svd(a, compute_uv=False)
    tol = (np.finfo(a.dtype).eps * max(m, n) if rcond is None else rcond) * s[..., :1]
    rank = (s > tol).sum(-1).astype(np.int64)
    empty = Tensor._wrap(xp.zeros((0,), a.dtype))
    residuals = empty
    if m > n and driver != "gelsy" and bool(xp.all(rank == n)):
        r = sub(matmul(A, x), Bm)
        residuals = R.sum(mul(r, r), -2)
    rank_t = Tensor._wrap(xp.asarray(rank)) if driver != "gels" else \
        Tensor._wrap(xp.zeros((0,), np.int64))
    sv = Tensor._wrap(s) if driver in ("gelsd", "gelss") else empty
    return _Lstsq(squeeze(x, -1) if vector else x, residuals, rank_t, sv)


def matrix_power(A, n, *, out=None):
    """A multiplied by itself n times (n may be 0: the identity, or negative: the inverse's
    power), by repeated squaring."""
    a = check_matrix("linalg.matrix_power", A, square=True, floating=False)
    n = int(n)
    if n == 0:
        return Tensor._wrap(xp_of(a).broadcast_to(xp_of(a).eye(a.shape[-1], dtype=a.dtype),
                                                  a.shape).copy())
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(tensors, *, out=None):
    """The product of a chain of matrices; the first may be a row vector and the last a
    column vector (1-D), whose dimension is then dropped."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        edge = i in (0, len(tensors) - 1)
        if t.ndim != 2 and not (edge and t.ndim == 1):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D"
                               if not edge else
                               f"multi_dot(): the {'first' if i == 0 else 'last'} tensor must be "
                               f"1D or 2D but got {t.ndim}D")
    out_ = tensors[0]
    for t in tensors[1:]:
        out_ = matmul(out_, t)
    return out_


def cross(input, other, *, dim=-1, out=None):  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (broadcast). Backward: ga = b x g,
    gb = g x a."""
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    check_broadcast("linalg.cross", a.shape, b.shape)
    nd = max(a.ndim, b.ndim)
    d = _dim(dim, nd)
    sa = a.shape[d - nd + a.ndim] if d - nd + a.ndim >= 0 else 1
    sb = b.shape[d - nd + b.ndim] if d - nd + b.ndim >= 0 else 1
    if sa != 3 or sb != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{sa} and {sb}")
    xp = xp_of(a)
    if a.dtype != b.dtype:
        target = dtypes.promote_types(input.dtype, other.dtype).np
        a, b = a.astype(target), b.astype(target)
    ax = d - nd
    out_arr = xp.cross(a, b, axis=ax)

    def backward(g, input=a, other=b, xp=np):
        if xp is not np:  # create_graph: the cross products of tensors, recorded
            return (unbroadcast(cross(other, g, dim=ax), a.shape),
                    unbroadcast(cross(g, input, dim=ax), b.shape))
        return (unbroadcast(xp_of(a).cross(b, g, axis=ax), a.shape),
                unbroadcast(xp_of(a).cross(g, a, axis=ax), b.shape))
    return make_result(out_arr, (input, other), backward, "LinalgCrossBackward0")


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along ``dim`` (broadcast): sum(x * y, dim)."""
    return R.sum(mul(x, y), dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonals of the matrices in the last two dims (as ``torch.diagonal`` with other
    defaults)."""
    return _diagonal(A, offset, dim1, dim2)
