"""galton.jit.trace: traced graphs run like the model, save, and load without the model's class."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import galton
import galton.nn as nn
import galton.nn.functional as F
from galton.jit import GraphError, TracedModule, TracerWarning, TracingError
from galton.vision import models


def _np(t):
    return t.detach().numpy()


@pytest.fixture(autouse=True)
def _seed():
    galton.manual_seed(0)


@pytest.mark.parametrize("build", [models.mnist_cnn, models.fashion_cnn, models.lenet5])
def test_zoo_models_trace_to_the_same_outputs_for_another_batch(build):
    model = build().eval()
    traced = galton.jit.trace(model, galton.randn(2, 1, 28, 28))
    x = galton.randn(5, 1, 28, 28)
    np.testing.assert_array_equal(_np(traced(x)), _np(model(x)))
    assert isinstance(traced, TracedModule)
    assert list(traced.state_dict()) == list(model.state_dict())


def test_seed_net_graph_reads_like_its_forward():
    traced = galton.jit.trace(models.mnist_cnn().eval(), galton.randn(1, 1, 28, 28))
    text = str(traced.graph)
    assert text.startswith("graph(%x : float32(1, 1, 28, 28)):")
    ops = [n["op"] for n in traced.graph.nodes]
    assert ops == ["F.conv2d", "F.relu", "F.max_pool2d", "F.conv2d", "F.relu", "F.max_pool2d",
                   "Tensor.view", "F.linear", "F.relu", "F.linear"]
    assert "# conv1" in text and "%fc2.weight" in text and traced.code == text


def test_save_and_load_restore_the_same_outputs(tmp_path):
    model = models.resnet18(num_classes=7).eval()
    x = galton.randn(2, 3, 32, 32)
    traced = galton.jit.trace(model, x)
    traced.save(tmp_path / "resnet.pt")
    loaded = galton.jit.load(tmp_path / "resnet.pt")
    y = galton.randn(3, 3, 32, 32)
    np.testing.assert_array_equal(_np(loaded(y)), _np(model(y)))
    assert loaded.original_name == "ResNet" and not loaded.training
    np.testing.assert_array_equal(_np(loaded.get_submodule("layer1.0.bn1").running_var),
                                  _np(model.layer1[0].bn1.running_var))
    galton.jit.save(loaded, tmp_path / "again.pt")  # the module-level spelling
    np.testing.assert_array_equal(_np(galton.jit.load(tmp_path / "again.pt")(y)), _np(model(y)))


def test_a_loaded_trace_needs_no_python_class(tmp_path):
    """The seed-002 flow: trace and save here, load in a fresh process that never sees Net."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Flatten(),
                                     nn.Linear(16 * 28 * 28, 10))

        def forward(self, x):
            return self.net(x)

    model = Net().eval()
    x = galton.randn(4, 1, 28, 28)
    galton.jit.trace(model, galton.randn(1, 1, 28, 28)).save(tmp_path / "cnn_scripted.pt")
    np.save(tmp_path / "x.npy", x.numpy())
    code = ("import numpy as np, galton\n"
            f"m = galton.jit.load({str(tmp_path / 'cnn_scripted.pt')!r}, map_location='cpu')\n"
            "m.eval()\n"
            f"y = m(galton.from_numpy(np.load({str(tmp_path / 'x.npy')!r})))\n"
            f"np.save({str(tmp_path / 'y.npy')!r}, y.detach().numpy())\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd(),
                   env={**os.environ, "OMP_NUM_THREADS": "1"})
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), _np(model(x)))


