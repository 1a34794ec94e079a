"""Recurrent layers in a traced graph: one ``rnn.*`` node per RNN / LSTM / GRU (or cell) call.

The layers run fused kernels (``galton/ops/rnn.py``) that the tracer does not wrap, so while a
trace runs their ``forward`` is patched to record the whole call as one node, as PyTorch's
tracer records ``aten::lstm``: the input, the initial state, the weights (by state-dict key)
and the layer's settings. Replaying such a node builds a bare stand-in layer around the graph's
weights and runs the layer's own ``forward`` on it, so a replay computes exactly what the model
did -- for any batch size and sequence length, with or without an initial state -- and the
stand-in draws nothing from the RNG. The ONNX exporter maps these nodes to ONNX
LSTM/GRU/RNN operators (``galton/onnx/_rnn_ops.py``).

Packed sequences are refused: their lengths are data, which a trace would freeze.
"""
import functools
import importlib

# the graph ops of this family, named after PyTorch's aten ops
SEQUENCE_OPS = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu"}
CELL_OPS = ("lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell")
NAMES = tuple(SEQUENCE_OPS.values()) + CELL_OPS
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# --- the graph ops: what a loaded graph runs -----------------------------------------------------
def _layer(mode, params, has_biases, num_layers, dropout, train, bidirectional, batch_first,
           proj_size):
    """A bare ``RNNBase`` holding ``params`` (in the layer's ``_flat_weights`` order)."""
    from ..nn.module import Module
    from ..nn.rnn import RNNBase
    m = RNNBase.__new__(RNNBase)
    Module.__init__(m)
    num_layers, D = int(num_layers), 2 if bidirectional else 1
    roles = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if has_biases else []) \
        + (["weight_hr"] if proj_size else [])
    params = list(params)
    if len(params) != num_layers * D * len(roles):
        raise ValueError(f"rnn.{SEQUENCE_OPS[mode]}: expected {num_layers * D * len(roles)} "
                         f"weights ({num_layers} layer(s) x {D} direction(s) x {roles}), got "
                         f"{len(params)}")
    it = iter(params)
    all_roles = []
    for layer in range(num_layers):
        for d in range(D):
            suffix = "_reverse" if d == 1 else ""
            names = {role: f"{role}_l{layer}{suffix}" for role in roles}
            for name in names.values():
                m._parameters[name] = next(it)
            all_roles.append(names)
    w_ih = params[0]
    m.__dict__.update(mode=mode, input_size=w_ih.shape[1],
                      hidden_size=w_ih.shape[0] // _GATES[mode], num_layers=num_layers,
                      bias=bool(has_biases), batch_first=bool(batch_first),
                      dropout=float(dropout), bidirectional=bool(bidirectional),
                      proj_size=int(proj_size), training=bool(train), _roles=all_roles,
                      _flat_weights_names=[n for r in all_roles for n in r.values()],
                      _all_weights=[list(r.values()) for r in all_roles])
    return m


def _run_layer(m, input, hx):
    from ..nn.rnn import RNNBase
    return RNNBase.forward(m, input, hx)


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first,
         proj_size=0):
    """``nn.LSTM``'s forward as a function of its weights (PyTorch's ``aten::lstm``):
    returns ``(output, (h_n, c_n))``. ``params`` are the layer's weights in state-dict order."""
    m = _layer("LSTM", params, has_biases, num_layers, dropout, train, bidirectional,
               batch_first, proj_size)
    return _run_layer(m, input, hx)


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):
    """``nn.GRU``'s forward as a function of its weights: returns ``(output, h_n)``."""
    m = _layer("GRU", params, has_biases, num_layers, dropout, train, bidirectional,
               batch_first, 0)
    return _run_layer(m, input, hx)


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """``nn.RNN(nonlinearity='tanh')``'s forward as a function of its weights."""
    m = _layer("RNN_TANH", params, has_biases, num_layers, dropout, train, bidirectional,
               batch_first, 0)
    return _run_layer(m, input, hx)


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """``nn.RNN(nonlinearity='relu')``'s forward as a function of its weights."""
    m = _layer("RNN_RELU", params, has_biases, num_layers, dropout, train, bidirectional,
               batch_first, 0)
    return _run_layer(m, input, hx)


