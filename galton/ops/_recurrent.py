"""What the fused recurrent kernels (RNN, LSTM, GRU) share: the several-output node, biases,
and the layout conversions of the transposed, processing-order kernels.

The GRU and RNN kernels work like the LSTM one: a step's arrays are (rows, B) blocks, time
runs in processing order k (reversed for the reverse direction), the per-step states live in
one history array, and the (T, B, *) tensors the caller sees are converted once, before or
after the time loop, by the helpers below.
"""
import numpy as np

from ._pool import buffer
from ._util import Tensor, linear_backward, make_result


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
            def place(g, lo=off, hi=off + n, shape=shape):
                full = buffer(flat.shape, flat.dtype)
                full[:lo] = 0
                full[hi:] = 0
                full[lo:hi].reshape(shape)[...] = g  # g may be a broadcast view: no copy
                return full

            def take(v, lo=off, hi=off + n, shape=shape):  # place's adjoint
                return v[lo:hi].reshape(shape)
            outs.append(make_result(view, (main,), linear_backward(place, take, name), name))
        off += n
    return outs


def _arr(t):
    """A tensor's array, or None (a missing bias)."""
    return None if t is None else t._data


def _biases(b_ih, b_hh, dtype):
    """The bias arrays (None where a layer has no bias)."""
    bi = b_ih._data if b_ih is not None else None
    bh = b_hh._data if b_hh is not None else None
    return bi, bh


def _bias_grads(b_ih, b_hh, g_ih, g_hh):
    return (g_ih if b_ih is not None and b_ih._rg else None,
            g_hh if b_hh is not None and b_hh._rg else None)


def _needs(w, b):
    """Whether a weight (always present) or its bias (maybe None) wants a gradient."""
    return w._rg or (b is not None and b._rg)


def _step_sizes(batch_sizes, reverse):
    """Active columns of each step in processing order, or None for a full batch."""
    if batch_sizes is None:
        return None
    bs = np.asarray(batch_sizes)
    return bs[::-1] if reverse else bs


def _inputs_with_ones(X, reverse, dt, extra=0):
    """(T, B, I + 1 + extra) rows ``[x_t, 1, ...]`` in processing order: ``[W_ih | b] @ row``
    is a step's input projection with the bias, so all steps take one batched GEMM (a broadcast
    bias add over (T, G, B) would cost as much as the GEMM), and in backward ``dA @ rows`` gives
    dW_ih and the bias gradient together. ``extra`` columns are left for the caller."""
    T, B, I = X.shape
    XA = buffer((T, B, I + 1 + extra), dt)
    XA[..., :I] = X[::-1] if reverse else X
    XA[..., I] = 1
    return XA


def _write_sequence(out, Hk, reverse, bs):
    """The (T, B, H) output from the (T, H, B) states in processing order; zeros where a
    packed sequence has ended (PyTorch's padding)."""
    T = out.shape[0]
    out[...] = (Hk[::-1] if reverse else Hk).transpose(0, 2, 1)
    if bs is not None:
        for k in range(T):
            out[T - 1 - k if reverse else k, int(bs[k]):] = 0


def _grad_per_step(dOut, reverse, dt):
    """The gradient of a (T, B, H) output as (T, H, B) in processing order (contiguous, so a
    step's slice is one block)."""
    T, B, H = dOut.shape
    d = buffer((T, H, B), dt)
    np.copyto(d, (dOut[::-1] if reverse else dOut).transpose(0, 2, 1))
    return d