class Residual(nn.Module):
    """Ops between layers: residual add, cat, a mean, sizes read from the input, slicing."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 4 * 4 * 2 + 3, 5)
        self.scale = nn.Parameter(galton.tensor(0.5))

    def forward(self, x):
        y = F.relu(self.bn(self.conv(x))) + x * self.scale
        y = F.max_pool2d(y, 2)
        z = galton.cat([y, -y], dim=1)
        flat = z.view(z.size(0), -1)
        pooled = y.mean((2, 3))
        out = self.fc(galton.cat([flat, pooled], 1))
        return F.log_softmax(out[:, :4], dim=1), out.shape[0] * galton.ones(1)


def test_tensor_ops_between_layers_and_sizes_follow_the_batch():
    model = Residual()
    traced = galton.jit.trace(model, galton.randn(2, 3, 8, 8))
    for n in (1, 6):
        x = galton.randn(n, 3, 8, 8)
        got, want = traced(x), model(x)
        np.testing.assert_allclose(_np(got[0]), _np(want[0]), rtol=1e-6, atol=1e-6)
    ops = {n["op"] for n in traced.graph.nodes}
    assert {"F.pad", "F.conv2d", "F.batch_norm", "Tensor.__add__", "Tensor.__mul__",
            "galton.cat", "Tensor.view", "Tensor.mean", "Tensor.__getitem__"} <= ops
    assert ".size(0)" in str(traced.graph)


def test_a_traced_module_trains_like_the_model():
    model = Residual()
    traced = galton.jit.trace(model, galton.randn(2, 3, 8, 8))
    x = galton.randn(3, 3, 8, 8)
    twin = Residual()
    twin.load_state_dict(model.state_dict())
    traced(x)[0].sum().backward()
    twin(x)[0].sum().backward()
    for (name, p), q in zip(model.named_parameters(), twin.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
    # training-mode batch norm updated the running statistics through the traced graph
    np.testing.assert_allclose(_np(model.bn.running_mean), _np(twin.bn.running_mean), atol=1e-6)


def test_parameters_are_shared_with_the_model_and_load_state_dict_works():
    model = models.lenet5().eval()
    traced = galton.jit.trace(model, galton.randn(1, 1, 28, 28))
    x = galton.randn(2, 1, 28, 28)
    other = models.lenet5().eval()
    traced.load_state_dict(other.state_dict())
    np.testing.assert_array_equal(_np(traced(x)), _np(other(x)))
    np.testing.assert_array_equal(_np(model(x)), _np(other(x)))  # the same tensors


def test_dropout_is_recorded_only_in_training_mode():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    assert [n["op"] for n in galton.jit.trace(model.eval(), galton.randn(2, 4)).graph.nodes] \
        == ["F.linear"]
    traced = galton.jit.trace(model.train(), galton.randn(2, 4))
    assert [n["op"] for n in traced.graph.nodes] == ["F.linear", "F.dropout"]
    out = traced(galton.ones(200, 4))
    assert (out.numpy(force=True) == 0).any()  # still random, as the traced training graph


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return -self.fc(x)


def test_data_dependent_control_flow_warns_and_is_frozen():
    model = Branchy()
    with pytest.warns(TracerWarning, match="Converting a tensor to a Python boolean"):
        traced = galton.jit.trace(model, galton.ones(1, 3))
    assert [n["op"] for n in traced.graph.nodes] == ["F.linear"]  # the test is not in the graph
    x = -galton.ones(1, 3)
    np.testing.assert_array_equal(_np(traced(x)), -_np(model(x)))  # the branch the trace took


@pytest.mark.parametrize("convert", [lambda t: t.item(), lambda t: float(t), lambda t: t.tolist(),
                                     lambda t: int(t)])
def test_python_values_from_traced_tensors_warn(convert):
    def f(x):
        return x * convert(x.sum())
    with pytest.warns(TracerWarning, match="might not generalize to other inputs"):
        galton.jit.trace(f, galton.ones(3))


def test_weights_and_sizes_do_not_warn():
    model = models.lenet5()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        galton.jit.trace(model, galton.randn(1, 1, 28, 28))


def test_a_layer_the_tracer_cannot_see_is_an_error_naming_it():
    class Hidden(nn.Module):
        def forward(self, x):
            return galton.from_numpy(np.tanh(x.detach().numpy()))

    model = nn.Sequential(nn.Linear(3, 3), Hidden())
    with pytest.raises(TracingError, match=r"output of 1 \(Hidden\)"), \
            pytest.warns(TracerWarning, match="NumPy array"):
        galton.jit.trace(model, galton.randn(2, 3))


def test_traces_do_not_nest_and_the_tensor_class_is_restored():
    before = galton.Tensor.__dict__["view"], galton.Tensor.__dict__["shape"]

    class Inner(nn.Module):
        def forward(self, x):
            return galton.jit.trace(nn.ReLU(), x)(x)

    with pytest.raises(TracingError, match="do not nest"):
        galton.jit.trace(Inner(), galton.randn(2))
    assert (galton.Tensor.__dict__["view"], galton.Tensor.__dict__["shape"]) == before


def test_tracing_a_traced_module_and_a_plain_function():
    traced = galton.jit.trace(models.mnist_cnn().eval(), galton.randn(1, 1, 28, 28))
    again = galton.jit.trace(traced, galton.randn(1, 1, 28, 28))
    x = galton.randn(2, 1, 28, 28)
    np.testing.assert_array_equal(_np(again(x)), _np(traced(x)))
    f = galton.jit.trace(lambda a, b: (a @ b).relu() + 1, (galton.randn(2, 3), galton.randn(3)))
    a, b = galton.randn(4, 3), galton.randn(3)
    np.testing.assert_array_equal(_np(f(a, b)), _np((a @ b).relu() + 1))
    with pytest.raises(TypeError, match="takes 2 input"):
        f(a)


def _rewrite(path, edit):
    """Load a saved trace as plain data, edit its graph, save it back."""
    obj = galton.load(path)
    edit(obj)
    galton.save(obj, path)


@pytest.mark.parametrize("edit,msg", [
    (lambda o: o["graph"]["nodes"][0].update(op="os.system"), "'os.system' is not an operation"),
    (lambda o: o["graph"]["nodes"][0].update(op="Tensor.__reduce_ex__"), "is not an operation"),
    (lambda o: o["graph"]["nodes"][1]["args"].__setitem__(0, {"v": 99}), "used before it is made"),
    (lambda o: o["graph"]["nodes"][0]["args"].__setitem__(1, {"p": "nope"}), "'nope' is not in"),
])
def test_a_tampered_graph_file_is_refused(tmp_path, edit, msg):
    path = tmp_path / "m.pt"
    galton.jit.trace(models.mnist_cnn().eval(), galton.randn(1, 1, 28, 28)).save(path)
    _rewrite(path, edit)
    with pytest.raises(GraphError, match=msg):
        galton.jit.load(path)


def test_loading_a_state_dict_as_a_traced_module_says_what_it_is(tmp_path):
    galton.save(models.lenet5().state_dict(), tmp_path / "sd.pt")
    with pytest.raises(GraphError, match="is not a traced module"):
        galton.jit.load(tmp_path / "sd.pt")
    with pytest.raises(TypeError, match="expects a traced module"):
        galton.jit.save(models.lenet5(), tmp_path / "x.pt")


def test_the_saved_graph_is_json_in_a_safetensors_header(tmp_path):
    from safetensors.numpy import load_file
    galton.jit.trace(models.fashion_cnn().eval(), galton.randn(1, 1, 28, 28)).save(
        tmp_path / "f.pt")
    tensors = load_file(str(tmp_path / "f.pt"))
    assert sum(a.size for k, a in tensors.items() if k.startswith("parameters.")) == 125_610
    with open(tmp_path / "f.pt", "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    assert "F.conv2d" in header["__metadata__"]["galton.structure"]
