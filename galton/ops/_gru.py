"""The fused GRU layer kernel (``gru_sequence``); see ``galton/ops/rnn.py`` for the family."""
import functools

import numpy as np

from ._pool import buffer
from ._recurrent import (_biases, _grad_per_step, _inputs_with_ones, _needs, _outputs,
                         _step_sizes, _write_sequence)
from ._recurrent import _arr
from ._recurrent_graph import gru_flat
from ._util import composite, will_record


@functools.lru_cache(maxsize=16)
def _gru_perms(H):
    """Gate row orders of the backward (PyTorch's, which the forward keeps, are r, z, n):
    n, z, r on the input side and z, r, n on the hidden side, and the inverses that put
    gradient rows back in PyTorch's order."""
    inp = np.r_[2 * H:3 * H, H:2 * H, 0:H]
    hid = np.r_[H:2 * H, 0:H, 2 * H:3 * H]
    perms = (inp, hid, np.argsort(inp), np.argsort(hid))
    for p in perms:
        p.flags.writeable = False  # shared by every call
    return perms


def _halved(W, b, H2, dt):
    """``[W | b]`` (b's column zero where there is no bias) with the sigmoid gates' rows (the
    first H2) halved: a step's sigmoid is then 0.5 * tanh(.) + 0.5 of its GEMM's rows."""
    G, K = W.shape
    out = buffer((G, K + 1), dt)
    np.multiply(W[:H2], 0.5, out=out[:H2, :K])
    out[H2:, :K] = W[H2:]
    if b is None:
        out[:, K] = 0
    else:
        np.multiply(b[:H2], 0.5, out=out[:H2, K])
        out[H2:, K] = b[H2:]
    return out


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, batch_sizes=None):
    """GRU layer (PyTorch's gates r, z, n; ``h' = (1 - z) * n + z * h``).

    x: (T, B, I); h0: (B, H). Returns (output (T, B, H), h_n (B, H)).

    Laid out like ``lstm_sequence`` (transposed, processing order, pooled work arrays):

    * A step's gates are a (3H, B) array in PyTorch's rows r, z, n; the r and z rows of the
      weights and biases are pre-halved so that sigmoid(a) = 0.5 * tanh(a / 2) + 0.5 is one
      tanh over the (2H, B) block.
    * The input projections with b_ih are one GEMM over all steps. The hidden side carries b_hh
      as a column of W_hh against a row of ones kept under each saved state (Hs is
      (T + 1, H + 1, B)), so ``hn = W_hn h + b_hn``, which r multiplies, comes from the step's
      one GEMM, and in backward dW_hh and the b_hh gradient are one GEMM too.
    * When a graph is recorded, each forward step also leaves the five factors its backward
      step multiplies by, ``F = [r, z, (1-z)(1-n^2), (h-n)(1-z), hn r(1-r)]``: computed while
      the step's arrays are in cache they cost less than the same passes over the whole
      (T, H, B) history afterwards (those are memory-bound). 11 NumPy calls a step forward
      without a graph, 19 with one; 6 backward.
    * The backward step's work array holds the rows ``[dh*z, dn, dz, dr, dn*r]`` (dn, dz,
      dr: the gates' pre-activation gradients), ordered so that ``dh * F[1:3]`` gives the
      first two and those times ``F[3:5]`` the next two: rows 2-4 are the hidden side's
      gradient (gates z, r, n; W_hh^T times them is dh's share), rows 1-3 the input side's
      (gates n, z, r).
    """
    X, Wih, Whh = x._data, w_ih._data, w_hh._data
    T, B, I = X.shape
    H = Whh.shape[0] // 3
    H2 = 2 * H
    dt = X.dtype
    bs = _step_sizes(batch_sizes, reverse)
    packed = bs is not None
    keep = will_record((x, h0, w_ih, w_hh, b_ih, b_hh))
    bi, bh = _biases(b_ih, b_hh, dt)
    XA = _inputs_with_ones(X, reverse, dt)               # rows [x_t, 1]
    G = buffer((T, 3 * H, B), dt)                        # input projections, then n in place
    np.matmul(_halved(Wih, bi, H2, dt), XA.transpose(0, 2, 1), out=G)
    Wh = _halved(Whh, bh, H2, dt)                        # [W_hh | b_hh]
    Hs = buffer((T + 1, H + 1, B), dt)                   # Hs[k]: [h before step k; 1]
    Hs[:, H] = 1
    Hs[0, :H] = h0._data.T
    F = buffer((T, 5, H, B), dt)                         # the backward's factors (see above)
    RZ = F[:, :2].reshape(T, H2, B)                      # r, z
    gh = np.empty((3 * H, B), dt)                        # W_hh h + b_hh of the step
    tmp = np.empty((H, B), dt)
    for k in range(T):
        b = B if bs is None else int(bs[k])
        fk, rz, sk, nk, hpa, hp, hn = (F[k], RZ[k], G[k, :H2], G[k, H2:], Hs[k], Hs[k, :H],
                                       Hs[k + 1, :H])
        if b != B:  # packed: only the first b columns run; the others keep their state
            hn[:, b:] = hp[:, b:]
            fk, rz, sk, nk, hpa, hp, hn = (a[..., :b] for a in (fk, rz, sk, nk, hpa, hp, hn))
        ghk, tk = gh[:, :b], tmp[:, :b]
        hnk, rk, zk = ghk[H2:], fk[0], fk[1]
        np.matmul(Wh, hpa, out=ghk)
        sk += ghk[:H2]
        np.tanh(sk, out=rz)
        rz *= 0.5
        rz += 0.5                                        # r, z
        np.multiply(rk, hnk, out=tk)
        nk += tk
        np.tanh(nk, out=nk)                              # n
        if keep:
            en, ez, er = fk[2], fk[3], fk[4]
            np.subtract(hp, nk, out=ez)
            np.multiply(ez, zk, out=hn)
            hn += nk                                     # h' = n + z (h - n)
            np.subtract(1, zk, out=en)
            ez *= en                                     # (h - n)(1 - z)
            np.multiply(nk, nk, out=tk)
            np.subtract(1, tk, out=tk)
            en *= tk                                     # (1 - z)(1 - n^2)
            np.subtract(1, rk, out=er)
            er *= rk
            er *= hnk                                    # hn r (1 - r)
        else:
            np.subtract(hp, nk, out=hn)
            hn *= zk
            hn += nk                                     # h' = n + z (h - n)
    del G, RZ, Wh                                        # back to the pool
    if not keep:
        del F
    flat = buffer((T * B * H + B * H,), dt)
    _write_sequence(flat[:T * B * H].reshape(T, B, H), Hs[1:, :H], reverse, bs)
    flat[T * B * H:].reshape(B, H)[...] = Hs[T, :H].T

    def first_order(g):
        inp, hid, inv_i, inv_h = _gru_perms(H)
        dOutk = _grad_per_step(g[:T * B * H].reshape(T, B, H), reverse, dt)
        dh = np.ascontiguousarray(g[T * B * H:].reshape(B, H).T)
        dA = buffer((T, 5, H, B), dt, zero=packed)       # [dh*z, dn, dz, dr, dn*r] per step
        WhhT = np.take(Whh, hid, axis=0).T               # columns z, r, n (BLAS reads it
                                                         # transposed: no copy)
        for k in range(T - 1, -1, -1):
            b = B if bs is None else int(bs[k])
            dhb, dok, fk, a = dh, dOutk[k], F[k], dA[k]
            if b != B:
                dhb, dok, fk, a = (v[..., :b] for v in (dhb, dok, fk, a))
            dhb += dok                                   # dh of h_k: from later steps + output
            np.multiply(dhb, fk[1:3], out=a[:2])
            np.multiply(a[:2], fk[3:], out=a[2:4])
            np.multiply(a[1], fk[0], out=a[4])
            np.matmul(WhhT, a[2:].reshape(3 * H, b), out=dhb)
            dhb += a[0]
        # rows dn, dz, dr, dn*r as (4H, T * B) for the GEMMs over all steps (a transposed copy
        # costs far less than T small GEMMs): input side rows 0-2, hidden side rows 1-3
        dA2 = buffer((4, H, T, B), dt)
        np.copyto(dA2, dA[:, 1:].transpose(1, 2, 0, 3))
        del dA
        dA2 = dA2.reshape(4 * H, T * B)
        dAi, dAh = dA2[:3 * H], dA2[H:]
        gx = None
        if x._rg:
            gx = np.matmul(dAi.T, np.take(Wih, inp, axis=0),
                           out=buffer((T * B, I), dt)).reshape(T, B, I)
            if reverse:
                gx = gx[::-1]
        gwi = gbi = gwh = gbh = None
        if _needs(w_ih, b_ih):                           # [dW_ih, db_ih], rows n, z, r
            gW = np.matmul(dAi, XA.reshape(T * B, I + 1), out=buffer((3 * H, I + 1), dt))
            gwi = np.take(gW[:, :I], inv_i, axis=0) if w_ih._rg else None
            gbi = gW[inv_i, I] if b_ih is not None and b_ih._rg else None
        if _needs(w_hh, b_hh):                           # [dW_hh, db_hh], rows z, r, n
            HA = buffer((T, B, H + 1), dt)               # rows [h_{t-1}, 1]
            np.copyto(HA, Hs[:-1].transpose(0, 2, 1))
            gW = np.matmul(dAh, HA.reshape(T * B, H + 1), out=buffer((3 * H, H + 1), dt))
            gwh = np.take(gW[:, :H], inv_h, axis=0) if w_hh._rg else None
            gbh = gW[inv_h, H] if b_hh is not None and b_hh._rg else None
        return (gx, dh.T if h0._rg else None, gwi, gwh, gbi, gbh)

    def backward(g, x=X, h0=h0._data, w_ih=w_ih._data, w_hh=w_hh._data, b_ih=_arr(b_ih),
                 b_hh=_arr(b_hh), xp=np):
        if xp is np:
            return first_order(g)
        # create_graph: the recurrence step by step in galton ops (_recurrent_graph.py)
        return composite(lambda *ins: gru_flat(*ins, reverse, batch_sizes),
                         (x, h0, w_ih, w_hh, b_ih, b_hh), g)

    return _outputs(flat, [(T, B, H), (B, H)], (x, h0, w_ih, w_hh, b_ih, b_hh), backward,
                    "GruBackward0")
