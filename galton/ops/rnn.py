"""Fused recurrent kernels: a whole sequence through one RNN/LSTM/GRU layer as one op.

Each kernel runs one layer in one direction over a (T, B, I) sequence and records a single
autograd node, so a 50-step LSTM costs one node, not thousands. The pattern, for speed:

* the input projection of every time step is one GEMM before the loop (``X @ W_ih.T``);
* each step does one GEMM (``h @ W_hh.T``) and the gate math in place;
* the backward runs the time loop in reverse with one GEMM per step, saving the gate
  gradients of every step, then gets dW_ih, dW_hh, the biases and dX with one GEMM each.

Gate order and formulas are PyTorch's (LSTM i, f, g, o; GRU r, z, n with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``). Internally the LSTM's rows are reordered
to i, f, o, g so that one sigmoid covers three gates; gradients are put back in order.

Variable-length (packed) batches: ``batch_sizes[t]`` rows are active at step t, sorted so
the active rows are a prefix (as PyTorch's PackedSequence guarantees). Inactive rows keep
their state, so the final state of each sequence is the one after its last step, and the
reverse direction starts each sequence from h0 at its own last element.
"""
import numpy as np

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
            def piece_backward(g, lo=off, hi=off + n):
                full = np.zeros(flat.size, flat.dtype)
                full[lo:hi] = g.reshape(-1)
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


def lstm_sequence(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, reverse=False,
                  batch_sizes=None):
    """LSTM layer (PyTorch's gates i, f, g, o; optional projection ``h = (o*tanh(c)) W_hr^T``).

    x: (T, B, I); h0: (B, P); c0: (B, H), P = proj_size or H.
    Returns (output (T, B, P), h_n (B, P), c_n (B, H)).
    """
    X, Wih, Whh = x.data, w_ih.data, w_hh.data
    T, B, I = X.shape
    H = Whh.shape[0] // 4
    P = Whh.shape[1]
    dt = X.dtype
    perm = np.r_[0:2 * H, 3 * H:4 * H, 2 * H:3 * H]  # i, f, g, o -> i, f, o, g
    Wih_p, Whh_p = Wih[perm], Whh[perm]
    X2 = X.reshape(T * B, I)
    G = (X2 @ Wih_p.T).reshape(T, B, 4 * H)  # pre-activations, then gates in place
    bi, bh = _biases(b_ih, b_hh, dt)
    if bi is not None:
        G += bi[perm]
    if bh is not None:
        G += bh[perm]
    packed = batch_sizes is not None
    alloc = np.zeros if packed else np.empty
    flat = alloc(T * B * P + B * P + B * H, dt)
    out = flat[:T * B * P].reshape(T, B, P)
    Hprev, Cprev, TC = np.empty((T, B, P), dt), np.empty((T, B, H), dt), alloc((T, B, H), dt)
    proj = w_hr is not None
    Whr = w_hr.data if proj else None
    R = alloc((T, B, H), dt) if proj else None
    h = h0.data.astype(dt, copy=True)
    c = c0.data.astype(dt, copy=True)
    WhhT = Whh_p.T
    WhrT = Whr.T if proj else None
    H3 = 3 * H
    for t in _steps(T, reverse):
        b = _active(batch_sizes, t, B)
        Hprev[t] = h
        Cprev[t] = c
        if b == B:
            gt, hb, cb, tc = G[t], h, c, TC[t]
        else:
            gt, hb, cb, tc = G[t, :b], h[:b], c[:b], TC[t, :b]
        gt += hb @ WhhT
        _sigmoid_(gt[:, :H3])
        np.tanh(gt[:, H3:], out=gt[:, H3:])
        cb *= gt[:, H:2 * H]
        cb += gt[:, :H] * gt[:, H3:]
        np.tanh(cb, out=tc)
        if proj:
            r = R[t] if b == B else R[t, :b]
            np.multiply(gt[:, 2 * H:H3], tc, out=r)
            hb[...] = r @ WhrT
        else:
            np.multiply(gt[:, 2 * H:H3], tc, out=hb)
        out[t, :b] = hb
    flat[T * B * P:T * B * P + B * P] = h.reshape(-1)
    flat[T * B * P + B * P:] = c.reshape(-1)

    def backward(g):
        dOut = g[:T * B * P].reshape(T, B, P)
        dh = g[T * B * P:T * B * P + B * P].reshape(B, P).copy()
        dc = g[T * B * P + B * P:].reshape(B, H).copy()
        # every factor that depends on saved values alone is computed for all steps at once
        D = np.empty_like(G)
        S = G[..., :H3]
        np.multiply(S, 1 - S, out=D[..., :H3])
        np.multiply(G[..., H3:], G[..., H3:], out=D[..., H3:])
        np.subtract(1, D[..., H3:], out=D[..., H3:])
        K = G[..., 2 * H:H3] * (1 - TC * TC)  # d c / d h through h = o * tanh(c)
        dA = alloc((T, B, 4 * H), dt)
        dHt = alloc((T, B, P), dt) if proj else None
        for t in _steps(T, not reverse):
            b = _active(batch_sizes, t, B)
            full = b == B
            if full:
                a, gt, dhb, dcb = dA[t], G[t], dh, dc
                dht = dh + dOut[t]
            else:
                a, gt, dhb, dcb = dA[t, :b], G[t, :b], dh[:b], dc[:b]
                dht = dhb + dOut[t, :b]
            if proj:
                dHt[t, :b] = dht
                dr = dht @ Whr
            else:
                dr = dht
            dcb += dr * (K[t] if full else K[t, :b])
            np.multiply(dcb, gt[:, H3:], out=a[:, :H])
            np.multiply(dcb, Cprev[t] if full else Cprev[t, :b], out=a[:, H:2 * H])
            np.multiply(dr, TC[t] if full else TC[t, :b], out=a[:, 2 * H:H3])
            np.multiply(dcb, gt[:, :H], out=a[:, H3:])
            a *= D[t] if full else D[t, :b]
            dcb *= gt[:, H:2 * H]
            dhb[...] = a @ Whh_p
        dA2 = dA.reshape(T * B, 4 * H)
        inv = np.argsort(perm)
        gx = (dA2 @ Wih_p).reshape(T, B, I) if x._rg else None
        gwi = (dA2.T @ X2)[inv] if w_ih._rg else None
        gwh = (dA2.T @ Hprev.reshape(T * B, P))[inv] if w_hh._rg else None
        gb = dA2.sum(axis=0)[inv] if b_ih is not None or b_hh is not None else None
        gwr = None
        if proj and w_hr._rg:
            gwr = dHt.reshape(T * B, P).T @ R.reshape(T * B, H)
        return ((gx, dh if h0._rg else None, dc if c0._rg else None, gwi, gwh)
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
