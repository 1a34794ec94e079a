"""Fused recurrent kernels: a whole sequence through one RNN/LSTM/GRU layer as one op.

Each kernel runs one layer in one direction over a (T, B, I) sequence and records a single
autograd node, so a 50-step LSTM costs one node, not thousands. The pattern, for speed:

* the input projection of every time step is one GEMM before the loop (``X @ W_ih.T``);
* each step does one GEMM (``h @ W_hh.T``) and the gate math in place;
* the backward runs the time loop in reverse with one GEMM per step, saving the gate
  gradients of every step, then gets dW_ih, dW_hh, the biases and dX with one GEMM each.

Gate order and formulas are PyTorch's (LSTM i, f, g, o; GRU r, z, n with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``). Internally the LSTM works transposed
(batch in columns) with its gate rows reordered to o, i, f, g (see ``lstm_sequence``);
gradients are put back in PyTorch's order.

Variable-length (packed) batches: ``batch_sizes[t]`` rows are active at step t, sorted so
the active rows are a prefix (as PyTorch's PackedSequence guarantees). Inactive rows keep
their state, so the final state of each sequence is the one after its last step, and the
reverse direction starts each sequence from h0 at its own last element.
"""
import functools

import numpy as np

from ._pool import buffer
from ._util import Tensor, make_result


