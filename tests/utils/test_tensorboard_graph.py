"""SummaryWriter.add_graph and add_hparams, read back with TensorBoard's own readers."""
import os
import sys

import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.utils.tensorboard import SummaryWriter, _fallback
from galton.vision import models

pytest.importorskip("tensorboard")
from galton.utils.tensorboard import _library  # noqa: E402
from galton.utils.tensorboard._graph import graph_nodes  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.compat.proto import event_pb2, graph_pb2  # noqa: E402
from tensorboard.plugins.hparams import metadata as hp_metadata  # noqa: E402
from tensorboard.plugins.hparams.api_pb2 import DataType, Status  # noqa: E402
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    galton.manual_seed(0)


@pytest.fixture(params=["library", "fallback"])
def backend(request, monkeypatch):
    """With tensorboard importable, and with galton's library encoder made unimportable."""
    if request.param == "fallback":
        monkeypatch.setitem(sys.modules, "galton.utils.tensorboard._library", None)
    return request.param


def accumulate(folder):
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def logged_graph(tmp_path, model, x, **kw):
    with SummaryWriter(tmp_path) as w:
        w.add_graph(model, x, **kw)
    acc = accumulate(tmp_path)
    assert acc.Tags()["graph"]
    return acc.Graph()


def shapes(node):
    return [[d.size for d in s.dim] for s in node.attr["_output_shapes"].list.shape]


def check_wiring(graph):
    """Every input names a node of the graph (``name:k`` for a node's k-th result)."""
    names = [n.name for n in graph.node]
    assert len(set(names)) == len(names)
    for n in graph.node:
        for i in n.input:
            assert (i.rpartition(":")[0] if ":" in i else i) in names, (n.name, i)


# --- add_graph ------------------------------------------------------------------------------
def test_the_seed_cnn_graph(backend, tmp_path):
    model = models.mnist_cnn()
    graph = logged_graph(tmp_path, model, galton.randn(2, 1, 28, 28))
    check_wiring(graph)
    nodes = {n.name: n for n in graph.node}
    ops = [n for n in graph.node if n.op not in ("IO Node", "Parameter", "Buffer")]
    traced = galton.jit.trace(model.eval(), galton.randn(2, 1, 28, 28))
    assert [n.op for n in ops] == [n["op"] for n in traced.graph.nodes]
    assert sum(n.op == "Parameter" for n in graph.node) == len(list(model.parameters()))
    assert shapes(nodes["input/x"]) == [[2, 1, 28, 28]]
    conv = nodes["MNISTNet/Conv2d[conv1]/conv2d.1"]
    assert list(conv.input) == ["input/x", "MNISTNet/Conv2d[conv1]/weight",
                                "MNISTNet/Conv2d[conv1]/bias"]
    assert shapes(conv) == [[2, 32, 26, 26]]
    assert conv.attr["attr"].s.decode().startswith("F.conv2d(%0, %conv1.weight")
    out = nodes["output/output.1"]
    assert out.op == "IO Node" and shapes(out) == [[2, 10]]
    assert list(out.input) == [ops[-1].name]
    assert graph.versions.producer == 22


def test_nested_modules_are_boxes_and_buffers_are_nodes(tmp_path):
    model = models.resnet18(num_classes=5).train()
    graph = logged_graph(tmp_path, model, galton.randn(1, 3, 32, 32))
    check_wiring(graph)
    names = {n.name: n for n in graph.node}
    assert "ResNet/Sequential[layer1]/BasicBlock[0]/Conv2d[conv1]/weight" in names
    assert names["ResNet/Sequential[layer1]/BasicBlock[0]/BatchNorm2d[bn1]/running_mean"].op \
        == "Buffer"
    bn = [n for n in graph.node if n.op == "F.batch_norm"][0]
    assert bn.attr["attr"].s.decode() == ("F.batch_norm(%1, %bn1.running_mean, %bn1.running_var, "
                                          "%bn1.weight, %bn1.bias, False, 0.1, 1e-05)")  # eval
    assert model.training and model.layer1[0].bn1.training  # and the mode put back


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.lstm = nn.LSTM(4, 6, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.emb(tokens))
        return self.fc(out), h


