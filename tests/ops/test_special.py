"""lgamma, digamma, polygamma, erfinv against PyTorch (values over a wide range, poles,
gradients) and float64 finite differences."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

X = np.concatenate([np.linspace(-7.3, -0.05, 40), np.linspace(1e-3, 3, 40),
                    np.geomspace(3, 1e6, 30), [1e-30, 0.5, 1.0, 2.0]])


@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_gamma_family_values(name):
    g = getattr(galton, name)(galton.tensor(X)).numpy()
    t = getattr(torch, name)(torch.tensor(X)).numpy()
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-12)
    compare(lambda m, x: getattr(m, name)(x), None, inputs=[X.astype(np.float32)], rtol=1e-4)
    compare(lambda m, x: getattr(x, name)(), None, inputs=[X.astype(np.float32)], rtol=1e-4)
    gradcheck(lambda m, x: getattr(m, name)(x), [(3, 4)], positive=True)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_polygamma(n):
    x = X[X > -3]
    g = galton.polygamma(n, galton.tensor(x)).numpy()
    t = torch.polygamma(n, torch.tensor(x)).numpy()
    np.testing.assert_allclose(g, t, rtol=1e-8)  # PyTorch's trigamma holds ~1e-10
    compare(lambda m, x: m.polygamma(n, x), [(5,)], positive=True, rtol=1e-4)
    compare(lambda m, x: x.polygamma(n), [(5,)], positive=True, rtol=1e-4)
    gradcheck(lambda m, x: m.polygamma(n, x), [(5,)], positive=True)


def test_poles_match_pytorch():
    poles = [0.0, -1.0, -3.0]
    for name in ["lgamma", "digamma"]:
        np.testing.assert_array_equal(getattr(galton, name)(galton.tensor(poles)).numpy(),
                                      getattr(torch, name)(torch.tensor(poles)).numpy())
    assert galton.polygamma(2, galton.tensor([0.0])).item() == -np.inf
    assert galton.polygamma(1, galton.tensor([0.0])).item() == np.inf


def test_erfinv():
    y = np.concatenate([np.linspace(-0.999, 0.999, 201), [1 - 1e-12, -1 + 1e-15, 1e-20]])
    g = galton.erfinv(galton.tensor(y)).numpy()
    t = torch.erfinv(torch.tensor(y)).numpy()
    np.testing.assert_allclose(g, t, rtol=1e-11, atol=1e-300)
    edge = galton.erfinv(galton.tensor([1.0, -1.0, 1.5, 0.0])).numpy()
    np.testing.assert_array_equal(edge, torch.erfinv(torch.tensor([1.0, -1.0, 1.5, 0.0])).numpy())
    compare(lambda m, x: m.erfinv(x.tanh()), [(4, 5)], rtol=1e-4)
    compare(lambda m, x: x.tanh().erfinv(), [(4, 5)], rtol=1e-4)
    gradcheck(lambda m, x: m.erfinv(x.tanh() * 0.9), [(3, 4)])


def test_negative_order_is_an_error():
    with pytest.raises(RuntimeError, match="does not support negative n"):
        galton.polygamma(-1, galton.ones(2))
