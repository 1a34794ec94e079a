"""galton.onnx.export of recurrent layers: ONNX LSTM / GRU / RNN operators that onnxruntime runs
to galton's outputs, with dynamic batch and sequence axes."""
import io

import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.onnx import ExportError

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(autouse=True)
def _seed():
    galton.manual_seed(0)


def _session(model, args, input_names, output_names, dynamic_axes, **kw):
    buf = io.BytesIO()
    proto = galton.onnx.export(model, args, buf, input_names=input_names,
                               output_names=output_names, dynamic_axes=dynamic_axes, **kw)
    return ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"]), proto


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [a for o in out for a in _flat(o)]
    return [out.detach().numpy()]


def _compare(session, model, feeds):
    """onnxruntime against galton on the inputs ``feeds`` (name -> galton tensor)."""
    model.eval()
    with galton.no_grad():
        want = _flat(model(*feeds.values()))
    got = session.run(None, {k: v.numpy() for k, v in feeds.items()})
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)


def _ops(proto):
    return [n.op_type for n in proto.graph.node]


class Classifier(nn.Module):
    """Embedding -> LSTM -> last step -> Linear."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 6)
        self.lstm = nn.LSTM(6, 8, batch_first=True)
        self.fc = nn.Linear(8, 3)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.emb(tokens))
        return self.fc(out[:, -1])


def test_a_sequence_classifier():
    model = Classifier()
    dyn = {"tokens": {0: "batch", 1: "seq"}, "logits": {0: "batch"}}
    session, proto = _session(model, galton.randint(0, 30, (2, 5)), ["tokens"], ["logits"], dyn)
    assert _ops(proto).count("LSTM") == 1 and "Gather" in _ops(proto)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param for d in dims] == ["batch", "seq"]
    for n, t in ((2, 5), (4, 9), (1, 1)):
        _compare(session, model, {"tokens": galton.randint(0, 30, (n, t))})


def _seq_axes(batch_first):
    return {0: "batch", 1: "seq"} if batch_first else {0: "seq", 1: "batch"}


@pytest.mark.parametrize("batch_first", [True, False])
def test_a_two_layer_bidirectional_gru(batch_first):
    model = nn.GRU(5, 7, num_layers=2, bidirectional=True, batch_first=batch_first)
    dyn = {"x": _seq_axes(batch_first), "out": _seq_axes(batch_first), "h_n": {1: "batch"}}
    x = galton.randn(2, 4, 5)
    session, proto = _session(model, x, ["x"], ["out", "h_n"], dyn)
    grus = [n for n in proto.graph.node if n.op_type == "GRU"]
    assert len(grus) == 2  # one operator per layer, both directions in it
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in grus[0].attribute}
    assert attrs["direction"] == b"bidirectional" and attrs["linear_before_reset"] == 1
    for n, t in ((2, 4), (3, 6), (1, 2)):
        x = galton.randn(n, t, 5) if batch_first else galton.randn(t, n, 5)
        _compare(session, model, {"x": x})


class StatefulLSTM(nn.Module):
    """A stacked bidirectional LSTM fed its initial state; returns every output."""

    def __init__(self, batch_first):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=batch_first)

    def forward(self, x, h0, c0):
        out, (h, c) = self.lstm(x, (h0, c0))
        return out, h, c


@pytest.mark.parametrize("batch_first", [True, False])
def test_a_stacked_lstm_with_an_initial_state(batch_first):
    model = StatefulLSTM(batch_first)
    state_axes = {1: "batch"}
    dyn = {"x": _seq_axes(batch_first), "h0": state_axes, "c0": state_axes,
           "out": _seq_axes(batch_first), "h": state_axes, "c": state_axes}
    args = (galton.randn(2, 3, 4), galton.randn(4, 2 if batch_first else 3, 6),
            galton.randn(4, 2 if batch_first else 3, 6))
    session, proto = _session(model, args, ["x", "h0", "c0"], ["out", "h", "c"], dyn)
    assert _ops(proto).count("LSTM") == 2
    for n, t in ((2, 3), (5, 7)):
        x = galton.randn(n, t, 4) if batch_first else galton.randn(t, n, 4)
        _compare(session, model, {"x": x, "h0": galton.randn(4, n, 6),
                                  "c0": galton.randn(4, n, 6)})


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_an_elman_rnn(nonlinearity):
    model = nn.RNN(3, 5, num_layers=2, nonlinearity=nonlinearity, bias=False)
    dyn = {"x": {0: "seq", 1: "batch"}, "out": {0: "seq", 1: "batch"}, "h_n": {1: "batch"}}
    session, proto = _session(model, galton.randn(4, 2, 3), ["x"], ["out", "h_n"], dyn,
                              opset_version=14)
    rnns = [n for n in proto.graph.node if n.op_type == "RNN"]
    assert len(rnns) == 2 and len(rnns[0].input) == 3  # no B input without biases
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in rnns[0].attribute}
    assert attrs["activations"] == [nonlinearity.capitalize().encode()]
    for n, t in ((2, 4), (6, 1), (3, 8)):
        _compare(session, model, {"x": galton.randn(t, n, 3)})


def test_unbatched_sequences():
    model = nn.LSTM(3, 4, batch_first=True)
    dyn = {"x": {0: "seq"}, "out": {0: "seq"}}
    session, _ = _session(model, galton.randn(5, 3), ["x"], ["out", "h", "c"], dyn)
    for t in (5, 2):
        _compare(session, model, {"x": galton.randn(t, 3)})


class Cells(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTMCell(3, 4)
        self.gru = nn.GRUCell(4, 5)
        self.rnn = nn.RNNCell(5, 2, bias=False)

    def forward(self, x, h):
        h1, c1 = self.lstm(x)
        return self.rnn(self.gru(h1, h)), c1


def test_cells_are_one_step_operators():
    model = Cells()
    dyn = {"x": {0: "batch"}, "h": {0: "batch"}, "y": {0: "batch"}, "c": {0: "batch"}}
    session, proto = _session(model, (galton.randn(2, 3), galton.randn(2, 5)), ["x", "h"],
                              ["y", "c"], dyn)
    assert {"LSTM", "GRU", "RNN"} <= set(_ops(proto))
    for n in (2, 4):
        _compare(session, model, {"x": galton.randn(n, 3), "h": galton.randn(n, 5)})


def test_what_onnx_cannot_express_is_named():
    with pytest.raises(ExportError, match="rnn.lstm .*proj_size"):
        _session(nn.LSTM(3, 4, proj_size=2), galton.randn(2, 1, 3), ["x"], None, None)
    with pytest.raises(ExportError, match="dropout between layers in training mode"):
        _session(nn.GRU(3, 4, num_layers=2, dropout=0.5), galton.randn(2, 1, 3), ["x"], None,
                 None, training=True)


class ZeroState(nn.Module):
    """An initial state and positions sized from the input: ConstantOfShape and Range."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, 2, batch_first=True)

    def forward(self, x):
        h0 = galton.zeros(2, x.size(0), 4).to(x.device)
        c0 = galton.full((2, x.size(0), 4), 0.5)
        out, _ = self.lstm(x, (h0, c0))
        steps = galton.arange(x.size(1)).float()
        return out[:, -1] + galton.ones_like(out[:, 0]) * steps.mean()


def test_a_state_made_from_the_input_size_stays_dynamic():
    model = ZeroState()
    dyn = {"x": {0: "batch", 1: "seq"}, "y": {0: "batch"}}
    session, proto = _session(model, galton.randn(2, 5, 3), ["x"], ["y"], dyn)
    assert {"ConstantOfShape", "Range", "LSTM"} <= set(_ops(proto))
    for n, t in ((2, 5), (4, 8), (1, 2)):
        _compare(session, model, {"x": galton.randn(n, t, 3)})
