"""Inverting and factoring square matrices: inv, det, slogdet, solve, solve_triangular,
cholesky. Each forward is one LAPACK call through NumPy; each backward is written beside it.

Every op takes a batch of matrices (``(*, n, n)``) as PyTorch does.
"""
import numpy as np

from ..tensor import Tensor, make_result
from ..ops._util import unbroadcast
from ..ops.joining import tril as _tril, triu as _triu
from ._common import (LinAlgError, check_float, check_matrix, first_zero_pivot, inv_fails, mT,
                      not_pd_error, not_pd_order, return_type, singular_error, xp_of)

_Slogdet = return_type("linalg_slogdet", ["sign", "logabsdet"])


def inv(A, *, out=None):
    """The inverse of a square matrix (or of each in a batch); a singular one is an error.

    Backward: d(A^-1) = -A^-1 dA A^-1, so gA = -A^-T g A^-T.
    """
    a = check_matrix("linalg.inv", A, square=True)
    xp = xp_of(a)
    try:
        y = xp.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise singular_error("linalg.inv", a) from None

    def backward(g, out=y, xp=np):  # the same lines on tensors (create_graph)
        yt = mT(out)
        return (-(yt @ g @ yt),)
    return make_result(y, (A,), backward, "LinalgInvExBackward0")


def _adjugate_t(a, A=None):
    """The transposed adjugate det(A) A^-T, computed from an SVD so it exists for a singular A
    too (where det's gradient is still defined): adj(A)^T = det(U) det(V) U diag(p) V^T with
    p_i the product of the singular values other than s_i. Given the tensor ``A`` (linked to
    the graph, create_graph), the same lines run on tensors from a recorded SVD; det(U) det(V)
    is a constant +-1 there."""
    xp = xp_of(a)
    if A is None:
        u, s, vt = xp.linalg.svd(a)
        sign = xp.linalg.det(u) * xp.linalg.det(vt)
        ones = xp.ones(s.shape[:-1] + (1,), s.dtype)
        cat, flip, cumprod = xp.concatenate, xp.flip, xp.cumprod
    else:
        from ..ops.joining import cat, flip
        from ..ops.reduction import cumprod
        from .decompositions import svd
        u, s, vt = svd(A)
        sign = Tensor._wrap(xp.linalg.det(u._data) * xp.linalg.det(vt._data))
        ones = Tensor._wrap(xp.ones(tuple(s.shape[:-1]) + (1,), a.dtype))
    left = cumprod(cat([ones, s[..., :-1]], -1), -1)
    right = flip(cumprod(cat([ones, flip(s, -1)[..., :-1]], -1), -1), -1)
    return sign[..., None, None] * ((u * (left * right)[..., None, :]) @ vt)


def det(A, *, out=None):
    """The determinant of a square matrix (or of each in a batch).

    Backward: d det(A) = det(A) tr(A^-1 dA), so gA = g det(A) A^-T (via the adjugate where
    A is singular).
    """
    a = check_matrix("linalg.det", A, square=True)
    xp = xp_of(a)
    d = xp.asarray(xp.linalg.det(a))

    def backward(g, A=a, out=d, xp=np):
        if xp is not np:  # create_graph: the same formulas in galton ops
            sv = xp_of(a).linalg.svd(a, compute_uv=False)
            if bool((sv[..., -1] > 1e-8 * sv[..., 0]).all()):
                return ((g * out)[..., None, None] * mT(inv(A)),)
            # singular, or so near it that A^-1 carries no digits: the SVD form, exact there
            # (its derivative needs the singular values distinct, as PyTorch's)
            return (g[..., None, None] * _adjugate_t(a, A),)
        if xp_of(a).all(d != 0):
            return ((g * d)[..., None, None] * mT(xp_of(a).linalg.inv(a)),)
        return (g[..., None, None] * _adjugate_t(a),)
    return make_result(d, (A,), backward, "LinalgDetBackward0")


