"""The decompositions: qr, eigh / eigvalsh, svd / svdvals, batched as in PyTorch.

Their outputs come together from one factorisation, so one backward takes the gradients of
all of them (see ``multi_result``). The formulas are the standard ones for real matrices;
each is written out next to its forward. Like PyTorch's, the gradients of eigenvectors and
singular vectors are defined only where the eigenvalues (singular values) are distinct.
"""
import numpy as np

from ..tensor import Tensor, make_result, will_record
from ._common import check_matrix, mT, multi_result, return_type, xp_of

_QR = return_type("linalg_qr", ["Q", "R"])
_Eigh = return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
_SVD = return_type("linalg_svd", ["U", "S", "Vh"])


def _diag_embed(xp, v):
    out = xp.zeros(v.shape + v.shape[-1:], v.dtype)
    idx = xp.arange(v.shape[-1])
    out[..., idx, idx] = v
    return out


def _solve_right_t(xp, r, g):
    """g R^-T for a square triangular R (a solve, never an explicit inverse)."""
    return mT(xp.linalg.solve(r, mT(g)))


class _OnTensors:
    """The NumPy names the backward formulas below use, over galton tensors: the same lines
    then record their own graph (create_graph=True)."""

    @staticmethod
    def triu(x, k=0):
        return _galton().triu(x, k)

    @staticmethod
    def tril(x, k=0):
        return _galton().tril(x, k)

    @staticmethod
    def concatenate(xs, axis):
        return _galton().cat(xs, axis)

    @staticmethod
    def eye(n, dtype):
        return _galton().eye(n, dtype=dtype)

    @staticmethod
    def zeros(shape, dtype):
        return _galton().zeros(shape, dtype=dtype)

    class linalg:
        @staticmethod
        def solve(a, b):
            return _galton().linalg.solve(a, b)


def _galton():
    import galton  # the package is loaded by the time a backward runs
    return galton


def _aligned(old, new, others=()):
    """Recomputed singular/eigen vectors ``new`` with each column's sign set to match ``old``
    (the factorisation of the same matrix; LAPACK may flip a sign between calls); ``others``
    are (tensor, axis) pairs that flip with them (Vh's rows)."""
    sign = np.sign((old * new._data).sum(-2))
    sign[sign == 0] = 1
    if (sign == 1).all():
        return (new,) + tuple(t for t, _ in others)
    flip = Tensor._wrap(sign.astype(old.dtype))
    return (new * flip.unsqueeze(-2),) + tuple(t * flip.unsqueeze(axis) for t, axis in others)


def qr(A, mode="reduced", *, out=None):
    """A = Q R with orthonormal columns in Q and R upper triangular.

    mode: 'reduced' (Q is m x k, R is k x n, k = min(m, n)), 'complete' (Q is m x m) or
    'r' (R only; Q is empty and nothing is differentiable).
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    a = check_matrix("linalg.qr", A)
    xp = xp_of(a)
    q, r = xp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        return _QR(Tensor._wrap(xp.zeros((0,), a.dtype)), Tensor._wrap(r))
    m, n = a.shape[-2:]

    def backward(gq, gr):
        return _qr_backward(xp, gq, gr, q, r, mode)

    def on_tensors(grads, inputs):  # create_graph: Q and R recomputed from A, recorded
        qt, rt = qr(inputs[0], mode=mode)
        return _qr_backward(_OnTensors, grads[0], grads[1], qt, rt, mode)
    return _QR(*multi_result([q, r], (A,), backward, "LinalgQrBackward0", on_tensors))


def _qr_backward(xp, gq, gr, q, r, mode):
    """The gradient of A = Q R (on arrays, or on tensors through _OnTensors)."""
    m, n = q.shape[-2], r.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    x = gr @ mT(r) - mT(q) @ gq
    if m >= n:
        # the upper triangle of x mirrored into a symmetric matrix (the diagonal once)
        sym = xp.triu(x) + mT(xp.triu(x, 1))
        return (_solve_right_t(xp, r, q @ sym + gq),)
    skew = xp.tril(mT(x) - x)
    ga = _solve_right_t(xp, r[..., :, :m], q @ skew)
    ga = xp.concatenate([ga, xp.zeros(ga.shape[:-1] + (n - m,), ga.dtype)], -1)
    return (ga + q @ gr,)


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix; only the
    ``UPLO`` triangle is read.

    Backward: with K = skew(V^T gV) / (L_j - L_i) off the diagonal and gL on it,
    gA = V K V^T.
    """
    _check_uplo(UPLO)
    a = check_matrix("linalg.eigh", A, square=True)
    xp = xp_of(a)
    w, v = xp.linalg.eigh(a, UPLO=UPLO)

    def backward(gw, gv):
        return (_eigh_backward(xp, gw, gv, w, v),)

    def on_tensors(grads, inputs):  # create_graph: W and V recomputed from A, recorded
        wt, vt = eigh(inputs[0], UPLO=UPLO)
        vt, = _aligned(v, vt)
        return (_eigh_backward(_OnTensors, grads[0], grads[1], wt, vt),)
    return _Eigh(*multi_result([w, v], (A,), backward, "LinalgEighBackward0", on_tensors))


