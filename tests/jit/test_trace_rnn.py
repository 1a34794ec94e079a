"""galton.jit.trace of recurrent layers: one rnn.* node per call, replayed without the model's
class for any batch and sequence length."""
import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.jit import GraphError, TracingError
from galton.nn.utils.rnn import pack_padded_sequence


def _np(t):
    return t.detach().numpy()


def _flat(out, acc=None):
    """The tensors of a nested output, in order, with the tuple structure checked apart."""
    acc = [] if acc is None else acc
    if isinstance(out, (tuple, list)):
        for o in out:
            _flat(o, acc)
    else:
        acc.append(_np(out))
    return acc


def _structure(out):
    if isinstance(out, (tuple, list)):
        return (type(out).__name__, tuple(_structure(o) for o in out))
    return "tensor"


def _same(got, want):
    assert _structure(got) == _structure(want)
    for g, w in zip(_flat(got), _flat(want)):
        np.testing.assert_array_equal(g, w)


@pytest.fixture(autouse=True)
def _seed():
    galton.manual_seed(0)


def _layer(kind, **kw):
    if kind == "lstm":
        return nn.LSTM(3, 4, **kw)
    if kind == "gru":
        return nn.GRU(3, 4, **kw)
    return nn.RNN(3, 4, nonlinearity=kind, **kw)


def _inputs(batch_first, n, t):
    return galton.randn(n, t, 3) if batch_first else galton.randn(t, n, 3)


@pytest.mark.parametrize("kind", ["lstm", "gru", "tanh", "relu"])
@pytest.mark.parametrize("batch_first,bidirectional,num_layers",
                         [(False, False, 1), (True, True, 2), (False, True, 2), (True, False, 3)])
def test_a_saved_layer_replays_for_other_batches_and_lengths(tmp_path, kind, batch_first,
                                                             bidirectional, num_layers):
    layer = _layer(kind, batch_first=batch_first, bidirectional=bidirectional,
                   num_layers=num_layers)
    traced = galton.jit.trace(layer, _inputs(batch_first, 2, 5))
    assert [n["op"] for n in traced.graph.nodes] == \
        [f"rnn.{'rnn_' + kind if kind in ('tanh', 'relu') else kind}"]
    traced.save(tmp_path / "rnn.pt")
    loaded = galton.jit.load(tmp_path / "rnn.pt")
    assert list(loaded.state_dict()) == list(layer.state_dict())
    for n, t in ((2, 5), (4, 3), (1, 7)):
        x = _inputs(batch_first, n, t)
        _same(loaded(x), layer(x))
        _same(traced(x), layer(x))


class WithState(nn.Module):
    """An LSTM fed an initial state by the caller, by keyword."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)

    def forward(self, x, h0, c0):
        return self.lstm(x, hx=(h0, c0))


def test_an_initial_state_passed_by_keyword_is_wired():
    model = WithState()
    traced = galton.jit.trace(model, (galton.randn(5, 2, 3), galton.randn(4, 2, 4),
                                      galton.randn(4, 2, 4)))
    node = traced.graph.nodes[0]
    assert node["args"][1] == {"tuple": [{"v": 1}, {"v": 2}]}
    args = (galton.randn(6, 3, 3), galton.randn(4, 3, 4), galton.randn(4, 3, 4))
    out = traced(*args)
    _same(out, model(*args))
    assert isinstance(out, tuple) and isinstance(out[1], tuple)


@pytest.mark.parametrize("kind", ["gru", "tanh"])
def test_a_hidden_state_input_and_unbatched_sequences(kind):
    layer = _layer(kind, num_layers=2)
    traced = galton.jit.trace(layer, (galton.randn(4, 2, 3), galton.randn(2, 2, 4)))
    x, h = galton.randn(3, 5, 3), galton.randn(2, 5, 4)
    _same(traced(x, h), layer(x, h))
    unbatched = galton.jit.trace(layer, galton.randn(4, 3))
    x = galton.randn(6, 3)
    _same(unbatched(x), layer(x))


class Classifier(nn.Module):
    """Embedding -> LSTM -> last step -> Linear, the usual sequence classifier."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 3)
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, tokens):
        out, _ = self.lstm(self.emb(tokens))
        return self.fc(out[:, -1])


def test_a_sequence_classifier_graph_and_its_training():
    model = Classifier()
    traced = galton.jit.trace(model, galton.randint(0, 20, (2, 6)))
    assert [n["op"] for n in traced.graph.nodes] == ["F.embedding", "rnn.lstm",
                                                     "Tensor.__getitem__", "F.linear"]
    assert "# lstm" in str(traced.graph) and "%lstm.weight_hh_l0" in str(traced.graph)
    tokens = galton.randint(0, 20, (3, 9))
    traced(tokens).sum().backward()
    want = {k: _np(p.grad) for k, p in model.named_parameters()}
    model.zero_grad()
    model(tokens).sum().backward()
    for k, p in model.named_parameters():  # the traced module shares the model's weights
        np.testing.assert_allclose(want[k], _np(p.grad), rtol=1e-6, atol=1e-7)


