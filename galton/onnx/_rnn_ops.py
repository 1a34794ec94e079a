"""ONNX converters for the recurrent layers: ``rnn.lstm`` / ``rnn.gru`` / ``rnn.rnn_*`` nodes of a
trace (one per nn.LSTM / nn.GRU / nn.RNN call, see ``galton/jit/_rnn.py``) and their cells.

Each layer of a stack becomes one ONNX LSTM / GRU / RNN operator (both directions in one
operator when bidirectional), as PyTorch's exporter writes them:

* gates are reordered: PyTorch's LSTM rows are (i, f, g, o), ONNX's (i, o, f, c); PyTorch's
  GRU rows are (r, z, n), ONNX's (z, r, h), with ``linear_before_reset=1`` since PyTorch
  applies the reset gate after the hidden projection (``n = tanh(W_in x + b_in + r * (W_hn h
  + b_hn))``);
* ONNX's B is the input bias and the hidden bias concatenated, per direction;
* ONNX's Y is (seq, num_directions, batch, hidden): Squeeze (one direction) or Transpose and
  Reshape (two) give the next layer's (seq, batch, num_directions * hidden) input;
* batch_first input and output are transposed around the stack; h_n (and c_n) are the
  layers' Y_h (Y_c) concatenated along the first axis.

The batch and sequence axes stay dynamic. Not expressible: LSTM ``proj_size`` (ONNX's LSTM has
no projection) and dropout between layers in training mode; both raise ``ExportError``.
"""
import numpy as np

from ._builder import ExportError, Val, converts

_ONNX_OP = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}
# ONNX's gate blocks, as indices into PyTorch's
_ORDER = {"lstm": (0, 3, 1, 2), "gru": (1, 0, 2), "rnn_tanh": (0,), "rnn_relu": (0,)}


def _array(v, what, op):
    if not isinstance(v, Val) or v.array is None:
        raise ExportError(f"galton.onnx.export: {op}: {what} must be a parameter of the layer "
                          f"(a weight computed from other tensors is not supported)")
    return v.array


