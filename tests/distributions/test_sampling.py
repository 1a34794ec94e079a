"""Sampling: moments of many seeded draws, reproducibility under galton.manual_seed, and the
reparameterised gradients of rsample (exact for Normal / Uniform / MultivariateNormal,
implicit for Gamma / Beta / Dirichlet: per draw against PyTorch's, and in expectation)."""
import numpy as np
import pytest
import torch

import galton
from galton import distributions as D

N = 20000


def _t(a, **kw):
    return galton.tensor(np.asarray(a, np.float64), **kw)


CASES = {
    "Normal": lambda: D.Normal(_t([0.0, 2.0]), _t([1.0, 0.5])),
    "Uniform": lambda: D.Uniform(_t([0.0, -1.0]), _t([1.0, 3.0])),
    "Bernoulli": lambda: D.Bernoulli(probs=_t([0.2, 0.7])),
    "Gamma": lambda: D.Gamma(_t([0.3, 2.0, 9.0]), _t([1.0, 2.0, 0.5])),
    "Beta": lambda: D.Beta(_t([0.5, 2.0]), _t([0.7, 5.0])),
    "Dirichlet": lambda: D.Dirichlet(_t([0.5, 1.0, 3.0])),
    "OneHotCategorical": lambda: D.OneHotCategorical(probs=_t([0.1, 0.6, 0.3])),
    "MultivariateNormal": lambda: D.MultivariateNormal(_t([1.0, -1.0]),
                                                       _t([[2.0, 0.6], [0.6, 1.0]])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_moments_of_many_draws(name):
    galton.manual_seed(0)
    d = CASES[name]()
    x = d.sample((N,)).numpy()
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    np.testing.assert_allclose(x.mean(0), mean, atol=5 * np.sqrt(var.max() / N))
    np.testing.assert_allclose(x.var(0), var, rtol=0.08, atol=1e-3)
    if name == "MultivariateNormal":
        np.testing.assert_allclose(np.cov(x.T), d.covariance_matrix.numpy(), atol=0.06)


def test_categorical_frequencies():
    galton.manual_seed(0)
    p = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    x = D.Categorical(probs=_t(p)).sample((N,)).numpy()
    assert x.dtype == np.int64 and x.shape == (N, 2)
    for b in range(2):
        freq = np.bincount(x[:, b], minlength=3) / N
        np.testing.assert_allclose(freq, p[b], atol=0.015)
    assert not (x[:, 1] == 1).any()  # a zero-probability category is never drawn


def test_seeded_draws_repeat():
    for make in CASES.values():
        galton.manual_seed(7)
        a = make().sample((3,)).numpy()
        galton.manual_seed(7)
        b = make().sample((3,)).numpy()
        np.testing.assert_array_equal(a, b)


def test_normal_and_uniform_rsample_gradients_are_exact():
    loc, scale = _t([0.5, -1.0], requires_grad=True), _t([2.0, 0.3], requires_grad=True)
    x = D.Normal(loc, scale).rsample((5,))
    x.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    eps = (x.detach().numpy() - loc.detach().numpy()) / scale.detach().numpy()
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0))
    low, high = _t([0.0, 1.0], requires_grad=True), _t([2.0, 1.5], requires_grad=True)
    x = D.Uniform(low, high).rsample((6,))
    x.sum().backward()
    u = (x.detach().numpy() - [0.0, 1.0]) / [2.0, 0.5]
    np.testing.assert_allclose(high.grad.numpy(), u.sum(0))
    np.testing.assert_allclose(low.grad.numpy(), (1 - u).sum(0))


def test_mvn_rsample_gradient():
    galton.manual_seed(0)
    a = _t([[1.0, 0.0], [0.5, 0.7]], requires_grad=True)
    loc = _t([0.0, 0.0], requires_grad=True)
    d = D.MultivariateNormal(loc, covariance_matrix=a @ a.mT + galton.eye(2, dtype=galton.float64))
    x = d.rsample((N,))
    (x ** 2).sum(-1).mean().backward()  # E|x|^2 = tr(A A^T) + 2: its gradient is 2A
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.detach().numpy(), atol=0.08)
    assert abs(loc.grad.numpy()).max() < 0.05  # 2 E[x] = 0
    for kw in ({"scale_tril": galton.eye(2)}, {"precision_matrix": galton.eye(2)}):
        assert D.MultivariateNormal(galton.zeros(2), **kw).rsample((3,)).shape == (3, 2)


