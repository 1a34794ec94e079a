"""galton.compile: fused groups give eager mode's numbers (forward, every gradient), per op
group and on zoo models, with Numba's loops and with the NumPy fallback; graph breaks."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as nn
import galton.nn.functional as F
from galton.jit import compiled, fused
from galton.ops import _kernels


@pytest.fixture(params=[True, False], ids=["numba", "numpy"])
def loops(request, monkeypatch):
    """Run each test with the compiled loops and with their NumPy versions."""
    if request.param and not _kernels.available():
        pytest.skip("Numba is not installed")
    monkeypatch.setattr(_kernels, "_enabled", request.param)
    return request.param


def _twin(make, seed=0):
    galton.manual_seed(seed)
    a = make()
    galton.manual_seed(seed)
    b = make()
    b.load_state_dict(a.state_dict())
    return a, galton.compile(b)


def _check(make, shape, rtol=1e-5, atol=1e-6, steps=2, expect=None):
    eager, comp = _twin(make)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = galton.from_numpy(rng.standard_normal(shape).astype(np.float32))
        x2 = x.detach().requires_grad_()
        x1 = x.detach().requires_grad_()
        y1, y2 = eager(x1), comp(x2)
        np.testing.assert_allclose(y2.detach().numpy(), y1.detach().numpy(), rtol=rtol, atol=atol)
        g = galton.from_numpy(rng.standard_normal(tuple(y1.shape)).astype(np.float32))
        (y1 * g).sum().backward()
        (y2 * g).sum().backward()
        np.testing.assert_allclose(x2.grad.numpy(), x1.grad.numpy(), rtol=rtol, atol=atol)
        for (k, p), q in zip(eager.named_parameters(), comp.parameters()):
            np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=k)
        eager.zero_grad()
        comp.zero_grad()
    rep = comp.compile_report()
    assert rep["graph_breaks"] == 0 and rep["compiled_calls"] == steps - 1
    if expect is not None:
        assert sorted(rep["fused"][0]) == sorted(expect), rep
    return comp


@pytest.mark.parametrize("act", ["ReLU", "Tanh", "Sigmoid"])
def test_linear_activation(loops, act):
    _check(lambda: nn.Sequential(nn.Linear(7, 5), getattr(nn, act)()), (4, 7),
           expect=[f"linear+{act.lower()}"])


def test_linear_activation_3d_input(loops):
    _check(lambda: nn.Sequential(nn.Linear(6, 20), nn.ReLU()), (3, 4, 6), expect=["linear+relu"])


@pytest.mark.parametrize("pool", [False, True])
@pytest.mark.parametrize("conf", [dict(), dict(padding=1), dict(stride=2, padding=2)])
def test_conv_bias_relu(loops, pool, conf):
    def make():
        layers = [nn.Conv2d(3, 4, 3, **conf), nn.ReLU()]
        return nn.Sequential(*(layers + [nn.MaxPool2d(2)] if pool else layers))
    # odd sizes: the pool drops the last row / column
    label = "conv+bias+relu+max_pool2d" if pool else "conv+bias+relu"
    _check(make, (2, 3, 11, 9), expect=[label])


def test_conv_relu_pool_is_bit_identical_with_ties_and_negatives(loops):
    eager, comp = _twin(lambda: nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU(), nn.MaxPool2d(2)))
    x = galton.tensor(np.tile([[1., 1.], [-1., 3.]], (1, 1, 3, 3)).astype(np.float32))
    for m in (eager, comp, comp):
        m.zero_grad()
    outs = []
    for m in (eager, comp, comp):  # the second compiled call runs the fused plan
        m.zero_grad()
        y = m(x)
        y.sum().backward()
        outs.append((y.detach().numpy(), next(m.parameters()).grad.numpy()))
    for y, gw in outs[1:]:
        assert np.array_equal(y, outs[0][0]) and np.array_equal(gw, outs[0][1])


def test_elementwise_chain(loops):
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(6, 8)

        def forward(self, x):
            h = self.lin(x)
            std = (0.5 * h).exp()
            return (h * 2 - 1) / (std + 3) + h.tanh().sigmoid()
    comp = _check(M, (5, 6))
    assert any(g.startswith("elementwise(") for g in comp.compile_report()["fused"][0])


def test_mlp_lenet_seed000_match_eager(loops):
    import sys
    import os
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
    import _models
    _check(lambda: nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 3)), (8, 20),
           expect=["linear+relu"])
    _check(lambda: _models.seed000_net(galton), (3, 1, 28, 28), rtol=1e-4, atol=1e-5,
           expect=["conv+bias+relu+max_pool2d"] * 2 + ["linear+relu"])
    _check(lambda: _models.lenet5(galton), (3, 1, 28, 28), rtol=1e-4, atol=1e-5,
           expect=["conv+bias+relu+max_pool2d"] * 2 + ["linear+relu"] * 2)


def test_zoo_models_match_eager():
    from galton.vision import models
    _check(lambda: models.resnet18(num_classes=10), (2, 3, 32, 32), rtol=1e-3, atol=1e-4)
    _check(lambda: models.alexnet(num_classes=10).eval(), (1, 3, 63, 63), rtol=1e-3, atol=1e-4)


def test_lstm_matches_eager():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(5, 7, num_layers=2)
            self.head = nn.Linear(7, 3)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out).tanh()
    _check(M, (6, 2, 5), expect=["linear+tanh"])


def test_training_steps_give_eager_weights():
    eager, comp = _twin(lambda: nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                                              nn.Flatten(), nn.Linear(4 * 4 * 4, 10)))
    rng = np.random.default_rng(0)
    opts = [galton.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in (eager, comp)]
    for _ in range(4):
        x = galton.from_numpy(rng.standard_normal((8, 1, 10, 10)).astype(np.float32))
        y = galton.from_numpy(rng.integers(0, 10, 8))
        for m, opt in zip((eager, comp), opts):
            opt.zero_grad()
            F.cross_entropy(m(x), y).backward()
            opt.step()
    for p, q in zip(eager.parameters(), comp.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_wrapper_behaves_like_pytorchs_optimized_module():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    c = galton.compile(m)
    tc = torch.compile(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)))
    assert type(c).__name__ == type(tc).__name__ == "OptimizedModule"
    assert c._orig_mod is m and list(c.parameters()) == list(m.parameters())
    assert list(c.state_dict()) == list(tc.state_dict())  # the _orig_mod. prefix
    c.eval()
    assert not m.training and not m[1].training
    m.tag = "net"
    assert c.tag == "net"  # attributes reach the model
    assert galton.compile(m, disable=True) is m
    x = galton.randn(3, 2)
    assert galton.equal(c(x), m(x))  # eval: dropout off, both calls deterministic
    c.train()
    c(x)
    assert c.compile_report()["signatures"] == 2  # training mode is part of the signature


def test_new_shape_compiles_again_and_function_compiles():
    c = galton.compile(nn.Sequential(nn.Linear(3, 4), nn.ReLU()))
    for n in (2, 2, 5, 5, 2):
        c(galton.randn(n, 3))
    rep = c.compile_report()
    assert rep["signatures"] == 2 and rep["compiled_calls"] == 3

    @galton.compile
    def f(x, y):
        return (x * y + 1).relu()
    x, y = galton.randn(4), galton.randn(4)
    for _ in range(2):
        assert galton.allclose(f(x, y), (x * y + 1).relu())
    assert f._galton_compiled.compile_report()["compiled_calls"] == 1


def test_graph_breaks_run_eagerly_and_are_reported(capsys):
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            y = self.lin(x)
            if y.sum() > 0:  # data-dependent control flow
                return y * 2
            return y - 1
    m = Branchy()
    c = galton.compile(m, report=True)
    for _ in range(3):
        x = galton.randn(4, 3)
        assert galton.allclose(c(x), m(x))
    rep = c.compile_report()
    assert rep["graph_breaks"] == 1 and rep["eager_calls"] == 3 and rep["compiled_calls"] == 0
    assert "graph break" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="fullgraph=True"):
        galton.compile(Branchy(), fullgraph=True)(galton.randn(4, 3))
    c2 = galton.compile(nn.Linear(3, 3))
    c2(galton.randn(2, 3), )
    assert c2.compile_report()["graph_breaks"] == 0


def test_second_derivative_through_a_fused_group():
    eager, comp = _twin(lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh()))
    x = galton.randn(2, 3)
    comp(x)
    grads = []
    for m in (eager, comp):
        xr = x.detach().requires_grad_()
        (g,) = galton.autograd.grad(m(xr).pow(2).sum(), xr, create_graph=True)
        (gg,) = galton.autograd.grad(g.sum(), xr)
        grads.append(gg.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_fused_op_errors_are_eagers():
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        fused.linear_act(galton.randn(2, 3), galton.randn(4, 5), None, "relu")


def test_reset():
    c = galton.compile(nn.Linear(2, 2))
    c(galton.randn(1, 2))
    galton.compiler.reset()
    assert c.compile_report()["signatures"] == 0 and compiled._all