def _reorder(arr, kind):
    order = _ORDER[kind]
    blocks = np.split(arr, len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _operator(b, kind, op, x, weights, h0, c0):
    """One ONNX recurrent operator over ``x`` (seq, batch, input); ``weights`` holds per
    direction ``(w_ih, w_hh, b_ih, b_hh)`` (biases may be None). Returns Y, Y_h[, Y_c]."""
    W = np.stack([_reorder(_array(w[0], "weight_ih", op), kind) for w in weights])
    R = np.stack([_reorder(_array(w[1], "weight_hh", op), kind) for w in weights])
    inputs = [x, b.const(W, "W"), b.const(R, "R")]
    if weights[0][2] is not None:
        B = np.stack([np.concatenate([_reorder(_array(w[2], "bias_ih", op), kind),
                                      _reorder(_array(w[3], "bias_hh", op), kind)])
                      for w in weights])
        inputs.append(b.const(B, "B"))
    else:
        inputs.append("")
    inputs += ["", h0 or "", c0 or ""]  # no sequence_lens: every sequence runs to the end
    while inputs[-1] == "":
        inputs.pop()
    D = len(weights)
    attrs = {"hidden_size": int(R.shape[-1]),
             "direction": "bidirectional" if D == 2 else "forward"}
    if kind == "gru":
        attrs["linear_before_reset"] = 1
    if kind.startswith("rnn"):
        attrs["activations"] = ["Relu" if kind == "rnn_relu" else "Tanh"] * D
    return b.node(_ONNX_OP[kind], inputs, outputs=3 if kind == "lstm" else 2, **attrs)


def _layer_input(b, y, D):
    """ONNX's Y (seq, D, batch, hidden) as the (seq, batch, D * hidden) output PyTorch gives."""
    if D == 1:
        return b.node("Squeeze", [y, b.ints([1])])
    t = b.node("Transpose", [y], perm=[0, 2, 1, 3])
    return b.node("Reshape", [t, b.ints([0, 0, -1])])


def _slice0(b, v, start, stop, total):
    return v if (start, stop) == (0, total) else \
        b.node("Slice", [v, b.ints([start]), b.ints([stop]), b.ints([0])])


@converts("rnn.lstm", "rnn.gru", "rnn.rnn_tanh", "rnn.rnn_relu")
def recurrent(b, c):
    kind = c.op.partition(".")[2]
    op = f"{c.op} ({b.scope or 'top level'})"
    x, hx, params = c.get("input"), c.get("hx"), list(c.get("params"))
    L, D = int(c.get("num_layers")), 2 if c.get("bidirectional") else 1
    if kind == "lstm" and c.get("proj_size"):
        raise ExportError(f"galton.onnx.export: {op}: an LSTM with proj_size has no ONNX LSTM "
                          f"equivalent")
    if c.get("train") and c.get("dropout") and L > 1:
        raise ExportError(f"galton.onnx.export: {op}: dropout between layers in training mode "
                          f"is random; export in eval mode")
    per = 4 if c.get("has_biases") else 2
    batched = x.ndim == 3
    if not batched:  # (seq, input) -> (seq, 1, input), whatever batch_first says
        seq = b.node("Unsqueeze", [x.name, b.ints([1])])
    elif c.get("batch_first"):
        seq = b.node("Transpose", [x], perm=[1, 0, 2])
    else:
        seq = x.name
    h0, c0 = (hx if kind == "lstm" else (hx, None)) if hx is not None else (None, None)
    if not batched:
        h0 = h0 and b.node("Unsqueeze", [h0.name, b.ints([1])])
        c0 = c0 and b.node("Unsqueeze", [c0.name, b.ints([1])])
    else:
        h0, c0 = h0 and h0.name, c0 and c0.name
    hs, cs = [], []
    for layer in range(L):
        group = params[layer * D * per:(layer + 1) * D * per]
        weights = [tuple(group[d * per:(d + 1) * per]) + ((None, None) if per == 2 else ())
                   for d in range(D)]
        outs = _operator(b, kind, op, seq, weights,
                         h0 and _slice0(b, h0, layer * D, (layer + 1) * D, L * D),
                         c0 and _slice0(b, c0, layer * D, (layer + 1) * D, L * D))
        hs.append(outs[1])
        if kind == "lstm":
            cs.append(outs[2])
        seq = _layer_input(b, outs[0], D)
    states = [hs] + ([cs] if kind == "lstm" else [])
    states = [s[0] if len(s) == 1 else b.node("Concat", s, axis=0) for s in states]
    if not batched:
        seq = b.node("Squeeze", [seq, b.ints([1])])
        states = [b.node("Squeeze", [s, b.ints([1])]) for s in states]
    elif c.get("batch_first"):
        seq = b.node("Transpose", [seq], perm=[1, 0, 2])
    return [seq] + states


@converts("rnn.lstm_cell", "rnn.gru_cell", "rnn.rnn_tanh_cell", "rnn.rnn_relu_cell")
def cell(b, c):
    """A cell is its layer over a sequence of one step."""
    kind = c.op.partition(".")[2][:-len("_cell")]
    op = f"{c.op} ({b.scope or 'top level'})"
    x, hx = c.get("input"), c.get("hx")
    batched = x.ndim == 2
    lead = [0] if batched else [0, 1]  # (N, I) -> (1, N, I); (I,) -> (1, 1, I)
    seq = b.node("Unsqueeze", [x.name, b.ints(lead)])
    states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
    if kind == "lstm" and len(states) == 1:
        states = states * 2  # hx=None for both
    states = [s and b.node("Unsqueeze", [s.name, b.ints(lead)]) for s in states]
    weights = [(c.get("w_ih"), c.get("w_hh"), c.get("b_ih"), c.get("b_hh"))]
    outs = _operator(b, kind, op, seq, weights, states[0],
                     states[1] if kind == "lstm" else None)
    # Y_h (1, N, H) and Y_c are the new states
    new = [b.node("Squeeze", [o, b.ints(lead)]) for o in outs[1:]]
    return new if kind == "lstm" else new[0]