def test_gamma_rsample_gradient_matches_pytorch_per_draw():
    galton.manual_seed(0)
    alpha = _t(np.array([0.05, 0.3, 1.0, 2.5, 8.0, 40.0, 300.0]).repeat(50), requires_grad=True)
    x = D.Gamma(alpha, 1.0).rsample()
    x.sum().backward()
    ref = torch._standard_gamma_grad(torch.tensor(alpha.detach().numpy()),
                                     torch.tensor(x.detach().numpy())).numpy()
    # PyTorch's is an approximation good to ~1e-3; ours follows the exact expansions
    np.testing.assert_allclose(alpha.grad.numpy(), ref, rtol=2e-3, atol=1e-12)


def test_gamma_rsample_gradient_in_expectation():
    galton.manual_seed(0)
    c, r = _t([0.4, 3.0], requires_grad=True), _t([2.0, 0.5], requires_grad=True)
    D.Gamma(c, r).rsample((N,)).mean(0).sum().backward()  # E[x] = c / r
    np.testing.assert_allclose(c.grad.numpy(), [1 / 2.0, 1 / 0.5], rtol=0.05)
    np.testing.assert_allclose(r.grad.numpy(), [-0.4 / 4.0, -3.0 / 0.25], rtol=0.05)


def test_beta_and_dirichlet_rsample_gradients_in_expectation():
    galton.manual_seed(0)
    a = _t([0.5, 1.0, 3.0], requires_grad=True)
    w = np.array([1.0, -2.0, 0.5])
    (D.Dirichlet(a).rsample((N,)) * galton.tensor(w)).sum(-1).mean().backward()
    a0 = 4.5
    jac = np.eye(3) / a0 - np.array([0.5, 1.0, 3.0])[None, :] / a0 ** 2  # d E[x_j] / d a_i
    np.testing.assert_allclose(a.grad.numpy(), jac @ w, atol=0.02)
    c1, c0 = _t(2.0, requires_grad=True), _t(3.0, requires_grad=True)
    D.Beta(c1, c0).rsample((N,)).mean().backward()  # E = c1 / (c1 + c0)
    np.testing.assert_allclose([c1.grad.item(), c0.grad.item()], [3 / 25, -2 / 25], atol=0.01)


def test_sample_is_outside_the_graph_and_rsample_inside():
    loc = galton.zeros(2, requires_grad=True)
    d = D.Normal(loc, 1.0)
    assert not d.sample().requires_grad
    assert d.rsample().requires_grad
    for d in (D.Bernoulli(0.3), D.Categorical(galton.ones(3))):
        with pytest.raises(NotImplementedError):
            d.rsample()


def test_implicit_gamma_gradient_against_inverting_the_cdf():
    # dx/da at a fixed quantile, by finite differences of x(a) = P^-1(u; a) found by bisection
    from galton.distributions._gamma_ops import gammainc_array, standard_gamma_grad_array
    a = np.array([0.02, 0.3, 0.9, 1.0, 2.5, 7.0, 30.0, 400.0]).repeat(3)
    x = np.maximum(a + np.tile([-1.0, 0.0, 2.0], 8) * np.sqrt(a), a / 5)  # bulk and tail
    u = gammainc_array(a, x)

    def inverse(a_new):
        lo, hi = np.zeros_like(x), x * 3 + 30
        for _ in range(60):
            mid = (lo + hi) / 2
            below = gammainc_array(a_new, mid) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return (lo + hi) / 2
    h = 1e-5 * a
    fd = (inverse(a + h) - inverse(a - h)) / (2 * h)
    np.testing.assert_allclose(standard_gamma_grad_array(a, x), fd, rtol=1e-5)
    # P itself: PyTorch's igamma switches to an asymptotic series for large a (~1e-9 there)
    np.testing.assert_allclose(u, torch.special.gammainc(torch.tensor(a), torch.tensor(x)),
                               rtol=1e-8)