def _sigmoid_(a):
    """Sigmoid in place, through tanh so it cannot overflow."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def _outputs(flat, shapes, inputs, backward, name):
    """Several outputs from one node: the arrays live in one flat buffer whose gradient the
    kernel's backward receives whole; each output is a view with a node that routes its
    gradient into the right segment (the engine sums the segments before the kernel runs)."""
    main = make_result(flat, inputs, backward, name)
    outs = []
    off = 0
    for shape in shapes:
        n = int(np.prod(shape))
        view = flat[off:off + n].reshape(shape)
        if main.grad_fn is None:
            outs.append(Tensor._wrap(view))
        else:
            def piece_backward(g, lo=off, hi=off + n, shape=shape):
                full = buffer(flat.shape, flat.dtype)
                full[:lo] = 0
                full[hi:] = 0
                full[lo:hi].reshape(shape)[...] = g  # g may be a broadcast view: no copy
                return (full,)
            outs.append(make_result(view, (main,), piece_backward, name))
        off += n
    return outs


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _biases(b_ih, b_hh, dtype):
    """The bias arrays (None where a layer has no bias)."""
    bi = b_ih.data if b_ih is not None else None
    bh = b_hh.data if b_hh is not None else None
    return bi, bh


def _bias_grads(b_ih, b_hh, g_ih, g_hh):
    return (g_ih if b_ih is not None and b_ih._rg else None,
            g_hh if b_hh is not None and b_hh._rg else None)


def _active(batch_sizes, t, B):
    return B if batch_sizes is None else int(batch_sizes[t])


def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False,
                 batch_sizes=None):
    """Elman RNN layer: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    x: (T, B, I); h0: (B, H). Returns (output (T, B, H), h_n (B, H)).
    """
    X, Wih, Whh = x.data, w_ih.data, w_hh.data
    T, B, I = X.shape
    H = Whh.shape[0]
    dt = X.dtype
    X2 = X.reshape(T * B, I)
    A = (X2 @ Wih.T).reshape(T, B, H)  # pre-activations, then activations in place
    bi, bh = _biases(b_ih, b_hh, dt)
    if bi is not None:
        A += bi
    if bh is not None:
        A += bh
    packed = batch_sizes is not None
    flat = (np.zeros if packed else np.empty)(T * B * H + B * H, dt)
    out = flat[:T * B * H].reshape(T, B, H)
    Hprev = np.empty((T, B, H), dt)
    h = h0.data.astype(dt, copy=True)
    WhhT = Whh.T
    relu = nonlinearity == "relu"
    for t in _steps(T, reverse):
        b = _active(batch_sizes, t, B)
        Hprev[t] = h
        a = A[t] if b == B else A[t, :b]
        a += (h if b == B else h[:b]) @ WhhT
        if relu:
            np.maximum(a, 0, out=a)
        else:
            np.tanh(a, out=a)
        if b == B:
            h[...] = a
            out[t] = a
        else:
            h[:b] = a
            out[t, :b] = a
    flat[T * B * H:] = h.reshape(-1)

    def backward(g):
        dOut = g[:T * B * H].reshape(T, B, H)
        dh = g[T * B * H:].reshape(B, H).copy()
        D = (A > 0).astype(dt) if relu else 1 - A * A
        dA = (np.zeros if packed else np.empty)((T, B, H), dt)
        for t in _steps(T, not reverse):
            b = _active(batch_sizes, t, B)
            if b == B:
                np.add(dh, dOut[t], out=dA[t])
                dA[t] *= D[t]
                dh = dA[t] @ Whh
            else:
                np.add(dh[:b], dOut[t, :b], out=dA[t, :b])
                dA[t, :b] *= D[t, :b]
                dh[:b] = dA[t, :b] @ Whh
        dA2 = dA.reshape(T * B, H)
        gx = (dA2 @ Wih).reshape(T, B, I) if x._rg else None
        gwi = dA2.T @ X2 if w_ih._rg else None
        gwh = dA2.T @ Hprev.reshape(T * B, H) if w_hh._rg else None
        gb = dA2.sum(axis=0) if b_ih is not None or b_hh is not None else None
        return (gx, dh if h0._rg else None, gwi, gwh) + _bias_grads(b_ih, b_hh, gb, gb)

    name = "RnnReluBackward0" if relu else "RnnTanhBackward0"
    return _outputs(flat, [(T, B, H), (B, H)], (x, h0, w_ih, w_hh, b_ih, b_hh), backward, name)


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
    blocks of a few thousand numbers) and to first touches of fresh arrays (see ``_buffer``),
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
    X, Wih, Whh = x.data, w_ih.data, w_hh.data
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
    Whr = w_hr.data if proj else None
    Hs = buffer((T + 1, P, B), dt)                   # Hs[k]: h before step k
    Cs = buffer((T + 1, H, B), dt)
    Hs[0] = h0.data.T
    Cs[0] = c0.data.T
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

    def backward(g):
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
        WhhT = np.take(Whh.T, perm, axis=1, out=buffer((P, 4 * H), dt))  # W_hh^T, o,i,f,g
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

    return _outputs(flat, [(T, B, P), (B, P), (B, H)],
                    (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr), backward, "LstmBackward0")


def gru_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False, batch_sizes=None):
    """GRU layer (PyTorch's gates r, z, n; ``h' = (1 - z) * n + z * h``).

    x: (T, B, I); h0: (B, H). Returns (output (T, B, H), h_n (B, H)).
    """
    X, Wih, Whh = x.data, w_ih.data, w_hh.data
    T, B, I = X.shape
    H = Whh.shape[0] // 3
    H2 = 2 * H
    dt = X.dtype
    X2 = X.reshape(T * B, I)
    G = (X2 @ Wih.T).reshape(T, B, 3 * H)  # input parts, then r, z, n in place
    bi, bh = _biases(b_ih, b_hh, dt)
    if bi is not None:
        G += bi
    packed = batch_sizes is not None
    alloc = np.zeros if packed else np.empty
    flat = alloc(T * B * H + B * H, dt)
    out = flat[:T * B * H].reshape(T, B, H)
    Hprev = np.empty((T, B, H), dt)
    HN = alloc((T, B, H), dt)  # W_hn h + b_hn, which r multiplies
    h = h0.data.astype(dt, copy=True)
    WhhT = Whh.T
    for t in _steps(T, reverse):
        b = _active(batch_sizes, t, B)
        Hprev[t] = h
        if b == B:
            gt, hb, hn = G[t], h, HN[t]
        else:
            gt, hb, hn = G[t, :b], h[:b], HN[t, :b]
        gh = hb @ WhhT
        if bh is not None:
            gh += bh
        gt[:, :H2] += gh[:, :H2]
        _sigmoid_(gt[:, :H2])
        hn[...] = gh[:, H2:]
        n = gt[:, H2:]
        n += gt[:, :H] * hn
        np.tanh(n, out=n)
        hb -= n          # h' = n + z * (h - n)
        hb *= gt[:, H:H2]
        hb += n
        out[t, :b] = hb
    flat[T * B * H:] = h.reshape(-1)

    def backward(g):
        dOut = g[:T * B * H].reshape(T, B, H)
        dh = g[T * B * H:].reshape(B, H).copy()
        RZ = G[..., :H2]
        Z = G[..., H:H2]
        N = G[..., H2:]
        Drz = RZ * (1 - RZ)
        Dn = 1 - N * N
        one_minus_z = 1 - Z
        h_minus_n = Hprev - N
        dGh = alloc((T, B, 3 * H), dt)   # gradient of the hidden-side pre-activations
        dNp = alloc((T, B, H), dt)       # gradient of the input-side n pre-activation
        for t in _steps(T, not reverse):
            b = _active(batch_sizes, t, B)
            sl = slice(None) if b == B else slice(0, b)
            dht = dh[sl] + dOut[t, sl]
            a = dGh[t, sl]
            dnp = dNp[t, sl]
            np.multiply(dht, one_minus_z[t, sl], out=dnp)
            dnp *= Dn[t, sl]                                    # d (n pre-activation)
            np.multiply(dnp, HN[t, sl], out=a[:, :H])           # d r
            np.multiply(dht, h_minus_n[t, sl], out=a[:, H:H2])  # d z
            a[:, :H2] *= Drz[t, sl]
            np.multiply(dnp, G[t, sl, :H], out=a[:, H2:])       # d (W_hn h + b_hn) = dn' * r
            dht *= Z[t, sl]
            dht += a @ Whh
            dh[sl] = dht
        dGh2 = dGh.reshape(T * B, 3 * H)
        dNp2 = dNp.reshape(T * B, H)
        gx = None
        if x._rg:
            gx = (dGh2[:, :H2] @ Wih[:H2] + dNp2 @ Wih[H2:]).reshape(T, B, I)
        gwi = None
        if w_ih._rg:
            gwi = np.concatenate([dGh2[:, :H2].T @ X2, dNp2.T @ X2])
        gwh = dGh2.T @ Hprev.reshape(T * B, H) if w_hh._rg else None
        gbh = dGh2.sum(axis=0) if b_hh is not None and b_hh._rg else None
        gbi = None
        if b_ih is not None and b_ih._rg:
            gbi = np.concatenate([gbh[:H2] if gbh is not None else dGh2[:, :H2].sum(axis=0),
                                  dNp2.sum(axis=0)])
        return (gx, dh if h0._rg else None, gwi, gwh, gbi, gbh)

    return _outputs(flat, [(T, B, H), (B, H)], (x, h0, w_ih, w_hh, b_ih, b_hh), backward,
                    "GruBackward0")


def _pack_index(batch_sizes, B):
    """Row of each packed element in the (T * B) padded layout (time-major)."""
    bs = np.asarray(batch_sizes, dtype=np.int64)
    T = len(bs)
    starts = np.repeat(np.arange(T, dtype=np.int64) * B - np.cumsum(bs) + bs, bs)
    return starts + np.arange(int(bs.sum()), dtype=np.int64)


def packed_to_padded(data, batch_sizes, total_length=None, padding_value=0.0):
    """Packed rows (N, *) to a time-major padded tensor (T, B, *); gradient gathers back."""
    a = data.data
    bs = np.asarray(batch_sizes, dtype=np.int64)
    T = len(bs) if total_length is None else int(total_length)
    B = int(bs[0]) if len(bs) else 0
    feat = a.shape[1:]
    idx = _pack_index(bs, B)
    out = np.full((T * B,) + feat, padding_value, dtype=a.dtype)
    out[idx] = a
    return make_result(out.reshape((T, B) + feat), (data,),
                       lambda g: (g.reshape((T * B,) + feat)[idx],), "PadPackedSequenceBackward0")


def padded_to_packed(padded, batch_sizes):
    """Time-major padded (T, B, *) to packed rows (N, *); gradient scatters back (zeros in the
    padding)."""
    a = padded.data
    T, B = a.shape[:2]
    feat = a.shape[2:]
    idx = _pack_index(batch_sizes, B)
    out = a.reshape((T * B,) + feat)[idx]

    def backward(g):
        full = np.zeros((T * B,) + feat, g.dtype)
        full[idx] = g
        return (full.reshape(a.shape),)
    return make_result(out, (padded,), backward, "PackPaddedSequenceBackward0")


TENSOR_METHODS = []  # reached through galton.nn (RNN, LSTM, GRU), not as Tensor methods
