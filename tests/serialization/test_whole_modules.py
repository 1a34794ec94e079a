"""``torch.save(model, f)`` / ``torch.load(f)`` of a whole module, without pickle: the class
is found in the allow-list (``safe_globals``), never imported from the file; attributes,
buffers, submodules and tied parameters come back; hooks, lambdas and unknown classes are
refused with one clear message."""
import io
import json

import numpy as np
import pytest

import galton
import galton.nn as nn
import galton.nn.functional as F
from galton.serialization import CheckpointError


class TiedLM(nn.Module):
    """A word model in the shape of course code: embedding, LSTM, decoder tied to it."""

    def __init__(self, ntoken=30, ninp=6):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, ninp, 2)
        self.decoder = nn.Linear(ninp, ntoken)
        self.decoder.weight = self.encoder.weight
        self.register_buffer("steps", galton.zeros(1))
        self.activation = F.relu          # a function held as an attribute
        self.sizes = {"ntoken": ntoken, "kinds": {"lstm"}, "shape": (ntoken, ninp)}
        self.mask = None

    def forward(self, x):
        out, _ = self.rnn(self.encoder(x))
        return self.decoder(self.activation(out))


def _round_trip(obj, allowed=()):
    buf = io.BytesIO()
    galton.save(obj, buf)
    buf.seek(0)
    with galton.serialization.safe_globals(list(allowed)):
        return galton.load(buf)


def test_a_whole_module_comes_back_with_its_attributes_and_ties():
    model = TiedLM().eval()
    model.steps += 3
    back = _round_trip(model, [TiedLM])
    assert type(back) is TiedLM and not back.training
    assert back.decoder.weight is back.encoder.weight  # still tied
    assert isinstance(back.decoder.weight, nn.Parameter) and back.decoder.weight.requires_grad
    assert back.activation is F.relu and back.mask is None
    assert back.sizes == {"ntoken": 30, "kinds": {"lstm"}, "shape": (30, 6)}
    assert float(back.steps) == 3.0 and list(back.state_dict()) == list(model.state_dict())
    x = galton.randint(0, 30, (5, 2))
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())
    # the loaded model trains: its parameters are leaves of a new graph
    back.train()
    back(x).sum().backward()
    assert back.encoder.weight.grad is not None


def test_galtons_own_classes_need_no_allow_list():
    seq = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.TransformerEncoderLayer(4, 2, 8))
    back = _round_trip(seq)
    assert [type(m) for m in back] == [type(m) for m in seq]
    for k, v in seq.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[k].numpy(), v.numpy())


def test_an_unlisted_class_is_refused_with_the_way_to_allow_it(tmp_path):
    galton.save(TiedLM(), tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match=r"needs (tests.serialization.)?test_whole_modules.TiedLM, which is not "
                       r"allowed by default.*add_safe_globals\(\[TiedLM\]\)"):
        galton.load(tmp_path / "m.pt")
    galton.serialization.add_safe_globals([TiedLM])
    try:
        assert type(galton.load(tmp_path / "m.pt")) is TiedLM
        assert TiedLM in galton.serialization.get_safe_globals()
    finally:
        galton.serialization.clear_safe_globals()
    assert galton.serialization.get_safe_globals() == []


def test_a_file_naming_a_non_module_class_builds_nothing(tmp_path):
    galton.save(nn.Linear(2, 2), tmp_path / "m.pt")
    raw = (tmp_path / "m.pt").read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    structure = header["__metadata__"]["galton.structure"]
    evil = structure.replace("galton.nn.linear:Linear", "galton.serialization._format:"
                             "CheckpointError")
    header["__metadata__"]["galton.structure"] = evil
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    (tmp_path / "evil.pt").write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n:])
    with pytest.raises(CheckpointError, match="not an nn.Module subclass"):
        galton.load(tmp_path / "evil.pt")


def test_what_cannot_be_named_is_refused_at_save():
    m = nn.Linear(2, 2)
    m.register_forward_hook(lambda *a: None)
    with pytest.raises(TypeError, match="has forward_hooks; hooks are code"):
        galton.save(m, io.BytesIO())
    m = nn.Linear(2, 2)
    m.scale = lambda x: 2 * x
    with pytest.raises(TypeError, match="no importable name"):
        galton.save(m, io.BytesIO())

    class Local(nn.Module):
        pass
    with pytest.raises(TypeError, match="defined inside a function"):
        galton.save(Local(), io.BytesIO())


def test_torch_nn_modules_paths_name_galtons_classes():
    from galton.nn.modules import activation, linear, rnn, sparse
    assert rnn.LSTM is nn.LSTM and sparse.Embedding is nn.Embedding
    assert activation.MultiheadAttention is nn.MultiheadAttention
    assert issubclass(linear.NonDynamicallyQuantizableLinear, nn.Linear)
    assert galton.nn.modules.transformer.TransformerEncoder is nn.TransformerEncoder
