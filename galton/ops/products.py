"""Fused multiply-adds and products PyTorch names (addmm, baddbmm, addcmul, lerp, kron, trace,
tensordot, cosine_similarity, cov, ...). Each is a line or two of existing ops, so its gradient
is theirs and no backward is written here."""
import itertools
import warnings

import numpy as np

from ._util import Tensor
from . import arithmetic as A, joining as J, linalg as L, pointwise as P, reduction as R
from . import shape as S


def _scaled(t, s):
    return t if isinstance(s, (int, float)) and s == 1 else A.mul(t, s)


def _add_scaled(input, beta, prod, alpha):
    """``beta * input + alpha * prod``; with beta == 0 input is ignored (NaN included), as
    PyTorch does."""
    prod = _scaled(prod, alpha)
    if isinstance(beta, (int, float)) and beta == 0:
        # input is not read (a NaN in it stays out), yet gets its zero gradient as in PyTorch
        return A.add(prod, P.where(Tensor._wrap(np.zeros(input.shape, bool)), input, 0.0))
    return A.add(_scaled(input, beta), prod)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` (torch.addmm)."""
    return _add_scaled(input, beta, L.mm(mat1, mat2), alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)`` (torch.addmv)."""
    return _add_scaled(input, beta, L.mv(mat, vec), alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)`` (torch.addr)."""
    return _add_scaled(input, beta, L.outer(vec1, vec2), alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)``, batch by batch (torch.baddbmm)."""
    return _add_scaled(input, beta, L.bmm(batch1, batch2), alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]`` (torch.addbmm)."""
    return _add_scaled(input, beta, R.sum(L.bmm(batch1, batch2), 0), alpha)


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (torch.addcmul)."""
    return A.add(input, _scaled(A.mul(tensor1, tensor2), value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (torch.addcdiv)."""
    t1, t2 = tensor1._data, tensor2._data
    if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2. The historic addcdiv behavior can be implemented as "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                           "for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter "
                           "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return A.add(input, _scaled(A.div(tensor1, tensor2), value))


def lerp(input, end, weight):
    """``input + weight * (end - input)`` (torch.lerp)."""
    return A.add(input, A.mul(weight, A.sub(end, input)))


def trace(input):
    """The sum of the main diagonal of a matrix (torch.trace)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return R.sum(J.diagonal(input))


def inner(input, other):
    """The dot product over the last dimension of both (torch.inner)."""
    if input.ndim == 0 or other.ndim == 0:
        return A.mul(input, other)
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """The dot product of two 1-D tensors (torch.vdot; galton is real, so no conjugate)."""
    return L.dot(input, other)


def ger(input, vec2):
    """The outer product (torch.ger, torch.outer's older name)."""
    return L.outer(input, vec2)


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` dimensions of a with b: the last ``dims`` of a with the first of b, or
    the listed pairs (torch.tensordot)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    am = S.reshape(S.permute(a, *free_a, *da), -1, k)
    bm = S.reshape(S.permute(b, *db, *free_b), k, -1)
    return S.reshape(L.mm(am, bm), *[a.shape[d] for d in free_a],
                     *[b.shape[d] for d in free_b])


