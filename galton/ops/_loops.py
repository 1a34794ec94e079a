"""Plain loops for the memory passes of convolution, pooling and ReLU, compiled by Numba.

These are the passes where NumPy needs several sweeps (or slow strided inner loops) for
what is one pass over memory: ``g * (y > 0)`` is a comparison, a bool -> float cast and a
multiply; a 2x2 max-pool is four strided views compared pairwise; col2im is nine slice-adds
whose inner runs are a dozen floats long. Written as loops they touch each element once.

``galton.ops._kernels`` compiles them with ``numba.njit`` when Numba is installed; without it
the ops keep their NumPy code, which gives the same numbers (the loops accumulate in the same
order as the NumPy code, so results are bit-identical for finite inputs). The functions are
ordinary Python too, so a reader can run them by hand on a tiny array.

Every loop writes into an ``out`` array the caller allocated; shapes are checked by the caller.
"""
import numpy as np



def relu_forward(x, out):
    """out = max(x, 0) over flat arrays; NaN stays NaN (``not x <= 0`` is true for NaN)."""
    for i in range(x.size):
        v = x[i]
        out[i] = v if not v <= 0 else 0


def relu_backward(g, y, out):
    """out = g where the ReLU's output y is positive, else 0 (PyTorch's threshold_backward)."""
    for i in range(g.size):
        out[i] = g[i] if y[i] > 0 else 0


def max_pool_2x2_forward(x, out, idx):
    """2x2 / stride-2 max over (N, C, H, W); idx gets the winner 0..3 in scan order.

    The first maximum wins ties, and a NaN wins over numbers (PyTorch's rule
    ``val > max or isnan(val)``), so the gradient goes where PyTorch sends it.
    """
    n_, c_, oh_, ow_ = out.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh_):
                r = 2 * i
                for j in range(ow_):
                    q = 2 * j
                    m = x[n, c, r, q]
                    k = 0
                    v = x[n, c, r, q + 1]
                    if v > m or v != v:
                        m = v
                        k = 1
                    v = x[n, c, r + 1, q]
                    if v > m or v != v:
                        m = v
                        k = 2
                    v = x[n, c, r + 1, q + 1]
                    if v > m or v != v:
                        m = v
                        k = 3
                    out[n, c, i, j] = m
                    idx[n, c, i, j] = k


def max_pool_2x2_backward(g, idx, gx):
    """Each window's gradient to its winner and zeros to the other three, each element of
    gx written once; a row/column that fits no window (odd sizes) gets zeros."""
    n_, c_, oh_, ow_ = g.shape
    h_, w_ = gx.shape[2], gx.shape[3]
    for n in range(n_):
        for c in range(c_):
            for i in range(oh_):
                r = 2 * i
                for j in range(ow_):
                    q = 2 * j
                    k = idx[n, c, i, j]
                    v = g[n, c, i, j]
                    gx[n, c, r, q] = v if k == 0 else 0
                    gx[n, c, r, q + 1] = v if k == 1 else 0
                    gx[n, c, r + 1, q] = v if k == 2 else 0
                    gx[n, c, r + 1, q + 1] = v if k == 3 else 0
                for q in range(2 * ow_, w_):
                    gx[n, c, 2 * i, q] = 0
                    gx[n, c, 2 * i + 1, q] = 0
            for r in range(2 * oh_, h_):
                for q in range(w_):
                    gx[n, c, r, q] = 0


def planes_to_nchw_bias(y, b, out):
    """out (N, O, P) = y (O, N, P) transposed, plus the bias b (O,): the GEMM result of a
    convolution put in NCHW order in one pass (NumPy's strided add is three times slower)."""
    n_, o_, p_ = out.shape
    for n in range(n_):
        for o in range(o_):
            bo = b[o]
            for p in range(p_):
                out[n, o, p] = y[o, n, p] + bo


def im2col_unit(x, cols):
    """cols (C, KH, KW, N, OH, OW) from an already padded (N, C, Hp, Wp) x, for stride 1 and
    dilation 1: the inner loop is a plain contiguous copy, about twice as fast as the general
    loop below (whose strides are only known at run time)."""
    c_, kh_, kw_, n_, oh_, ow_ = cols.shape
    for c in range(c_):
        for i in range(kh_):
            for j in range(kw_):
                for n in range(n_):
                    for y in range(oh_):
                        for z in range(ow_):
                            cols[c, i, j, n, y, z] = x[n, c, y + i, z + j]


def col2im_unit(cols, out):
    """The adjoint of im2col_unit into a zero, padded (N, C, Hp, Wp) out; terms arrive in
    kernel-offset order, as in the NumPy slice-adds."""
    c_, kh_, kw_, n_, oh_, ow_ = cols.shape
    for c in range(c_):
        for n in range(n_):
            for i in range(kh_):
                for j in range(kw_):
                    for y in range(oh_):
                        for z in range(ow_):
                            out[n, c, y + i, z + j] += cols[c, i, j, n, y, z]


def im2col(x, cols, sh, sw, dh, dw, pt, pl):
    """cols (C, KH, KW, N, OH, OW) from an unpadded (N, C, H, W) x; positions that fall in
    the zero padding (pt rows on top, pl columns on the left) read 0. Writes are contiguous."""
    c_, kh_, kw_, n_, oh_, ow_ = cols.shape
    h_, w_ = x.shape[2], x.shape[3]
    for c in range(c_):
        for i in range(kh_):
            for j in range(kw_):
                for n in range(n_):
                    for y in range(oh_):
                        r = y * sh + i * dh - pt
                        if r < 0 or r >= h_:
                            for z in range(ow_):
                                cols[c, i, j, n, y, z] = 0
                            continue
                        for z in range(ow_):
                            q = z * sw + j * dw - pl
                            cols[c, i, j, n, y, z] = x[n, c, r, q] if 0 <= q < w_ else 0


def col2im(cols, out, sh, sw, dh, dw, pt, pl):
    """The adjoint of im2col: out (N, C, H, W) = the sum of every column entry at the input
    position it was read from; padding positions are dropped. ``out`` must be zeros.

    Each output element receives its terms in kernel-offset order, the order of the NumPy
    slice-adds, so the sums are bit-identical to them."""
    c_, kh_, kw_, n_, oh_, ow_ = cols.shape
    h_, w_ = out.shape[2], out.shape[3]
    for c in range(c_):
        for n in range(n_):
            for i in range(kh_):
                for j in range(kw_):
                    for y in range(oh_):
                        r = y * sh + i * dh - pt
                        if r < 0 or r >= h_:
                            continue
                        for z in range(ow_):
                            q = z * sw + j * dw - pl
                            if 0 <= q < w_:
                                out[n, c, r, q] += cols[c, i, j, n, y, z]


def adam_step(p, g, m, v, w1, beta2, w2, bc2_sqrt, eps, neg_step):
    """One Adam update over flat arrays in one pass, each element through PyTorch's order of
    operations (galton/optim/adam.py has the NumPy form, ten passes over memory):
    m += w1 (g - m);  v = v beta2 + (g w2) g;  p += (m neg_step) / (sqrt(v) / bc2_sqrt + eps).
    The scalars come in the arrays' dtype, so every operation rounds as the NumPy code's."""
    for i in range(p.size):
        gi = g[i]
        mi = m[i]
        mi = mi + w1 * (gi - mi)
        m[i] = mi
        vi = v[i] * beta2 + (gi * w2) * gi
        v[i] = vi
        p[i] += (mi * neg_step) / (np.sqrt(vi) / bc2_sqrt + eps)
