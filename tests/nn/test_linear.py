"""Identity, Linear and Bilinear against torch.nn with the same weights."""
import math

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.nn.linear import bilinear
from tests.oracle import gradcheck


def twin(t_module, g_module):
    g_module.load_state_dict({k: galton.tensor(v.numpy())
                              for k, v in t_module.state_dict().items()})
    return t_module, g_module


def run_both(tm, gm, arrays):
    """Forward both modules on the same inputs, backprop the same seed, compare everything."""
    rng = np.random.default_rng(3)
    tx = [torch.tensor(a, requires_grad=True) for a in arrays]
    gx = [galton.tensor(a, requires_grad=True) for a in arrays]
    tout, gout = tm(*tx), gm(*gx)
    assert tuple(gout.shape) == tuple(tout.shape)
    tol = dict(rtol=1e-5, atol=1e-5) if arrays[0].dtype == np.float32 else dict(rtol=1e-10)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), **tol)
    seed = rng.standard_normal(tuple(tout.shape)).astype(arrays[0].dtype)
    (tout * torch.tensor(seed)).sum().backward()
    (gout * galton.tensor(seed)).sum().backward()
    for t, g in zip(tx, gx):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), **tol)
    for (n, tp), (_, gp) in zip(tm.named_parameters(), gm.named_parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), err_msg=n, **tol)


@pytest.mark.parametrize("shape", [(4,), (5, 4), (2, 3, 4), (2, 1, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    tm, gm = twin(torch.nn.Linear(4, 3, bias=bias), gnn.Linear(4, 3, bias=bias))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    run_both(tm, gm, [x])


def test_linear_float64_and_non_contiguous_input():
    tm, gm = twin(torch.nn.Linear(4, 3).double(), gnn.Linear(4, 3, dtype=galton.float64))
    x = np.random.default_rng(1).standard_normal((4, 6)).T  # a transposed (non-contiguous) view
    assert not x.flags.c_contiguous
    run_both(tm, gm, [x[:, :4].copy()])
    gx = galton.tensor(np.random.default_rng(1).standard_normal((4, 6))).t()[:, :4]
    tx = torch.tensor(gx.detach().numpy())
    np.testing.assert_allclose(gm(gx).detach().numpy(), tm(tx).detach().numpy(), rtol=1e-10)


def test_linear_gradcheck():
    lin = gnn.Linear(4, 3, dtype=galton.float64)
    x = galton.randn(2, 4, dtype=galton.float64, requires_grad=True)
    assert galton.autograd.gradcheck(lambda x, w, b: lin(x), (x, lin.weight, lin.bias))
    x3 = galton.randn(2, 2, 4, dtype=galton.float64, requires_grad=True)
    assert galton.autograd.gradcheck(lambda x, w, b: lin(x), (x3, lin.weight, lin.bias))


def test_linear_attributes_repr_and_dtype_device():
    m = gnn.Linear(784, 100)
    assert m.extra_repr() == "in_features=784, out_features=100, bias=True"
    assert repr(m) == repr(torch.nn.Linear(784, 100))
    assert repr(gnn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))
    assert tuple(m.weight.shape) == (100, 784) and tuple(m.bias.shape) == (100,)
    assert m.in_features == 784 and m.out_features == 100
    assert isinstance(m.weight, gnn.Parameter) and m.weight.requires_grad
    nb = gnn.Linear(3, 2, bias=False)
    assert nb.bias is None and [n for n, _ in nb.named_parameters()] == ["weight"]
    d = gnn.Linear(3, 2, device="cpu", dtype=galton.float64)
    assert d.weight.dtype == galton.float64 and d.bias.dtype == galton.float64
    assert str(d.weight.device) == "cpu"


def test_linear_init_within_bounds_and_statistics():
    m = gnn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound): std = bound / sqrt(3), mean 0; 120,000 draws pin both down tightly
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(w.mean()) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound  # really spread over the whole range


def test_linear_init_follows_galton_seed():
    galton.manual_seed(123)
    a = gnn.Linear(5, 4).weight.detach().numpy().copy()
    galton.manual_seed(123)
    b = gnn.Linear(5, 4).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gnn.Linear(5, 4).weight.detach().numpy())


def _relu():
    if hasattr(gnn, "ReLU"):
        return gnn.ReLU()

    class ReLU(gnn.Module):  # nn.ReLU may not be written yet; it has no parameters either way
        def forward(self, x):
            return galton.relu(x)
    return ReLU()


def test_parameter_counts():
    mlp = gnn.Sequential(gnn.Linear(784, 100), _relu(), gnn.Linear(100, 10))
    assert sum(p.numel() for p in mlp.parameters()) == 79_510
    fashion = gnn.Sequential(gnn.Flatten(), gnn.Linear(784, 128), _relu(), gnn.Linear(128, 10))
    assert sum(p.numel() for p in fashion.parameters()) == 101_770
    assert fashion(galton.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_linear_wrong_shape_error_names_layer_and_shapes():
    m = gnn.Linear(784, 100)
    with pytest.raises(RuntimeError) as e:
        m(galton.zeros(64, 28, 28))
    assert str(e.value) == ("Linear(784 -> 100) got input of shape (64, 28, 28): last dimension "
                            "must be 784")
    with pytest.raises(RuntimeError, match=r"got input of shape \(\)"):
        m(galton.tensor(1.0))


def test_linear_dtype_mismatch_is_an_error_like_torch():
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.nn.Linear(3, 2)(torch.zeros(1, 3, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="same dtype"):
        gnn.Linear(3, 2)(galton.zeros(1, 3, dtype=galton.float64))


def test_identity():
    m = gnn.Identity(54, unused="anything")
    x = galton.randn(3, requires_grad=True)
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Identity(54, unused="anything"))
    assert list(m.parameters()) == []


@pytest.mark.parametrize("shapes", [((5, 3), (5, 4)), ((3,), (4,)), ((2, 3, 3), (2, 3, 4))])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(shapes, bias):
    tm, gm = twin(torch.nn.Bilinear(3, 4, 2, bias=bias), gnn.Bilinear(3, 4, 2, bias=bias))
    rng = np.random.default_rng(4)
    run_both(tm, gm, [rng.standard_normal(s).astype(np.float32) for s in shapes])


def test_bilinear_gradcheck():
    gradcheck(lambda t, a, c, w, b: bilinear(a, c, w, b), [(3, 2), (3, 4), (2, 2, 4), (2,)])
    gradcheck(lambda t, a, c, w: bilinear(a, c, w), [(2, 2, 3), (2, 2, 2), (3, 3, 2)])


def test_bilinear_init_repr_and_errors():
    m = gnn.Bilinear(20, 30, 40)
    assert repr(m) == repr(torch.nn.Bilinear(20, 30, 40))
    assert tuple(m.weight.shape) == (40, 20, 30) and tuple(m.bias.shape) == (40,)
    bound = 1 / math.sqrt(20)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert m(galton.randn(128, 20), galton.randn(128, 30)).shape == (128, 40)
    with pytest.raises(RuntimeError, match=r"Bilinear\(20, 30 -> 40\).*\(4, 21\) and \(4, 30\)"):
        m(galton.zeros(4, 21), galton.zeros(4, 30))
    with pytest.raises(RuntimeError, match="batch dimensions do not match"):
        m(galton.zeros(4, 20), galton.zeros(5, 30))
