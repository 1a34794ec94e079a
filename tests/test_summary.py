"""galton.summary: rows, shapes against PyTorch forward hooks, totals, batch-dim rule, errors."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.summary import summary
from galton.vision import models


def torch_shapes(tmodel, x):
    """Output shape of every leaf module of a torch model, in call order."""
    shapes, handles = [], []
    for name, m in tmodel.named_modules():
        if name and not list(m.children()):
            handles.append(m.register_forward_hook(
                lambda mod, a, out, name=name: shapes.append((name, list(out.shape)))))
    with torch.no_grad():
        tmodel.eval()(x)
    for h in handles:
        h.remove()
    return shapes


def test_mnist_cnn_rows_and_totals():
    s = summary(models.mnist_cnn(), (1, 28, 28), verbose=False)
    assert [(r.name, r.type, r.output_shape, r.num_params) for r in s.rows] == [
        ("", "MNISTNet", [1, 10], 225_034),
        ("conv1", "Conv2d", [1, 32, 26, 26], 320),
        ("conv2", "Conv2d", [1, 64, 11, 11], 18_496),
        ("fc1", "Linear", [1, 128], 204_928),
        ("fc2", "Linear", [1, 10], 1_290)]
    assert [r.depth for r in s.rows] == [0, 1, 1, 1, 1]
    assert s.total_params == s.trainable_params == 225_034
    assert s.non_trainable_params == 0
    assert s.params_size_mb == pytest.approx(225_034 * 4 / 1e6)
    # 26*26*32*9 + 11*11*64*288 + 1600*128 + 128*10
    assert s.total_mult_adds == 194_688 + 2_230_272 + 204_800 + 1_280
    text = str(s)
    assert "Total params: 225,034" in text and "Non-trainable params: 0" in text
    assert "conv1 (Conv2d)" in text and "[1, 32, 26, 26]" in text and "18,496" in text


def test_batch_dim_is_prepended_only_when_missing():
    net = models.mnist_cnn()
    with_batch = summary(net, (1, 1, 28, 28), verbose=False)
    without = summary(net, (1, 28, 28), verbose=False)
    assert with_batch.input_size == without.input_size == [[1, 1, 28, 28]]
    assert summary(net, (1, 28, 28), batch_size=16, verbose=False).rows[0].output_shape == [16, 10]
    full = summary(net, (8, 1, 28, 28), batch_size=16, verbose=False)
    assert full.rows[0].output_shape == [8, 10]
    # Flatten-first and Linear-first models
    assert summary(models.mlp(), (1, 28, 28), verbose=False).rows[0].output_shape == [1, 10]
    assert summary(models.mlp(), (28, 28), batch_size=3, verbose=False).rows[0].output_shape == \
        [3, 10]
    lin = gnn.Sequential(gnn.Linear(4, 2))
    assert summary(lin, (4,), batch_size=5, verbose=False).input_size == [[5, 4]]
    assert summary(lin, (7, 4), verbose=False).input_size == [[7, 4]]


def test_layer_shapes_match_pytorch_hooks():
    def build(nn):
        return nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(8, 16, 5, padding=2, groups=2), nn.AvgPool2d(3, stride=2),
            nn.Dropout2d(), nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(), nn.Linear(96, 12),
            nn.Tanh(), nn.Linear(12, 4))
    s = summary(build(gnn), (3, 37, 41), batch_size=2, verbose=False)
    got = [(r.name, r.output_shape) for r in s.rows if r.is_leaf]
    assert got == torch_shapes(build(torch.nn), torch.zeros(2, 3, 37, 41))
    assert s.total_params == sum(p.numel() for p in build(torch.nn).parameters())


def test_resnet18_summary_matches_torch_layer_by_layer():
    from tests.vision.torch_reference import build
    s = summary(models.resnet18(), (3, 64, 64), verbose=False)
    assert s.total_params == 11_689_512
    leaves = [(r.name, r.output_shape) for r in s.rows if r.is_leaf]
    assert leaves == torch_shapes(build("resnet18"), torch.zeros(1, 3, 64, 64))
    names = [r.name for r in s.rows]
    assert "layer2.0.downsample.0" in names and names.index("layer1") < names.index("layer1.0")
    # the ReLU of a block runs twice: two rows, the second marked as a repeat
    relus = [r for r in s.rows if r.name == "layer1.0.relu"]
    assert [r.repeated for r in relus] == [False, True]
    assert next(r for r in s.rows if r.name == "layer1").num_params == 2 * (2 * 36_864 + 2 * 128)


def test_frozen_parameters_are_non_trainable():
    model = models.resnet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = gnn.Linear(512, 10)
    s = summary(model, (3, 32, 32), verbose=False)
    assert s.trainable_params == 5_130
    assert s.non_trainable_params == 11_689_512 - 513_000
    assert s.total_params == s.trainable_params + s.non_trainable_params


def test_model_state_is_left_as_it_was():
    model = gnn.Sequential(gnn.Conv2d(1, 4, 3), gnn.BatchNorm2d(4), gnn.Dropout(0.5))
    model.train()
    model[2].eval()
    mean = model[1].running_mean.numpy().copy()
    summary(model, (1, 8, 8), batch_size=4, verbose=False)
    assert [m.training for m in model.modules()] == [True, True, True, False]
    np.testing.assert_array_equal(model[1].running_mean.numpy(), mean)  # ran in eval mode
    assert model[1].num_batches_tracked.item() == 0
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_prints_when_verbose(capsys):
    s = summary(models.lenet5(), (1, 28, 28))
    out = capsys.readouterr().out
    assert out.strip() == str(s).strip()
    assert "Total params: 61,706" in out and "features.0 (Conv2d)" in out
    summary(models.lenet5(), (1, 28, 28), verbose=False)
    assert capsys.readouterr().out == ""


def test_wrong_input_size_names_the_layer():
    with pytest.raises(RuntimeError, match=r"MNISTNet cannot take an input of size \[1, 3, 28, "
                                           r"28\]: layer 'conv1' \(Conv2d\) failed") as info:
        summary(models.mnist_cnn(), (3, 28, 28), verbose=False)
    assert info.value.__cause__ is not None
    # the failure is in the model's own forward (view(-1, 1600) of a 64×6×6 map)
    with pytest.raises(RuntimeError, match=r"\[1, 1, 32, 32\]: MNISTNet.forward, after layer "
                                           r"'conv2' \(Conv2d, output \[1, 64, 13, 13\]\)"):
        summary(models.mnist_cnn(), (1, 32, 32), verbose=False)
    with pytest.raises(RuntimeError, match=r"layer 'net.1' \(Linear\) failed"):
        summary(models.mlp(), (1, 20, 20), verbose=False)


def test_hooks_removed_and_modes_restored_after_a_failure():
    model = models.mnist_cnn().train()
    with pytest.raises(RuntimeError):
        summary(model, (3, 28, 28), verbose=False)
    assert model.training and model.conv1.training
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_several_inputs_and_integer_dtypes():
    class Pair(gnn.Module):
        def __init__(self):
            super().__init__()
            self.a = gnn.Linear(3, 5)
            self.b = gnn.Linear(4, 5)

        def forward(self, x, y):
            return self.a(x) + self.b(y)

    s = summary(Pair(), [(3,), (4,)], batch_size=2, verbose=False)
    assert s.input_size == [[2, 3], [2, 4]]
    assert s.rows[0].output_shape == [2, 5]

    class Count(gnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = gnn.Linear(6, 2)

        def forward(self, idx):
            assert idx.dtype == galton.int64
            return self.fc(idx.float())

    s = summary(Count(), (1, 6), dtypes=[galton.int64], verbose=False)
    assert s.rows[1].output_shape == [1, 2]


def test_tuple_outputs_are_listed():
    class Two(gnn.Module):
        def forward(self, x):
            return x, x.sum(1)

    class Net(gnn.Module):
        def __init__(self):
            super().__init__()
            self.two = Two()

        def forward(self, x):
            return self.two(x)[1]

    s = summary(Net(), (3, 4), verbose=False)
    assert s.rows[1].output_shape == [[3, 4], [3]]
    assert "[3, 4], [3]" in str(s)


def test_bad_arguments():
    with pytest.raises(TypeError, match="input_size must be a tuple of ints"):
        summary(models.mlp(), "1x28x28", verbose=False)
    with pytest.raises(ValueError, match="2 dtypes given for 1 inputs"):
        summary(models.mlp(), (1, 28, 28), dtypes=[galton.float32] * 2, verbose=False)
    with pytest.raises(ValueError, match="negative"):
        summary(models.mlp(), (1, -28, 28), verbose=False)