def _cell(cls_name, input, hx, w_ih, w_hh, b_ih, b_hh, nonlinearity=None):
    from .. import nn
    from ..nn.module import Module
    cls = getattr(nn, cls_name)
    m = cls.__new__(cls)
    Module.__init__(m)
    m.__dict__.update(input_size=w_ih.shape[1], hidden_size=w_hh.shape[1],
                      bias=b_ih is not None, training=False)
    if nonlinearity is not None:
        m.__dict__["nonlinearity"] = nonlinearity
    m._parameters.update(weight_ih=w_ih, weight_hh=w_hh, bias_ih=b_ih, bias_hh=b_hh)
    return cls.forward(m, input, hx)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``nn.LSTMCell``'s forward as a function of its weights: returns ``(h', c')``."""
    return _cell("LSTMCell", input, hx, w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``nn.GRUCell``'s forward as a function of its weights: returns ``h'``."""
    return _cell("GRUCell", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``nn.RNNCell(nonlinearity='tanh')``'s forward as a function of its weights."""
    return _cell("RNNCell", input, hx, w_ih, w_hh, b_ih, b_hh, "tanh")


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """``nn.RNNCell(nonlinearity='relu')``'s forward as a function of its weights."""
    return _cell("RNNCell", input, hx, w_ih, w_hh, b_ih, b_hh, "relu")


# --- recording: the layers' forward while a trace runs -------------------------------------------
def _sequence_call(m, input, hx):
    args = (input, hx, list(m._flat_weights), m.bias, m.num_layers, m.dropout, m.training,
            m.bidirectional, m.batch_first)
    if m.mode == "LSTM":
        args += (m.proj_size,)
    return f"rnn.{SEQUENCE_OPS[m.mode]}", args


def _cell_call(m, input, hx):
    from .. import nn
    if isinstance(m, nn.LSTMCell):
        op = "lstm_cell"
    elif isinstance(m, nn.GRUCell):
        op = "gru_cell"
    else:
        op = f"rnn_{m.nonlinearity}_cell"
    return f"rnn.{op}", (input, hx, m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh)


def _recording(forward, describe):
    """``forward`` of a recurrent layer, recorded as one node when called at a trace's top
    level (inside another recorded op it runs as is)."""
    # the module, not the function ``galton.jit.trace`` that the package exports by that name
    trace = importlib.import_module(f"{__package__}.trace")

    @functools.wraps(forward)
    def recorded(self, input, hx=None):
        rec = trace._active
        if rec is None or rec.depth:
            return forward(self, input, hx)
        from ..nn.utils.rnn import PackedSequence
        if isinstance(input, PackedSequence):
            raise trace.TracingError(
                f"galton.jit.trace: {type(self).__name__} got a PackedSequence; packed "
                f"sequences hold their lengths as data, which a trace would freeze. Trace the "
                f"model on padded (T, N, *) input instead")
        rec.depth += 1
        try:
            out = forward(self, input, hx)
        finally:
            rec.depth -= 1
        op, args = describe(self, input, hx)
        rec.record(op, args, {}, out)
        return out
    return recorded


def install(patches, wrap_op):
    """Patch the recurrent layers' forward (recording) and this module's graph ops (so a
    replay inside a trace records them) for the duration of a trace."""
    import sys

    from .. import nn
    patches.set(nn.RNNBase, "forward", _recording(nn.RNNBase.__dict__["forward"], _sequence_call))
    for cls in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        patches.set(cls, "forward", _recording(cls.__dict__["forward"], _cell_call))
    me = sys.modules[__name__]
    for name in NAMES:
        patches.set(me, name, wrap_op(f"rnn.{name}", getattr(me, name)))
