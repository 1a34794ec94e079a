"""The column matrix of a convolution and its adjoint, in NumPy and through the compiled loops.

The column matrix is laid out (C*KH*KW, N*OH*OW): rows are (channel, kernel row, kernel
column) like the weight's (O, C, KH, KW) flattened, so the weight is used without a copy, and
the whole batch is one GEMM ``W (O, C*KH*KW) @ cols``. In NumPy it is built by looping over
the KH*KW kernel offsets only: each offset copies one strided slice of the (padded) input,
whose inner runs of OW elements are contiguous on both sides; with the compiled kernels on
(``_kernels.py``) it is one loop. The GEMM result (O, N*OH*OW) becomes NCHW by one copy that
moves whole OH*OW planes and adds the bias on the way; gradients go back to planes the same way.
"""
import numpy as np

from .. import backend
from . import _kernels


def _pad_zeros(a, pad, xp):
    """The input with zeros around it (no copy when there is no padding)."""
    t, b, l, r = pad
    if not (t or b or l or r):
        return a
    n, c, h, w = a.shape
    out = xp.zeros((n, c, h + t + b, w + l + r), a.dtype)
    out[:, :, t:t + h, l:l + w] = a
    return out


def _im2col(xp_arr, kh, kw, sh, sw, dh, dw, oh, ow):
    """Columns (C*KH*KW, N*OH*OW) of an already padded (N, C, Hp, Wp) array."""
    n, c = xp_arr.shape[:2]
    xp = backend.array_module(xp_arr)
    cols = xp.empty((c, kh, kw, n, oh, ow), xp_arr.dtype)
    src = xp_arr.transpose(1, 0, 2, 3)  # (C, N, Hp, Wp) view: channels first, like the rows
    hspan, wspan = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            cols[:, i, j] = src[:, :, r:r + hspan:sh, q:q + wspan:sw]
    return cols.reshape(c * kh * kw, n * oh * ow)


def _col2im(cols, shape, kh, kw, sh, sw, dh, dw, oh, ow):
    """The adjoint of _im2col: sum the columns back into a zero (N, C, Hp, Wp) array."""
    n, c, hp, wp = shape
    xp = backend.array_module(cols)
    out = xp.zeros(shape, cols.dtype)
    dst = out.transpose(1, 0, 2, 3)
    c6 = cols.reshape(c, kh, kw, n, oh, ow)
    hspan, wspan = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            dst[:, :, r:r + hspan:sh, q:q + wspan:sw] += c6[:, i, j]
    return out


def _columns(a, kh, kw, sh, sw, dh, dw, pad, oh, ow):
    """Columns (C*KH*KW, N*OH*OW) of an unpadded (N, C, H, W) array, its zero padding
    included: one compiled pass when the kernels are on, else NumPy slices of a padded copy."""
    k = _kernels.get(a)
    if k is None:
        return _im2col(_pad_zeros(a, pad, backend.array_module(a)), kh, kw, sh, sw, dh, dw, oh, ow)
    n, c = a.shape[:2]
    cols = np.empty((c, kh, kw, n, oh, ow), a.dtype)
    if sh == sw == dh == dw == 1:  # the common case has a faster loop; padding by a copy
        k.im2col_unit(np.ascontiguousarray(_pad_zeros(a, pad, np)), cols)
    else:
        k.im2col(np.ascontiguousarray(a), cols, sh, sw, dh, dw, pad[0], pad[2])
    return cols.reshape(c * kh * kw, n * oh * ow)


