"""galton.onnx.export: files that onnx.checker accepts and onnxruntime runs to galton's outputs."""
import io

import numpy as np
import pytest

import galton
import galton.nn as nn
import galton.nn.functional as F
from galton.onnx import ExportError
from galton.vision import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

DYNAMIC = {"input": {0: "batch"}, "output": {0: "batch"}}


@pytest.fixture(autouse=True)
def _seed():
    galton.manual_seed(0)


def _export(model, x, **kw):
    buf = io.BytesIO()
    kw.setdefault("input_names", ["input"])
    kw.setdefault("output_names", ["output"])
    proto = galton.onnx.export(model, x, buf, **kw)
    return ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"]), proto


def _check(model, shape, batches=(1, 3), atol=1e-5, **kw):
    session, proto = _export(model, galton.randn(2, *shape), dynamic_axes=DYNAMIC, **kw)
    model.eval()
    for n in batches:
        x = galton.randn(n, *shape)
        with galton.no_grad():
            want = model(x).numpy()
        got = session.run(None, {"input": x.numpy()})[0]
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
    return proto


def test_seed_000_net():
    proto = _check(models.mnist_cnn(), (1, 28, 28))
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [1, 28, 28]


def test_fashion_cnn_of_the_book():
    model = models.fashion_cnn()
    assert sum(p.numel() for p in model.parameters()) == 125_610
    proto = _check(model, (1, 28, 28))
    assert [n.op_type for n in proto.graph.node] == ["Conv", "Relu", "Reshape", "Gemm",
                                                     "Identity"]


def test_lenet5():
    _check(models.lenet5(), (1, 28, 28))
    _check(models.lenet5(activation="tanh", pooling="avg"), (1, 28, 28))


def test_resnet18_with_batch_norm_and_residual_adds():
    proto = _check(models.resnet18(num_classes=10), (3, 32, 32))
    ops = {n.op_type for n in proto.graph.node}
    assert {"Conv", "BatchNormalization", "Add", "MaxPool", "GlobalAveragePool"} <= ops


def test_alexnet_with_an_uneven_adaptive_pool():
    # 127x127 leaves 3x3 features, which the 6x6 adaptive pool spreads (uneven bins)
    model = models.alexnet()
    session, _ = _export(model, galton.randn(1, 3, 127, 127), dynamic_axes=DYNAMIC)
    model.eval()
    x = galton.randn(3, 3, 127, 127)
    with galton.no_grad():
        want = model(x).numpy()
    for xs, ws in ((x[:1], want[:1]), (x, want)):
        np.testing.assert_allclose(session.run(None, {"input": xs.numpy()})[0], ws, atol=1e-5)


class Mixed(nn.Module):
    """Layers and tensor ops the zoo does not use."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 6, 3, padding="same", padding_mode="replicate")
        self.bn = nn.BatchNorm1d(6)
        self.ln = nn.LayerNorm(6)
        self.fc = nn.Linear(6, 5)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        y = F.gelu(self.bn(self.conv(x)))                  # (N, 6, 10)
        y = F.avg_pool1d(y, 2) + F.adaptive_avg_pool1d(y, 5) * 0.5
        y = self.ln(y.permute(0, 2, 1))                    # (N, 5, 6)
        y = self.drop(self.fc(F.silu(y)) / 2 - 1)          # (N, 5, 5)
        w = self.fc.weight.t() @ self.fc.weight            # weights only: folded
        z = galton.cat([y.sigmoid(), galton.tanh(y), F.elu(y), F.leaky_relu(y, 0.2)], dim=2)
        z = z.view(z.size(0), -1) @ galton.ones(100, 6) + (y.sum(1) @ w[:5, :6])
        return galton.stack([F.softmax(z, dim=1), F.log_softmax(z, dim=-1),
                             F.hardtanh(z) + z.mean(1, keepdim=True) + z[:, 1:2].abs()], 1)


@pytest.mark.parametrize("opset", [17, 18])
def test_more_layers_and_tensor_ops(opset):
    proto = _check(Mixed(), (4, 10), opset_version=opset)
    assert proto.opset_import[0].version == opset
    ops = {n.op_type for n in proto.graph.node}
    assert "Erf" in ops and "LayerNormalization" in ops and "Pad" in ops
    assert not {"Transpose"} & {n.op_type for n in proto.graph.node if "fc" in n.name}


def test_constant_folding_and_export_mode_restored():
    model = Mixed().train()
    _, folded = _export(model, galton.randn(2, 4, 10))
    assert model.training and model.bn.training  # the export ran in eval mode only
    _, plain = _export(model, galton.randn(2, 4, 10), do_constant_folding=False)
    assert len(plain.graph.node) > len(folded.graph.node)


def test_a_file_path_and_default_names(tmp_path):
    model = models.mlp()
    galton.onnx.export(model, galton.randn(1, 1, 28, 28), tmp_path / "mlp.onnx")
    loaded = onnx.load(str(tmp_path / "mlp.onnx"))
    onnx.checker.check_model(loaded)
    assert [i.name for i in loaded.graph.input] == ["x"]
    assert [o.name for o in loaded.graph.output] == ["output"]
    session = ort.InferenceSession(str(tmp_path / "mlp.onnx"))
    x = galton.randn(1, 1, 28, 28)
    np.testing.assert_allclose(session.run(None, {"x": x.numpy()})[0],
                               model.eval()(x).detach().numpy(), atol=1e-5)


def test_several_inputs_and_outputs():
    def f(a, b):
        return a @ b, (a - 1).relu()
    session, _ = _export(f, (galton.randn(2, 3), galton.randn(3, 4)), input_names=["a", "b"],
                         output_names=["prod", "act"])
    a, b = galton.randn(2, 3), galton.randn(3, 4)
    prod, act = session.run(None, {"a": a.numpy(), "b": b.numpy()})
    np.testing.assert_allclose(prod, (a @ b).numpy(), atol=1e-5)
    np.testing.assert_allclose(act, (a - 1).relu().numpy(), atol=1e-6)


def test_an_op_without_mapping_is_named():
    class Sorter(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x).sort(dim=1)[0]

    with pytest.raises(ExportError, match="Tensor.sort has no ONNX mapping"):
        _export(Sorter(), galton.randn(2, 3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="opset_version 11 is too old"):
        _export(models.mlp(), galton.randn(1, 784), opset_version=11)
    with pytest.raises(ValueError, match="dynamic_axes names 'nope'"):
        _export(models.mlp(), galton.randn(1, 784), dynamic_axes={"nope": [0]})
    with pytest.raises(ExportError, match="training=True is random"):
        _export(lambda x: F.dropout(x, 0.5), galton.randn(2, 3))


def test_a_loaded_traced_module_exports_without_its_class(tmp_path):
    galton.jit.trace(models.lenet5().eval(), galton.randn(1, 1, 28, 28)).save(tmp_path / "l.pt")
    proto = _check(galton.jit.load(tmp_path / "l.pt"), (1, 28, 28))
    assert proto.graph.name == "LeNet5"
