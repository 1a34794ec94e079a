"""The loops of ``galton.compile``'s fused kernels, compiled by Numba when it is there.

Each loop does in one pass over memory what eager mode does in several ops. They work on a
convolution's GEMM result in its native "planes" layout (O, N, H, W) -- the layout eager mode
copies to NCHW before the bias, again for the ReLU and again for the pool:

- ``bias_relu_planes``: planes + bias, ReLU, written NCHW (conv + bias + ReLU forward);
- ``relu_mask_planes``: the ReLU's mask applied to an NCHW gradient, written as planes, ready
  for the weight- and input-gradient GEMMs (conv + ReLU backward);
- ``bias_relu_pool2x2_planes`` / ``relu_pool2x2_backward_planes``: the same with a 2x2 / stride
  2 max-pool folded in; the pool's winner index is kept, and its backward writes the planes
  gradient directly (zeros except at each window's winner whose output was positive);
- ``relu_mask``: ``g * (y > 0)`` over flat arrays (Linear + ReLU backward).

Every element is computed as eager mode computes it (bias added to each element before the
ReLU, the ReLU's ``not v <= 0`` rule keeping NaN, the pool's first-maximum / NaN-wins rule), so
the compiled model gives eager mode's numbers bit for bit. ``numpy_*`` are the same passes in
NumPy, used when Numba is missing or switched off (``GALTON_NUMBA=0``); same numbers.
"""
import numpy as np


def bias_relu_planes(y, b, out):
    """out (N, O, P) = relu(y (O, N, P) + b (O,)), the NCHW result of conv + bias + ReLU."""
    o_, n_, p_ = y.shape
    for n in range(n_):
        for o in range(o_):
            bo = b[o]
            for p in range(p_):
                v = y[o, n, p] + bo
                out[n, o, p] = v if not v <= 0 else 0


def relu_mask_planes(g, out, gp):
    """gp (O, N, P) = g (N, O, P) where the ReLU's output ``out`` (N, O, P) is positive."""
    n_, o_, p_ = g.shape
    for o in range(o_):
        for n in range(n_):
            for p in range(p_):
                gp[o, n, p] = g[n, o, p] if out[n, o, p] > 0 else 0


def bias_relu_pool2x2_planes(y, b, out, idx, zero):
    """out (N, O, H//2, W//2) = max_pool2d(relu(y (O, N, H, W) + b), 2); idx the winner 0..3.

    Each window's four values go through the bias and the ReLU first, then the pool's rule
    (``v > m or v != v``: the first maximum wins, NaN wins), as eager mode's three ops do.
    ``zero`` is a zero of the arrays' dtype: a literal 0 would make Numba widen the running
    maximum to float64 (measured 2.6 -> 1.4 ms on seed-000's conv2 at batch 64)."""
    o_, n_ = y.shape[0], y.shape[1]
    oh_, ow_ = out.shape[2], out.shape[3]
    for n in range(n_):
        for o in range(o_):
            bo = b[o]
            for i in range(oh_):
                r = 2 * i
                for j in range(ow_):
                    q = 2 * j
                    m = y[o, n, r, q] + bo
                    if m <= zero:  # the ReLU: ``not v <= 0`` keeps NaN
                        m = zero
                    k = 0
                    v = y[o, n, r, q + 1] + bo
                    if v <= zero:
                        v = zero
                    if v > m or v != v:
                        m = v
                        k = 1
                    v = y[o, n, r + 1, q] + bo
                    if v <= zero:
                        v = zero
                    if v > m or v != v:
                        m = v
                        k = 2
                    v = y[o, n, r + 1, q + 1] + bo
                    if v <= zero:
                        v = zero
                    if v > m or v != v:
                        m = v
                        k = 3
                    out[n, o, i, j] = m
                    idx[n, o, i, j] = k


def relu_pool2x2_backward_planes(g, out, idx, gp, zero):
    """gp (O, N, H, W): each window's gradient g (N, O, OH, OW) to its winner when the pooled
    output was positive (the ReLU's mask), zeros elsewhere; every element written once."""
    n_, o_, oh_, ow_ = g.shape
    h_, w_ = gp.shape[2], gp.shape[3]
    for o in range(o_):
        for n in range(n_):
            for i in range(oh_):
                r = 2 * i
                for j in range(ow_):
                    q = 2 * j
                    k = idx[n, o, i, j]
                    v = g[n, o, i, j]
                    if not out[n, o, i, j] > 0:
                        v = zero
                    gp[o, n, r, q] = v if k == 0 else zero
                    gp[o, n, r, q + 1] = v if k == 1 else zero
                    gp[o, n, r + 1, q] = v if k == 2 else zero
                    gp[o, n, r + 1, q + 1] = v if k == 3 else zero
                for q in range(2 * ow_, w_):
                    gp[o, n, r, q] = zero
                    gp[o, n, r + 1, q] = zero
            for r in range(2 * oh_, h_):
                for q in range(w_):
                    gp[o, n, r, q] = zero


def relu_mask(g, y, out):
    """out = g where y > 0, else 0, over flat arrays."""
    for i in range(g.size):
        out[i] = g[i] if y[i] > 0 else 0


# --- the same passes in NumPy ----------------------------------------------------------------
def _relu(v):
    return np.maximum(v, 0, out=v)  # np.maximum keeps NaN, as ``not v <= 0`` does


def numpy_bias_relu_planes(y, b, out):
    np.add(y.transpose(1, 0, 2), b.reshape(-1, 1), out=out)
    _relu(out)


def numpy_relu_mask_planes(g, out, gp):
    np.multiply(g.transpose(1, 0, 2), out.transpose(1, 0, 2) > 0, out=gp)


def numpy_bias_relu_pool2x2_planes(y, b, out, idx, zero):
    oh, ow = out.shape[2], out.shape[3]
    z = y[:, :, :2 * oh, :2 * ow].transpose(1, 0, 2, 3) + b.reshape(-1, 1, 1)
    _relu(z)
    m = z[:, :, 0::2, 0::2].copy()
    idx[...] = 0
    for k, (r, q) in enumerate(((0, 1), (1, 0), (1, 1)), start=1):
        v = z[:, :, r::2, q::2]
        win = (v > m) | (v != v)
        np.copyto(m, v, where=win)
        idx[win] = k
    out[...] = m


def numpy_relu_pool2x2_backward_planes(g, out, idx, gp, zero):
    oh, ow = g.shape[2], g.shape[3]
    gp[...] = 0
    v = g * (out > 0)
    dst = gp.transpose(1, 0, 2, 3)
    for k, (r, q) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        dst[:, :, r:2 * oh:2, q:2 * ow:2] = v * (idx == k)


def numpy_relu_mask(g, y, out):
    np.multiply(g, y > 0, out=out)


NAMES = ("bias_relu_planes", "relu_mask_planes", "bias_relu_pool2x2_planes",
         "relu_pool2x2_backward_planes", "relu_mask")
