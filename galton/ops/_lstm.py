"""The fused LSTM layer kernel (``lstm_sequence``); see ``galton/ops/rnn.py`` for the family."""
import functools

import numpy as np

from ._pool import buffer
from ._recurrent import _arr, _bias_grads, _biases, _outputs
from ._recurrent_graph import lstm_flat
from ._util import composite


@functools.lru_cache(maxsize=16)
def _lstm_perm(H):
    """Row order o, i, f, g of the gates (from PyTorch's i, f, g, o) and its inverse."""
    perm = np.r_[3 * H:4 * H, 0:2 * H, 2 * H:3 * H]
    inv = np.argsort(perm)
    perm.flags.writeable = inv.flags.writeable = False  # shared by every call
    return perm, inv


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, reverse=False,
                  batch_sizes=None):
    """LSTM layer (PyTorch's gates i, f, g, o; optional projection ``h = (o*tanh(c)) W_hr^T``).

    x: (T, B, I); h0: (B, P); c0: (B, H), P = proj_size or H.
    Returns (output (T, B, P), h_n (B, P), c_n (B, H)).

    Apart from the GEMMs, the time goes to per-call NumPy overhead (a step is ~10 calls on
    blocks of a few thousand numbers) and to first touches of fresh arrays (see ``_pool``),
    so the kernel is laid out to make every call cheap and few:

    * Everything is transposed: a step's gates are a (4H, B) array, its states (H, B), so each
      gate is a contiguous block of rows (NumPy's SIMD loops need contiguous operands; a strided
      column slice of a (B, 4H) array is 3-5x slower) and the GEMM is ``W_hh @ h``.
    * Gate rows are reordered o, i, f, g: the sigmoid gates are one block (o, i, f) and the
      three gradients that ``dc`` multiplies are one block (i, f, g).
    * sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, and the rows of the sigmoid gates' weights and
      biases are pre-halved (exact: a power of two), so one tanh covers all four gates.
    * Steps run in processing order k (time reversed for ``reverse``), and each step writes its
      state straight into the history arrays (``Hs[k + 1]``, ``Cs[k + 1]``) that the next step
      and the backward read, so no per-step copies are made.
    """
    X, Wih, Whh = x._data, w_ih._data, w_hh._data
    T, B, I = X.shape
    H = Whh.shape[0] // 4
    P = Whh.shape[1]
    H3 = 3 * H
    dt = X.dtype
    perm, inv = _lstm_perm(H)
    half = np.ones((4 * H, 1), dt)
    half[:H3] = 0.5
    Whh_s = np.take(Whh, perm, axis=0, out=buffer((4 * H, P), dt))
    Whh_s *= half
    Xk = X[::-1] if reverse else X                    # time in processing order
    bs = None if batch_sizes is None else np.asarray(batch_sizes)[::-1 if reverse else 1]
    packed = bs is not None
    # XH holds the rows [x_t, 1, h_{t-1}] of every step (h filled by the backward): the forward
    # gets the input projections with the bias as one GEMM (a broadcast bias add over (T, 4H, B)
    # would cost as much as the GEMM), the backward dW_ih, the bias gradient and dW_hh as one.
    XH = buffer((T, B, I + 1 + P), dt)
    XH[..., :I] = Xk
    XH[..., I] = 1
    bi, bh = _biases(b_ih, b_hh, dt)
    bias = np.zeros(4 * H, dt)
    if bi is not None:
        bias += bi
    if bh is not None:
        bias += bh
    Wa = buffer((4 * H, I + 1), dt)                  # [W_ih | b], rows o, i, f, g, halved
    np.take(Wih, perm, axis=0, out=Wa[:, :I])
    Wa[:, I] = bias[perm]
    Wa *= half
    G = buffer((T, 4 * H, B), dt)                    # input projections, as (T, 4H, B)
    np.matmul(Wa, XH[..., :I + 1].transpose(0, 2, 1), out=G)
    proj = w_hr is not None
    Whr = w_hr._data if proj else None
    Hs = buffer((T + 1, P, B), dt)                   # Hs[k]: h before step k
    Cs = buffer((T + 1, H, B), dt)
    Hs[0] = h0._data.T
    Cs[0] = c0._data.T
    TC = buffer((T, H, B), dt, zero=packed)          # tanh(c) of each step
    R = buffer((T, H, B), dt, zero=packed) if proj else None  # o * tanh(c), before W_hr
    S, O, Ig, F, Gg = G[:, :H3], G[:, :H], G[:, H:2 * H], G[:, 2 * H:H3], G[:, H3:]
    tmp = np.empty((4 * H, B), dt)
    ig = np.empty((H, B), dt)
    for k in range(T):
        b = B if bs is None else int(bs[k])
        gk, sk, ok, ik, fk, gg = G[k], S[k], O[k], Ig[k], F[k], Gg[k]
        hp, cp, cn, tc, hn = Hs[k], Cs[k], Cs[k + 1], TC[k], Hs[k + 1]
        rk = R[k] if proj else hn
        if b != B:  # packed: only the first b columns run; the others keep their state
            cn[:, b:] = cp[:, b:]
            hn[:, b:] = hp[:, b:]
            gk, sk, ok, ik, fk, gg, hp, cp, cn, tc, rk = (
                a[:, :b] for a in (gk, sk, ok, ik, fk, gg, hp, cp, cn, tc, rk))
            hn = hn[:, :b]
        tk = tmp[:, :b]
        np.matmul(Whh_s, hp, out=tk)
        gk += tk
        np.tanh(gk, out=gk)
        sk *= 0.5
        sk += 0.5
        igk = ig[:, :b]
        np.multiply(ik, gg, out=igk)
        np.multiply(fk, cp, out=cn)
        cn += igk
        np.tanh(cn, out=tc)
        np.multiply(ok, tc, out=rk)
        if proj:
            np.matmul(Whr, rk, out=hn)
    flat = buffer((T * B * P + B * P + B * H,), dt)
    out = flat[:T * B * P].reshape(T, B, P)
    Hk = Hs[1:]
    out[...] = (Hk[::-1] if reverse else Hk).transpose(0, 2, 1)
    if packed:
        for k in range(T):
            out[T - 1 - k if reverse else k, int(bs[k]):] = 0
    flat[T * B * P:T * B * P + B * P].reshape(B, P)[...] = Hs[T].T
    flat[T * B * P + B * P:].reshape(B, H)[...] = Cs[T].T

    def first_order(g):
        dOut = g[:T * B * P].reshape(T, B, P)
        dOutk = buffer((T, P, B), dt)
        np.copyto(dOutk, (dOut[::-1] if reverse else dOut).transpose(0, 2, 1))
        dh = np.ascontiguousarray(g[T * B * P:T * B * P + B * P].reshape(B, P).T)
        dc = np.ascontiguousarray(g[T * B * P + B * P:].reshape(B, H).T)
        # the factors that depend on saved values alone, for all steps at once (rows o, i, f, g):
        # E * (dh or dc) is a gate pre-activation's gradient; K * dh is dc's share through h
        E = buffer(G.shape, dt)
        Es = E[:, :H3]
        np.subtract(1, S, out=Es)
        Es *= S                                        # sigmoid' = s (1 - s)
        E[:, :H] *= TC                                 # d o = dh * tanh(c) * o'
        E[:, H:2 * H] *= Gg                            # d i = dc * g * i'
        E[:, 2 * H:H3] *= Cs[:-1]                      # d f = dc * c_prev * f'
        Eg = E[:, H3:]
        np.multiply(Gg, Gg, out=Eg)
        np.subtract(1, Eg, out=Eg)
        Eg *= Ig                                       # d g = dc * i * (1 - g^2)
        K = buffer(TC.shape, dt)
        np.multiply(TC, TC, out=K)
        np.subtract(1, K, out=K)
        K *= O                                         # dc += dh * o * (1 - tanh(c)^2)
        E3 = E[:, H:].reshape(T, 3, H, B)
        Eo = E[:, :H]
        dA = buffer((T, 4 * H, B), dt, zero=packed)   # pre-activation gradients, o, i, f, g
        dA3, dAo = dA[:, H:].reshape(T, 3, H, B), dA[:, :H]
        dHt = buffer((T, P, B), dt, zero=packed) if proj else None  # each step's dh, for dW_hr
        WhhT = np.take(Whh, perm, axis=0).T              # W_hh^T, o,i,f,g (BLAS reads it
                                                         # transposed: a copy costs 15x more)
        WhrT = np.ascontiguousarray(Whr.T) if proj else None
        dr = np.empty((H, B), dt) if proj else None
        kc = np.empty((H, B), dt)
        for k in range(T - 1, -1, -1):
            b = B if bs is None else int(bs[k])
            dhb, dcb, dok, kk, ek, eo, a3, ao, a, fk = (
                dh, dc, dOutk[k], K[k], E3[k], Eo[k], dA3[k], dAo[k], dA[k], F[k])
            if b != B:
                dhb, dcb, dok, kk, ek, eo, a3, ao, a, fk = (
                    v[..., :b] for v in (dhb, dcb, dok, kk, ek, eo, a3, ao, a, fk))
            dhb += dok                                 # dh of h_k: from later steps + output
            if proj:
                dHt[k][:, :b] = dhb
                drb = dr[:, :b]
                np.matmul(WhrT, dhb, out=drb)
            else:
                drb = dhb
            kcb = kc[:, :b]
            np.multiply(drb, kk, out=kcb)
            dcb += kcb
            np.multiply(ek, dcb, out=a3)
            np.multiply(eo, drb, out=ao)
            dcb *= fk
            np.matmul(WhhT, a, out=dhb)
        # input and weight gradients: GEMMs over (4H, T * B) (a transposed copy costs far less
        # than 50 small GEMMs)
        dA2 = buffer((4 * H, T, B), dt)
        np.copyto(dA2, dA.transpose(1, 0, 2))
        dA2 = dA2.reshape(4 * H, T * B)
        gx = None
        if x._rg:
            gx = (dA2.T @ Wih[perm]).reshape(T, B, I)
            if reverse:
                gx = gx[::-1]
        XH[..., I + 1:] = Hs[:-1].transpose(0, 2, 1)
        # [dW_ih, db, dW_hh] in rows o, i, f, g; the gradients handed out come from the pool
        # too (a .grad set to None frees them for the next step)
        gW = np.matmul(dA2, XH.reshape(T * B, I + 1 + P), out=buffer((4 * H, I + 1 + P), dt))
        gwi = np.take(gW[:, :I], inv, axis=0, out=buffer((4 * H, I), dt)) if w_ih._rg else None
        gb = gW[inv, I]
        gwh = (np.take(gW[:, I + 1:], inv, axis=0, out=buffer((4 * H, P), dt))
               if w_hh._rg else None)
        gwr = None
        if proj and w_hr._rg:
            gwr = (dHt.transpose(1, 0, 2).reshape(P, T * B)
                   @ R.transpose(0, 2, 1).reshape(T * B, H))
        return ((gx, dh.T if h0._rg else None, dc.T if c0._rg else None, gwi, gwh)
                + _bias_grads(b_ih, b_hh, gb, gb) + (gwr,))

    def backward(g, x=X, h0=h0._data, c0=c0._data, w_ih=Wih, w_hh=Whh,
                 b_ih=_arr(b_ih), b_hh=_arr(b_hh), w_hr=_arr(w_hr), xp=np):
        if xp is np:
            return first_order(g)
        # create_graph: the recurrence step by step in galton ops (_recurrent_graph.py)
        return composite(lambda *ins: lstm_flat(*ins, reverse, batch_sizes),
                         (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr), g)

    return _outputs(flat, [(T, B, P), (B, P), (B, H)],
                    (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr), backward, "LstmBackward0")
