"""Fused recurrent kernels: a whole sequence through one RNN/LSTM/GRU layer as one op.

Each kernel runs one layer in one direction over a (T, B, I) sequence and records a single
autograd node, so a 50-step LSTM costs one node, not thousands. The Elman RNN lives here; the
LSTM in ``_lstm.py``, the GRU in ``_gru.py``, what they share in ``_recurrent.py`` and the
packed <-> padded conversions in ``_packing.py``; every name is importable from this module.

Apart from the GEMMs, a step's time goes to per-call NumPy overhead (blocks of a few thousand
numbers), so all three kernels are laid out the same way to make every call cheap and few:

* the input projection of every time step, bias included, is one batched GEMM before the loop
  (``[W_ih | b] @ [x_t; 1]``);
* everything is transposed: a step's gates are a (G*H, B) array and its state (H, B), so each
  gate is a contiguous block of rows (NumPy's SIMD loops need contiguous operands) and the
  step's GEMM is ``W_hh @ h``; sigmoid gates are computed as ``0.5 * tanh(z / 2) + 0.5`` with
  their weight rows pre-halved (exact: a power of two);
* steps run in processing order k (time reversed for ``reverse``) and write their state
  straight into a history array that the next step and the backward read: no per-step copies;
* the backward runs the loop in reverse with one GEMM per step, the factors that depend on
  saved values alone computed for all steps at once before it, then gets dX and the weight and
  bias gradients with one GEMM each after it;
* large work arrays come from a pool (``_pool.buffer``) instead of fresh pages.

Gate order and formulas are PyTorch's (LSTM i, f, g, o; GRU r, z, n with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``); internally the rows are reordered as each
kernel's docstring says, and gradients are put back in PyTorch's order.

Variable-length (packed) batches: ``batch_sizes[t]`` rows are active at step t, sorted so
the active rows are a prefix (as PyTorch's PackedSequence guarantees). Inactive rows keep
their state, so the final state of each sequence is the one after its last step, and the
reverse direction starts each sequence from h0 at its own last element.
"""
import numpy as np

from ._gru import gru_sequence
from ._lstm import lstm_sequence
from ._packing import _pack_index, packed_to_padded, padded_to_packed
from ._pool import buffer
from ._recurrent import (_arr, _bias_grads, _biases, _grad_per_step, _inputs_with_ones, _needs,
                         _outputs, _step_sizes, _write_sequence)
from ._recurrent_graph import rnn_flat
from ._util import composite

__all__ = ["rnn_sequence", "lstm_sequence", "gru_sequence", "packed_to_padded",
           "padded_to_packed", "_pack_index"]


