"""The recurrent layers written step by step with galton ops, for ``create_graph=True``.

The fused kernels (rnn.py, _lstm.py, _gru.py) compute their backward on arrays, in a layout
made for speed. When the gradient itself must be differentiated (a gradient penalty through an
LSTM, a Hessian-vector product), their backward runs this form instead through
``autograd.twice.composite``: the same recurrence, PyTorch's gate order and packing rules, as
ordinary differentiable ops. Each returns the kernel's flat output: ``[output, h_n(, c_n)]``.
"""
from ._util import Tensor
from .joining import cat, stack


def _tensors(*values):
    """Inputs that need no gradient arrive as arrays (constants): wrap them; None stays."""
    return [v if v is None or isinstance(v, Tensor) else Tensor._wrap(v) for v in values]


def _step_order(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _affine(x, w, b):
    y = x @ w.t()
    return y if b is None else y + b


def _run(x, states, step, reverse, batch_sizes):
    """Apply ``step(x_t, states) -> states`` over time; the output is each step's first state.
    Packed sequences: step t updates only the first batch_sizes[t] rows; the others keep
    their state and output zeros, as the kernels (and PyTorch) do."""
    T, B = x.shape[0], x.shape[1]
    outs = [None] * T
    for t in _step_order(T, reverse):
        b = B if batch_sizes is None else int(batch_sizes[t])
        if b == B:
            states = step(x[t], states)
            outs[t] = states[0]
            continue
        new = step(x[t, :b], [s[:b] for s in states])
        states = [cat([n, s[b:]], 0) for n, s in zip(new, states)]
        outs[t] = cat([new[0], new[0].new_zeros((B - b,) + tuple(new[0].shape[1:]))], 0)
    return stack(outs, 0), states


def _flat(*parts):
    return cat([p.reshape(-1) for p in parts], 0)


def rnn_flat(x, h0, w_ih, w_hh, b_ih, b_hh, relu, reverse, batch_sizes):
    x, h0, w_ih, w_hh, b_ih, b_hh = _tensors(x, h0, w_ih, w_hh, b_ih, b_hh)
    def step(xt, states):
        a = _affine(xt, w_ih, b_ih) + _affine(states[0], w_hh, b_hh)
        return [a.relu() if relu else a.tanh()]
    out, (h,) = _run(x, [h0], step, reverse, batch_sizes)
    return _flat(out, h)


def lstm_flat(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, batch_sizes):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr = _tensors(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
    def step(xt, states):
        h, c = states
        i, f, g, o = (_affine(xt, w_ih, b_ih) + _affine(h, w_hh, b_hh)).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return [h if w_hr is None else h @ w_hr.t(), c]
    out, (h, c) = _run(x, [h0, c0], step, reverse, batch_sizes)
    return _flat(out, h, c)


def gru_flat(x, h0, w_ih, w_hh, b_ih, b_hh, reverse, batch_sizes):
    x, h0, w_ih, w_hh, b_ih, b_hh = _tensors(x, h0, w_ih, w_hh, b_ih, b_hh)
    def step(xt, states):
        h = states[0]
        xr, xz, xn = _affine(xt, w_ih, b_ih).chunk(3, 1)
        hr, hz, hn = _affine(h, w_hh, b_hh).chunk(3, 1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return [(1 - z) * n + z * h]
    out, (h,) = _run(x, [h0], step, reverse, batch_sizes)
    return _flat(out, h)