def _eigh_backward(xp, gw, gv, w, v):
    """gA = V K V^T: K = skew(V^T gV) / (L_j - L_i) off the diagonal, gL on it."""
    eye = xp.eye(w.shape[-1], dtype=w.dtype)
    k = mT(v) @ gv
    k = 0.5 * (k - mT(k))  # its diagonal is zero: the division by eye's 1 there keeps it zero
    k = k / (w[..., None, :] - w[..., :, None] + eye) + gw[..., None, :] * eye
    return v @ k @ mT(v)


def eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues of a symmetric matrix, ascending. Backward: V diag(g) V^T."""
    _check_uplo(UPLO)
    a = check_matrix("linalg.eigh", A, square=True)  # PyTorch names eigh here too
    xp = xp_of(a)
    if not will_record((A,)):
        return Tensor._wrap(xp.linalg.eigvalsh(a, UPLO=UPLO))
    w, v = xp.linalg.eigh(a, UPLO=UPLO)

    def backward(g, A=a, xp=np):  # on tensors V comes from eigh of A, recorded
        vv = v if xp is np else eigh(A, UPLO=UPLO)[1]
        return ((vv * g[..., None, :]) @ mT(vv),)
    return make_result(w, (A,), backward, "LinalgEighBackward0")


def svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh, singular values descending. With ``full_matrices=False`` U is m x k
    and Vh is k x n (k = min(m, n)); the extra columns of a full U carry no gradient.
    ``driver`` is accepted for PyTorch's signature (it picks a CUDA solver there)."""
    a = check_matrix("linalg.svd", A)
    xp = xp_of(a)
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    m, n = a.shape[-2:]
    kk = s.shape[-1]

    def backward(gu, gs, gvh):
        uk, vk, gu, gvh = u[..., :, :kk], vh[..., :kk, :], gu[..., :, :kk], gvh[..., :kk, :]
        return (_svd_backward(xp, gu, gs, gvh, uk, s, vk, m, n),)

    def on_tensors(grads, inputs):  # create_graph: the reduced U, S, Vh recomputed, recorded
        ut, st, vht = svd(inputs[0], full_matrices=False)
        ut, vht = _aligned(u[..., :, :kk], ut, [(vht, -1)])
        gu, gs, gvh = grads
        return (_svd_backward(_OnTensors, gu[..., :, :kk], gs, gvh[..., :kk, :], ut, st, vht,
                              m, n),)
    return _SVD(*multi_result([u, s, vh], (A,), backward, "LinalgSvdBackward0", on_tensors))


def _svd_backward(xp, gu, gs, gvh, u, s, vh, m, n):
    """The gradient of A = U diag(S) Vh (reduced) from those of U, S and Vh: the standard
    formula with F_ij = 1 / (s_j^2 - s_i^2), plus the parts of gU (gVh) outside U's (Vh's)
    span when A is tall (wide)."""
    uhgu = mT(u) @ gu
    uhgu = uhgu - mT(uhgu)
    vhgv = vh @ mT(gvh)
    vhgv = vhgv - mT(vhgv)
    s2 = s * s
    eye = xp.eye(s.shape[-1], dtype=s.dtype)
    # uhgu and vhgv are skew (zero diagonal): dividing by eye's 1 there keeps it zero for gs
    ga = (uhgu * s[..., None, :] + s[..., :, None] * vhgv) / (
        s2[..., None, :] - s2[..., :, None] + eye) + gs[..., None, :] * eye
    if m > n:
        ga = u @ ga
        gus = gu / s[..., None, :]
        ga = ga + gus - u @ (mT(u) @ gus)
        return ga @ vh
    if m < n:
        ga = ga @ vh
        sgv = gvh / s[..., :, None]
        ga = ga + sgv - (sgv @ mT(vh)) @ vh
        return u @ ga
    return u @ ga @ vh


def svdvals(A, *, driver=None, out=None):
    """The singular values, descending. Backward: U diag(g) Vh."""
    a = check_matrix("linalg.svdvals", A)
    xp = xp_of(a)
    if not will_record((A,)):
        return Tensor._wrap(xp.linalg.svd(a, compute_uv=False))
    u, s, vh = xp.linalg.svd(a, full_matrices=False)

    def backward(g, A=a, xp=np):  # on tensors U and Vh come from svd of A, recorded
        uu, vv = (u, vh) if xp is np else (lambda r: (r[0], r[2]))(svd(A, full_matrices=False))
        return ((uu * g[..., None, :]) @ vv,)
    return make_result(s, (A,), backward, "LinalgSvdBackward0")