def slogdet(A, *, out=None):
    """(sign, log|det A|): the determinant without overflow. Only logabsdet has a gradient,
    A^-T times its incoming gradient."""
    a = check_matrix("linalg.slogdet", A, square=True)
    xp = xp_of(a)
    sign, logabs = xp.linalg.slogdet(a)
    sign, logabs = xp.asarray(sign), xp.asarray(logabs)

    def backward(g, A=a, xp=np):
        return (g[..., None, None] * mT(xp_of(a).linalg.inv(a) if xp is np else inv(A)),)
    return _Slogdet(Tensor._wrap(sign), make_result(logabs, (A,), backward,
                                                     "LinalgSlogdetBackward0"))


def _is_vector_rhs(a, b):
    # PyTorch's rule: B is a (batch of) vector(s) when it is 1-D or has A's shape minus one dim
    return b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])


def solve(A, B, *, left=True, out=None):
    """X with A X = B (``left=True``) or X A = B; B may be a (batch of) vector(s).

    Backward: gB solves the transposed system, gA = -gB X^T (both un-broadcast to the inputs).
    """
    a = check_matrix("linalg.solve", A, square=True)
    b = B._data
    check_float("linalg.solve", b)
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {A.dtype} and B of type {B.dtype} instead")
    xp = xp_of(a)
    vector = _is_vector_rhs(a, b)
    bm = b[..., :, None] if vector else b  # a column, also for left=False (as PyTorch)
    n = a.shape[-1]
    if (bm.shape[-2] if left else bm.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {bm.shape[-2]}x{bm.shape[-1]})")
    at = a if left else mT(a)
    rhs = bm if left else mT(bm)
    try:
        x = xp.linalg.solve(at, rhs)
    except np.linalg.LinAlgError:
        raise singular_error("torch.linalg.solve", a, solver=True) from None
    xm = x if left else mT(x)
    out_arr = xm[..., 0] if vector else xm

    def backward(g, A=a, B=b, out=out_arr, xp=np):
        if xp is not np:  # create_graph: the same formula with galton's solve
            return _solve_grads_on_tensors(g, A, out, vector, left, a.shape, b.shape)
        gm = g[..., :, None] if vector else g
        grhs = xp_of(a).linalg.solve(mT(at), gm if left else mT(gm))  # the transposed system
        ga = -(grhs @ mT(x))
        gb = grhs if left else mT(grhs)
        if not left:
            ga = mT(ga)
        gb = gb[..., 0] if vector else gb
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
    return make_result(out_arr, (A, B), backward, "LinalgSolveExBackward0")