class Decoder(nn.Module):
    """Cells stepped in a Python loop (frozen to the traced length, as in PyTorch)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTMCell(3, 4)
        self.gru = nn.GRUCell(4, 4)
        self.rnn = nn.RNNCell(4, 4, nonlinearity="relu")

    def forward(self, x):
        h = c = None
        outs = []
        for t in range(x.size(0)):
            h, c = self.lstm(x[t], None if h is None else (h, c))
            outs.append(self.rnn(self.gru(h)))
        return galton.stack(outs)


def test_cells_in_a_loop():
    model = Decoder()
    traced = galton.jit.trace(model, galton.randn(3, 2, 3))
    ops = [n["op"] for n in traced.graph.nodes]
    assert ops.count("rnn.lstm_cell") == ops.count("rnn.gru_cell") == 3
    assert ops.count("rnn.rnn_relu_cell") == 3
    x = galton.randn(3, 5, 3)
    _same(traced(x), model(x))
    cell = nn.LSTMCell(3, 4, bias=False)
    one = galton.jit.trace(cell, galton.randn(3))  # unbatched, no biases
    x = galton.randn(3)
    _same(one(x), cell(x))


def test_dropout_between_layers_is_recorded_in_training_mode_only():
    layer = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = galton.randn(4, 2, 3)
    evaluated = galton.jit.trace(layer.eval(), x)
    _same(evaluated(x), layer(x))
    training = galton.jit.trace(layer.train(), x)
    assert training.graph.nodes[0]["args"][6] is True  # train flag: the replay drops at random
    galton.manual_seed(1)
    a = training(x)
    galton.manual_seed(1)
    _same(a, layer(x))


def test_a_retrace_of_a_loaded_module_keeps_the_rnn_node(tmp_path):
    model = Classifier().eval()
    galton.jit.trace(model, galton.randint(0, 20, (2, 6))).save(tmp_path / "c.pt")
    loaded = galton.jit.load(tmp_path / "c.pt")
    again = galton.jit.trace(loaded, galton.randint(0, 20, (2, 6)))
    assert [n["op"] for n in again.graph.nodes][1] == "rnn.lstm"
    tokens = galton.randint(0, 20, (4, 3))
    _same(again(tokens), model(tokens))


def test_packed_sequences_are_refused():
    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4)

        def forward(self, x):
            return self.lstm(pack_padded_sequence(x, [3, 2]))[1][0]

    with pytest.raises(TracingError, match="LSTM got a PackedSequence"):
        galton.jit.trace(Packed(), galton.randn(3, 2, 3))
    assert "forward" in nn.RNNBase.__dict__ and \
        nn.RNNBase.__dict__["forward"].__qualname__ == "RNNBase.forward"  # patch undone


def test_a_tampered_rnn_node_is_refused(tmp_path):
    path = tmp_path / "r.pt"
    galton.jit.trace(nn.GRU(3, 4), galton.randn(2, 1, 3)).save(path)
    obj = galton.load(path)
    obj["graph"]["nodes"][0]["op"] = "rnn._layer"
    galton.save(obj, path)
    with pytest.raises(GraphError, match="'rnn._layer' is not an operation"):
        galton.jit.load(path)


class ZeroState(nn.Module):
    """The course pattern: an initial state sized from the input's batch."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, num_layers=2, batch_first=True)

    def forward(self, x):
        h0 = galton.zeros(2, x.size(0), 4).to(x.device)
        out, h = self.gru(x, h0)
        steps = galton.arange(x.size(1)).float()
        return out + galton.ones_like(out) * steps.view(1, -1, 1), h


def test_creation_from_traced_sizes_follows_the_batch():
    model = ZeroState()
    traced = galton.jit.trace(model, galton.randn(2, 5, 3))
    ops = [n["op"] for n in traced.graph.nodes]
    assert ops[0] == "galton.zeros" and "galton.arange" in ops and "galton.ones_like" in ops
    assert traced.graph.nodes[0]["args"][1] == {"size": [{"v": 0}, 0]}
    x = galton.randn(4, 7, 3)
    _same(traced(x), model(x))
    fixed = galton.jit.trace(lambda x: x + galton.zeros(3), galton.randn(3))
    assert [n["op"] for n in fixed.graph.nodes] == ["Tensor.__add__"]  # plain ints: constant