def test_a_recurrent_model_and_an_op_with_several_results(tmp_path):
    graph = logged_graph(tmp_path, Tagger(), galton.randint(0, 10, (2, 5)))
    check_wiring(graph)
    (lstm,) = [n for n in graph.node if n.op == "rnn.lstm"]
    assert lstm.name.startswith("Tagger/LSTM[lstm]/lstm.")
    assert shapes(lstm) == [[2, 5, 12], [2, 2, 6], [2, 2, 6]]
    assert sum(i.startswith("Tagger/LSTM[lstm]/weight_") for i in lstm.input) == 4
    outputs = {n.name: list(n.input) for n in graph.node if n.name.startswith("output/")}
    assert outputs["output/output.2"] == [lstm.name + ":1"]  # h_n, the second result


def test_a_loaded_traced_module_and_several_inputs(tmp_path):
    traced = galton.jit.trace(models.lenet5().eval(), galton.randn(1, 1, 28, 28))
    traced.save(tmp_path / "l.pt")
    graph = logged_graph(tmp_path / "a", galton.jit.load(tmp_path / "l.pt"),
                         [galton.randn(1, 1, 28, 28)])
    check_wiring(graph)
    assert any(n.name == "LeNet5/features/0/weight" for n in graph.node)  # no classes

    class Two(nn.Module):
        def forward(self, a, b):
            return a @ b + 1

    graph = logged_graph(tmp_path / "b", Two(), (galton.randn(2, 3), galton.randn(3, 4)))
    check_wiring(graph)
    assert [n.name for n in graph.node if n.op == "IO Node"] == ["input/a", "input/b",
                                                                 "output/output.1"]


def test_both_encoders_write_the_same_graph():
    nodes = graph_nodes(Tagger(), galton.randint(0, 10, (2, 5)))
    ours = event_pb2.Event.FromString(_fallback.graph_event(1.5, nodes))
    lib = _library.graph_event(1.5, nodes)
    assert ours.wall_time == lib.wall_time == 1.5 and ours.WhichOneof("what") == "graph_def"
    # compared parsed: the order of a map's entries in the bytes is not fixed by protobuf
    assert graph_pb2.GraphDef.FromString(ours.graph_def) == \
        graph_pb2.GraphDef.FromString(lib.graph_def)


# --- add_hparams ----------------------------------------------------------------------------
def plugin_contents(folder):
    acc = accumulate(folder)
    return acc, acc.PluginTagToContent(hp_metadata.PLUGIN_NAME)


def test_hparams_and_metrics_in_a_sub_run(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.01, "bsize": 32, "optimizer": "adam", "bn": True, "none": None,
                       "decay": galton.tensor(0.5)},
                      {"hparam/accuracy": 0.75, "hparam/loss": galton.tensor(0.25)},
                      hparam_domain_discrete={"optimizer": ["sgd", "adam"]},
                      run_name="run1", global_step=3)
    acc, content = plugin_contents(tmp_path / "run1")
    assert set(content) == {hp_metadata.EXPERIMENT_TAG, hp_metadata.SESSION_START_INFO_TAG,
                            hp_metadata.SESSION_END_INFO_TAG}
    exp = hp_metadata.parse_experiment_plugin_data(content[hp_metadata.EXPERIMENT_TAG])
    infos = {h.name: h for h in exp.hparam_infos}
    assert list(infos) == ["lr", "bsize", "optimizer", "bn", "decay"]
    assert infos["lr"].type == DataType.Value("DATA_TYPE_FLOAT64")
    assert infos["optimizer"].type == DataType.Value("DATA_TYPE_STRING")
    assert infos["bn"].type == DataType.Value("DATA_TYPE_BOOL")
    assert [v.string_value for v in infos["optimizer"].domain_discrete.values] == ["sgd", "adam"]
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/accuracy", "hparam/loss"]
    start = hp_metadata.parse_session_start_info_plugin_data(
        content[hp_metadata.SESSION_START_INFO_TAG])
    assert start.hparams["lr"].number_value == 0.01 and start.hparams["bsize"].number_value == 32
    assert start.hparams["optimizer"].string_value == "adam" and start.hparams["bn"].bool_value
    assert start.hparams["decay"].number_value == 0.5
    end = hp_metadata.parse_session_end_info_plugin_data(content[hp_metadata.SESSION_END_INFO_TAG])
    assert end.status == Status.Value("STATUS_SUCCESS")
    assert [(e.step, e.value) for e in acc.Scalars("hparam/accuracy")] == [(3, 0.75)]
    assert [(e.step, e.value) for e in acc.Scalars("hparam/loss")] == [(3, 0.25)]
    assert not accumulate(tmp_path).Tags()["scalars"]  # nothing in the parent run


