"""Lazy layers: parameters materialised on the first forward, then the eager class; the same
outputs as torch's lazy layers given the same weights; state_dict loading into a lazy layer."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn

CASES = [
    ("LazyLinear", (5,), {}, (3, 7), "Linear"),
    ("LazyConv1d", (4, 3), dict(padding=1), (2, 3, 8), "Conv1d"),
    ("LazyConv2d", (4, 3), dict(stride=2, groups=2), (2, 6, 7, 7), "Conv2d"),
    ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 4), "Conv3d"),
    ("LazyConvTranspose1d", (3, 3), dict(stride=2), (2, 4, 5), "ConvTranspose1d"),
    ("LazyConvTranspose2d", (2, 3), dict(bias=False), (2, 4, 5, 5), "ConvTranspose2d"),
    ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 3, 3, 3), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), {}, (4, 3, 5), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), dict(affine=False), (4, 3, 2, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), {}, (2, 3, 2, 2, 2), "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), dict(affine=True), (2, 3, 5), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), dict(track_running_stats=True), (2, 3, 4, 4), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), {}, (2, 3, 2, 3, 2), "InstanceNorm3d"),
]


@pytest.mark.parametrize("name, args, kw, shape, becomes", CASES)
def test_lazy_layer(name, args, kw, shape, becomes):
    gm, tm = getattr(gnn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    for p in gm.parameters():
        assert isinstance(p, gnn.UninitializedParameter)
    x = np.random.default_rng(0).standard_normal(shape).astype("f4")
    tout = tm(torch.tensor(x))
    gm(galton.tensor(x[:1]))  # materialise on a different batch, then copy torch's weights
    assert type(gm).__name__ == becomes and type(gm) is getattr(gnn, becomes)
    assert not any(isinstance(p, gnn.UninitializedParameter) for p in gm.parameters())
    assert {k: tuple(v.shape) for k, v in gm.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    gm.load_state_dict({k: galton.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    gm.train(tm.training)
    tm.eval(), gm.eval()
    np.testing.assert_allclose(gm(galton.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_lazy_default_init_and_backward():
    galton.manual_seed(0)
    fc = gnn.LazyLinear(4)
    x = galton.randn(8, 100, requires_grad=True)
    fc(x).sum().backward()
    bound = 1 / np.sqrt(100)
    assert np.abs(fc.weight.detach().numpy()).max() <= bound
    assert fc.weight.detach().numpy().std() > bound / 4  # initialised, not left empty
    assert x.grad.shape == (8, 100) and fc.weight.grad.shape == (4, 100)
    assert repr(fc) == "Linear(in_features=100, out_features=4, bias=True)"


def test_load_state_dict_materialises_and_optimizer_after():
    src = gnn.Sequential(gnn.Conv2d(3, 4, 3), gnn.Flatten(), gnn.Linear(4 * 6 * 6, 2))
    lazy = gnn.Sequential(gnn.LazyConv2d(4, 3), gnn.Flatten(), gnn.LazyLinear(2))
    lazy.load_state_dict(src.state_dict())
    x = galton.randn(2, 3, 8, 8)
    np.testing.assert_allclose(lazy(x).detach().numpy(), src(x).detach().numpy(), rtol=1e-5)
    assert type(lazy[0]) is gnn.Conv2d and type(lazy[2]) is gnn.Linear
    opt = galton.optim.SGD(lazy.parameters(), lr=0.1)
    lazy(x).sum().backward()
    opt.step()


def test_uninitialized_parameter_refuses_shape():
    p = gnn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        p.shape
    p.materialize((2, 3), dtype=galton.float64)
    assert type(p) is gnn.Parameter and p.shape == (2, 3) and p.dtype == galton.float64
    assert p.requires_grad
    b = gnn.UninitializedBuffer()
    b.materialize((4,))
    assert type(b) is galton.Tensor and b.shape == (4,)


def test_lazy_wrong_input_named():
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input "
                                           "to LazyConv2d"):
        gnn.LazyConv2d(4, 3)(galton.randn(2, 2))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        gnn.LazyConv2d(4, 3, groups=2)(galton.randn(1, 3, 5, 5))