def _solve_grads_on_tensors(g, A, out, vector, left, a_shape, b_shape):
    At = A if left else mT(A)
    gm = g.unsqueeze(-1) if vector else g
    xm = out.unsqueeze(-1) if vector else out
    xm = xm if left else mT(xm)
    grhs = solve(mT(At), gm if left else mT(gm))
    ga = -(grhs @ mT(xm))
    gb = grhs if left else mT(grhs)
    if not left:
        ga = mT(ga)
    gb = gb.squeeze(-1) if vector else gb
    return unbroadcast(ga, a_shape), unbroadcast(gb, b_shape)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (or X A = B) for a triangular A: only A's triangle is read.

    Backward: gB solves the transposed system; gA = -gB X^T kept on A's triangle.
    """
    a = check_matrix("linalg.solve_triangular", A, square=True)
    b = check_matrix("linalg.solve_triangular", B)
    xp = xp_of(a)
    k = 1 if unitriangular else 0
    tri = xp.triu(a, k) if upper else xp.tril(a, -k)
    if unitriangular:
        tri = tri + xp.eye(a.shape[-1], dtype=a.dtype)
    at, rhs = (tri, b) if left else (mT(tri), mT(b))
    try:
        x = xp.linalg.solve(at, rhs)
    except np.linalg.LinAlgError:
        raise singular_error("linalg.solve_triangular", a, solver=True) from None
    out_arr = x if left else mT(x)

    def backward(g, A=a, B=b, out=out_arr, xp=np):
        on_tensors = xp is not np
        if on_tensors:  # create_graph: the same lines with galton's triangular solve
            xo = out if left else mT(out)
            # the transposed system: A^T (left) or, for X A = B solved as A^T X^T = B^T, A
            grhs = solve_triangular(mT(A) if left else A, g if left else mT(g),
                                    upper=(not upper) if left else upper,
                                    unitriangular=unitriangular)
            triu_, tril_ = _triu, _tril
        else:
            xo = x
            grhs = xp_of(a).linalg.solve(mT(at), g if left else mT(g))
            triu_, tril_ = xp_of(a).triu, xp_of(a).tril
        ga = -(grhs @ mT(xo))
        ga = ga if left else mT(ga)
        ga = triu_(ga, k) if upper else tril_(ga, -k)
        gb = grhs if left else mT(grhs)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
    return make_result(out_arr, (A, B), backward, "LinalgSolveTriangularBackward0")


def cholesky(A, *, upper=False, out=None):
    """The Cholesky factor L (A = L L^T) of a symmetric positive-definite matrix; with
    ``upper=True`` the factor U = L^T. Only the lower (upper) triangle of A is read.

    Backward (the symmetric gradient PyTorch gives): with T = tril(L^T gL),
    gA = L^-T (T + tril(T, -1)^T) / 2 L^-1.
    """
    a = check_matrix("linalg.cholesky", A, square=True)
    xp = xp_of(a)
    src = mT(a) if upper else a  # NumPy reads the lower triangle
    try:
        low = xp.linalg.cholesky(src)
    except np.linalg.LinAlgError:
        raise not_pd_error("linalg.cholesky", src) from None

    def backward(g, out=mT(low) if upper else low, xp=np):
        on_tensors = xp is not np
        lo = (mT(out) if upper else out) if on_tensors else low
        tril, inv_ = (_tril, inv) if on_tensors else (xp_of(low).tril, xp_of(low).linalg.inv)
        gl = mT(g) if upper else g
        t = tril(mT(lo) @ gl)
        s = 0.5 * (t + mT(tril(t, -1)))
        linv = inv_(lo)
        return (mT(linv) @ s @ linv,)
    return make_result(mT(low) if upper else low, (A,), backward, "LinalgCholeskyExBackward0")


_InvEx = return_type("linalg_inv_ex", ["inverse", "info"])
_CholeskyEx = return_type("linalg_cholesky_ex", ["L", "info"])


def _ex(fn, A, code, result_type, check_errors):
    """Run fn; on a numerical failure, the well-posed matrices of the batch still get their
    result and ``info`` holds LAPACK's code for each failed one (the others are NaN)."""
    try:
        out = fn(A)
        return result_type(out, Tensor._wrap(np.zeros(A.shape[:-2], np.int32)))
    except RuntimeError as exc:
        if check_errors or not isinstance(exc, LinAlgError):
            raise
    a = A._data
    flat = a.reshape((-1,) + a.shape[-2:])
    res = np.full(flat.shape, np.nan, a.dtype)
    info = np.zeros(flat.shape[0], np.int32)
    for i, m in enumerate(flat):
        info[i] = code(m)
        if not info[i]:
            res[i] = fn(Tensor._wrap(m))._data
    return result_type(Tensor._wrap(res.reshape(a.shape)),
                       Tensor._wrap(info.reshape(a.shape[:-2])))


def inv_ex(A, *, check_errors=False, out=None):
    """``inv`` that reports a singular input in ``info`` (the index of its zero pivot) instead
    of raising, unless ``check_errors``. Not differentiable where it failed."""
    return _ex(inv, A, lambda m: first_zero_pivot(m) if inv_fails(m) else 0, _InvEx,
               check_errors)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``cholesky`` that reports a non-positive-definite input in ``info`` (the order of the
    failing leading minor) instead of raising, unless ``check_errors``."""
    return _ex(lambda x: cholesky(x, upper=upper), A,
               lambda m: not_pd_order(m.T if upper else m), _CholeskyEx, check_errors)