def test_hparams_messages_equal_pytorchs():
    torch_summary = pytest.importorskip("torch.utils.tensorboard.summary")
    hp = {"lr": 0.1, "layers": 3, "act": "relu"}
    metrics = {"acc": 0.5}
    domains = {"act": ["relu", "tanh"], "layers": [2, 3]}
    ours = _library.hparams(galton.utils.tensorboard._summary.hparam_entries(hp, domains),
                            list(metrics))
    theirs = torch_summary.hparams(hp, metrics, domains)
    theirs = [summ.value[0] for summ in theirs]
    assert [v.tag for v in ours] == [v.tag for v in theirs]
    for a, b in zip(ours, theirs):  # parsed: map entries have no fixed order in the bytes
        assert a.metadata.plugin_data.plugin_name == b.metadata.plugin_data.plugin_name
        assert HParamsPluginData.FromString(a.metadata.plugin_data.content) == \
            HParamsPluginData.FromString(b.metadata.plugin_data.content)


def test_each_call_is_a_row_with_a_time_named_run(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for i in range(2):
            w.add_hparams({"lr": 0.1 * (i + 1)}, {"hparam/acc": 10.0 * i})
    runs = sorted(d for d in os.listdir(tmp_path) if os.path.isdir(tmp_path / d))
    assert len(runs) == 2 and all(float(r) > 0 for r in runs)
    lrs = []
    for r in runs:
        _, content = plugin_contents(tmp_path / r)
        start = hp_metadata.parse_session_start_info_plugin_data(
            content[hp_metadata.SESSION_START_INFO_TAG])
        lrs.append(start.hparams["lr"].number_value)
    assert sorted(lrs) == pytest.approx([0.1, 0.2])


@pytest.mark.parametrize("args,exc,msg", [
    (([("lr", 0.1)], {"a": 1.0}), TypeError, "should be dictionary"),
    (({"lr": 0.1}, None), TypeError, "should be dictionary"),
    (({"lr": [0.1]}, {"a": 1.0}), ValueError, "one of int, float, str, bool"),
    (({"opt": "sgd"}, {"a": 1.0}, {"opt": [1, 2]}), TypeError,
     r"hparam_domain_discrete\[opt\] should be a list of same type"),
    (({"opt": "sgd"}, {"a": 1.0}, {"other": ["x"]}), TypeError, "hparam_domain_discrete"),
    (({"lr": 0.1}, {"a": np.ones(3)}), ValueError, "expected a single number"),
])
def test_hparams_bad_arguments(tmp_path, args, exc, msg):
    with SummaryWriter(tmp_path) as w, pytest.raises(exc, match=msg):
        w.add_hparams(*args, run_name="bad")
    assert not os.path.exists(tmp_path / "bad")  # nothing half-written


def test_hparams_without_tensorboard_is_a_clear_import_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "galton.utils.tensorboard._library", None)
    with SummaryWriter(tmp_path) as w:
        assert w._encoder is _fallback
        with pytest.raises(ImportError, match="add_hparams needs the tensorboard package"):
            w.add_hparams({"lr": 0.1}, {"acc": 1.0}, run_name="r")
    assert not os.path.exists(tmp_path / "r")