def chain_matmul(*matrices, out=None):
    """The product of the matrices, left to right (torch.chain_matmul; deprecated there)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    result = matrices[0]
    for m in matrices[1:]:
        result = L.mm(result, m)
    return result


def kron(input, other):
    """The Kronecker product: every element of input times the whole of other (torch.kron)."""
    n = max(input.ndim, other.ndim)
    a = S.reshape(input, *(1,) * (n - input.ndim), *input.shape)
    b = S.reshape(other, *(1,) * (n - other.ndim), *other.shape)
    # a[i, j] * b[k, l] placed at (i*K + k, j*L + l): interleave the axes, then merge pairs
    ax = S.reshape(a, *itertools.chain.from_iterable((s, 1) for s in a.shape))
    bx = S.reshape(b, *itertools.chain.from_iterable((1, s) for s in b.shape))
    return S.reshape(A.mul(ax, bx), *(sa * sb for sa, sb in zip(a.shape, b.shape)))


def dist(input, other, p=2):
    """The p-norm of ``input - other`` (torch.dist)."""
    from .reduction import norm
    return norm(A.sub(input, other), p)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``x1 . x2 / max(|x1| |x2|, eps)`` along ``dim``, broadcasting (torch.cosine_similarity;
    PyTorch clamps each norm's square product at eps squared)."""
    dot = R.sum(A.mul(x1, x2), dim)
    n1 = R.sum(A.mul(x1, x1), dim)
    n2 = R.sum(A.mul(x2, x2), dim)
    return A.div(dot, P.sqrt(P.clamp(A.mul(n1, n2), eps * eps)))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension (torch.pairwise_distance)."""
    return R.norm(A.add(A.sub(x1, x2), eps), p, -1, keepdim)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the rows (variables) over the columns (observations) (torch.cov)."""
    x = input if input.ndim == 2 else S.reshape(input, 1, -1)
    if not x.is_floating_point():
        x = x.float()
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else A.mul(w, aweights)
    if w is None:
        mean = R.mean(x, 1, keepdim=True)
        norm_ = n - correction
        xc = A.sub(x, mean)
        c = A.div(L.mm(xc, S.t(xc)), max(norm_, 0))
    else:
        wsum = R.sum(w)
        mean = A.div(R.sum(A.mul(x, w), 1, keepdim=True), wsum)
        if correction == 0:
            norm_ = wsum
        elif aweights is None:
            norm_ = A.sub(wsum, correction)
        else:
            norm_ = A.sub(wsum, A.div(A.mul(R.sum(A.mul(w, aweights)), correction), wsum))
        xc = A.sub(x, mean)
        c = A.div(L.mm(A.mul(xc, w), S.t(xc)), P.clamp(norm_, 0))
    return S.reshape(c, ()) if input.ndim < 2 else c


def corrcoef(input):
    """Pearson's correlation coefficients of the rows, clipped to [-1, 1] (torch.corrcoef)."""
    c = cov(input)
    if c.ndim == 0:
        return A.div(c, c)
    d = P.sqrt(J.diagonal(c))
    c = A.div(A.div(c, S.unsqueeze(d, 1)), S.unsqueeze(d, 0))
    return P.clamp(c, -1, 1)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) placed along the diagonal of a zero matrix (torch.block_diag)."""
    from ..creation import zeros
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
        mats.append(S.reshape(t, 1, -1) if t.ndim < 2 else t)
    dtype = mats[0].dtype
    for m in mats[1:]:
        from ..dtypes import promote_types
        dtype = promote_types(dtype, m.dtype)
    cols = sum(m.shape[1] for m in mats)
    rows = []
    left = 0
    for m in mats:
        h, w = m.shape
        parts = []
        if left:
            parts.append(zeros(h, left, dtype=dtype))
        parts.append(m.to(dtype))
        if cols - left - w:
            parts.append(zeros(h, cols - left - w, dtype=dtype))
        rows.append(J.cat(parts, 1) if len(parts) > 1 else parts[0])
        left += w
    return J.cat(rows, 0)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows (torch.cartesian_prod)."""
    from .geometry import meshgrid
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return J.stack([S.reshape(g, -1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements, as rows (torch.combinations)."""
    from .indexing import getitem
    n = input.shape[0]
    pick = (itertools.combinations_with_replacement if with_replacement
            else itertools.combinations)(range(n), r)
    idx = np.array(list(pick), dtype=np.int64).reshape(-1, r)
    if idx.shape[0] == 0:
        return Tensor._wrap(np.empty((0,) if r != 1 else (0, 1), input._data.dtype))
    return J.stack([getitem(input, Tensor._wrap(idx[:, k].copy())) for k in range(r)], 1)


def renorm(input, p, dim, maxnorm):
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm maxnorm
    (torch.renorm; PyTorch divides by norm + 1e-7)."""
    from ..tensor import _dim
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    d = _dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norm = R.norm(input, p, others, True) if others else P.abs(input)
    scale = P.where(A.gt(norm, maxnorm), A.div(maxnorm, A.add(norm, 1e-7)), 1.0)
    return A.mul(input, scale)


TENSOR_METHODS = ["renorm", "addmm", "addmv", "addr", "baddbmm", "addbmm", "addcmul", "addcdiv", "lerp",
                  "trace", "inner", "vdot", "ger", "kron", "dist", "cov", "corrcoef"]