def _image(cols, shape, kh, kw, sh, sw, dh, dw, pad, oh, ow):
    """The adjoint of _columns: the unpadded (N, C, H, W) sum of the columns."""
    n, c, h, w = shape
    k = _kernels.get(cols)
    if k is None:
        padded = (n, c, h + pad[0] + pad[1], w + pad[2] + pad[3])
        return _unpad(_col2im(cols, padded, kh, kw, sh, sw, dh, dw, oh, ow), pad, h, w)
    cols = np.ascontiguousarray(cols).reshape(c, kh, kw, n, oh, ow)
    if sh == sw == dh == dw == 1:
        out = np.zeros((n, c, h + pad[0] + pad[1], w + pad[2] + pad[3]), cols.dtype)
        k.col2im_unit(cols, out)
        return _unpad(out, pad, h, w)
    out = np.zeros(shape, cols.dtype)
    k.col2im(cols, out, sh, sw, dh, dw, pad[0], pad[2])
    return out


def _planes_to_nchw(y, n, o, oh, ow, bias, xp, out=None):
    """(O, N*OH*OW) -> a contiguous (N, O, OH, OW) (or into ``out``), adding the bias during
    the copy."""
    if out is None:
        out = xp.empty((n, o, oh, ow), y.dtype)
    y3 = y.reshape(o, n, oh * ow)
    dst = out.reshape(n, o, oh * ow)
    k = None if bias is None else _kernels.get(y, bias, dst)
    if k is not None and dst.flags.c_contiguous and bias.dtype == y.dtype:
        # contiguous, as the compiled loop is built for (no copy for a GEMM result)
        k.planes_to_nchw_bias(np.ascontiguousarray(y3), np.ascontiguousarray(bias), dst)
        return out
    src = y3.transpose(1, 0, 2)
    if bias is not None:
        xp.add(src, bias.reshape(o, 1), out=dst)
    else:
        dst[...] = src
    return out


def _nchw_to_planes(g):
    """(N, O, OH, OW) -> a contiguous (O, N*OH*OW): a copy that moves whole planes."""
    n, o, h, w = g.shape  # sizes named, not -1: an empty batch has nothing to infer from
    return g.reshape(n, o, h * w).transpose(1, 0, 2).reshape(o, n * h * w)


def _unpad(a, pad, h, w):
    t, _, l, _ = pad
    if a.shape[2] == h and a.shape[3] == w:
        return a
    return a[:, :, t:t + h, l:l + w].copy()


def _grouped_mm(a, b, groups, trans_a=False, trans_b=False):
    """a @ b with both split into ``groups`` blocks of rows (one batched GEMM)."""
    if groups == 1:
        return (a.T if trans_a else a) @ (b.T if trans_b else b)
    a3 = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    b3 = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    if trans_a:
        a3 = a3.transpose(0, 2, 1)
    if trans_b:
        b3 = b3.transpose(0, 2, 1)
    r = a3 @ b3
    return r.reshape(groups * r.shape[1], r.shape[2])


def _weight_grad(gp, cols, groups, shape):
    """g (O, L) @ cols.T (L, K), the weight's gradient. For one group it is computed as
    (cols @ g.T).T when L is long: the same sums, and OpenBLAS is 15-20 % faster with the long
    L dimension as that product's inner one (measured on the seed-000 shapes)."""
    if groups != 1:
        return _grouped_mm(gp, cols, groups, trans_b=True).reshape(shape)
    o, n = gp.shape
    k = cols.shape[0]
    if o * k <= 1024 and n % 16 == 0 and n >= 16384:
        # a tiny result with a very long inner dimension (a first layer: few channels, every
        # pixel of the batch): OpenBLAS runs 16 products of a sixteenth of it, then summed,
        # 2-3x faster than the one product (LeNet-5's conv1: 1.25 -> 0.44 ms)
        c3 = cols.reshape(k, 16, n // 16).transpose(1, 0, 2)
        g3 = gp.reshape(o, 16, n // 16).transpose(1, 2, 0)
        return (c3 @ g3).sum(axis=0).T.reshape(shape)
    if n < 4 * max(o, k):  # a short inner dimension (deep layers, small images): the direct
        return (gp @ cols.T).reshape(shape)  # product, whose result needs no transposing copy
    return (cols @ gp.T).T.reshape(shape)