def rnn_sequence(x, h0, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh", reverse=False,
                 batch_sizes=None):
    """Elman RNN layer: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    x: (T, B, I); h0: (B, H). Returns (output (T, B, H), h_n (B, H)).

    Three NumPy calls a step forward (GEMM, add the input projection, activation in place into
    the state history) and three backward; the activation's derivative comes from the saved
    states alone (1 - h^2, or h > 0), so no pre-activations are kept.
    """
    X, Wih, Whh = x._data, w_ih._data, w_hh._data
    T, B, I = X.shape
    H = Whh.shape[0]
    dt = X.dtype
    relu = nonlinearity == "relu"
    bs = _step_sizes(batch_sizes, reverse)
    packed = bs is not None
    # rows [x_t, 1, h_{t-1}] of every step (h filled by the backward): the forward's input
    # projection with the bias, and the backward's [dW_ih, db, dW_hh], are one GEMM each
    XH = _inputs_with_ones(X, reverse, dt, extra=H)
    Wa = buffer((H, I + 1), dt)                          # [W_ih | b_ih + b_hh]
    Wa[:, :I] = Wih
    bi, bh = _biases(b_ih, b_hh, dt)
    if bi is not None and bh is not None:
        np.add(bi, bh, out=Wa[:, I])
    else:
        Wa[:, I] = bi if bi is not None else bh if bh is not None else 0
    A = buffer((T, H, B), dt)                            # input projections
    np.matmul(Wa, XH[..., :I + 1].transpose(0, 2, 1), out=A)
    Hs = buffer((T + 1, H, B), dt)                       # Hs[k]: h before step k
    Hs[0] = h0._data.T
    for k in range(T):
        b = B if bs is None else int(bs[k])
        hp, hn, ak = Hs[k], Hs[k + 1], A[k]
        if b != B:  # packed: only the first b columns run; the others keep their state
            hn[:, b:] = hp[:, b:]
            hp, hn, ak = hp[:, :b], hn[:, :b], ak[:, :b]
        np.matmul(Whh, hp, out=hn)
        hn += ak
        if relu:
            np.maximum(hn, 0, out=hn)
        else:
            np.tanh(hn, out=hn)
    del A                                                # back to the pool
    flat = buffer((T * B * H + B * H,), dt)
    _write_sequence(flat[:T * B * H].reshape(T, B, H), Hs[1:], reverse, bs)
    flat[T * B * H:].reshape(B, H)[...] = Hs[T].T

    def first_order(g):
        dOutk = _grad_per_step(g[:T * B * H].reshape(T, B, H), reverse, dt)
        dh = np.ascontiguousarray(g[T * B * H:].reshape(B, H).T)
        Hk = Hs[1:]
        D = buffer((T, H, B), dt)                        # the activation's derivative
        if relu:
            np.greater(Hk, 0, out=D)
        else:
            np.multiply(Hk, Hk, out=D)
            np.subtract(1, D, out=D)
        dA = buffer((T, H, B), dt, zero=packed)          # pre-activation gradients
        WhhT = Whh.T                                     # BLAS reads it transposed
        for k in range(T - 1, -1, -1):
            b = B if bs is None else int(bs[k])
            dhb, dok, dk, ak = dh, dOutk[k], D[k], dA[k]
            if b != B:
                dhb, dok, dk, ak = dhb[:, :b], dok[:, :b], dk[:, :b], ak[:, :b]
            dhb += dok                                   # dh of h_k: from later steps + output
            np.multiply(dhb, dk, out=ak)
            np.matmul(WhhT, ak, out=dhb)
        # (H, T * B) for the GEMMs over all steps (a transposed copy costs far less than T
        # small GEMMs)
        dA2 = buffer((H, T, B), dt)
        np.copyto(dA2, dA.transpose(1, 0, 2))
        dA2 = dA2.reshape(H, T * B)
        gx = None
        if x._rg:
            gx = np.matmul(dA2.T, Wih, out=buffer((T * B, I), dt)).reshape(T, B, I)
            if reverse:
                gx = gx[::-1]
        gwi = gwh = gb = None
        if _needs(w_ih, b_ih) or _needs(w_hh, b_hh):
            XH[..., I + 1:] = Hs[:-1].transpose(0, 2, 1)
            gW = np.matmul(dA2, XH.reshape(T * B, I + 1 + H),
                           out=buffer((H, I + 1 + H), dt))   # [dW_ih, db, dW_hh]
            gwi = gW[:, :I].copy() if w_ih._rg else None
            gb = gW[:, I].copy()
            gwh = gW[:, I + 1:].copy() if w_hh._rg else None
        return (gx, dh.T if h0._rg else None, gwi, gwh) + _bias_grads(b_ih, b_hh, gb, gb)

    name = "RnnReluBackward0" if relu else "RnnTanhBackward0"
    def backward(g, x=X, h0=h0._data, w_ih=Wih, w_hh=Whh, b_ih=_arr(b_ih), b_hh=_arr(b_hh),
                 xp=np):
        if xp is np:
            return first_order(g)
        # create_graph: the recurrence step by step in galton ops (_recurrent_graph.py)
        return composite(lambda *ins: rnn_flat(*ins, relu, reverse, batch_sizes),
                         (x, h0, w_ih, w_hh, b_ih, b_hh), g)

    return _outputs(flat, [(T, B, H), (B, H)], (x, h0, w_ih, w_hh, b_ih, b_hh), backward, name)


TENSOR_METHODS = []  # reached through galton.nn (RNN, LSTM, GRU), not as Tensor methods


from .._quiet import quiet_module as _quiet_module  # noqa: E402

_quiet_module(__import__("sys").modules[__name__])  # silent on inf/NaN as PyTorch (galton/_quiet.py)
