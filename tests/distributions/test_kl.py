"""kl_divergence for every pair PyTorch registers among these distributions: values and
gradients against PyTorch 2.13, the infinite pairs, dispatch and the error."""
import numpy as np
import pytest
import torch

import galton

R = np.random.default_rng(3)


def _pos(*shape):
    return np.abs(R.standard_normal(shape)) + 0.5


def _spd(n):
    x = R.standard_normal((n, n))
    return x @ x.T + n * np.eye(n)


MAKERS = {
    "Normal": (lambda m, a, b: m.distributions.Normal(a, b), lambda: [R.standard_normal(3), _pos(3)]),
    "Uniform": (lambda m, a, w: m.distributions.Uniform(a, a + w), lambda: [R.random(3) * 0.2 + 0.05, R.random(3) * 0.3 + 0.2]),
    "WideUniform": (lambda m, a, w: m.distributions.Uniform(a, a + w), lambda: [R.random(3) - 2, 4 + R.random(3)]),
    "Bernoulli": (lambda m, l: m.distributions.Bernoulli(logits=l), lambda: [R.standard_normal(3)]),
    "Categorical": (lambda m, p: m.distributions.Categorical(probs=p), lambda: [_pos(2, 4)]),
    "OneHotCategorical": (lambda m, l: m.distributions.OneHotCategorical(logits=l), lambda: [R.standard_normal((2, 4))]),
    "Gamma": (lambda m, c, r: m.distributions.Gamma(c, r), lambda: [_pos(3), _pos(3)]),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), lambda: [_pos(3), _pos(3)]),
    "Dirichlet": (lambda m, c: m.distributions.Dirichlet(c), lambda: [_pos(2, 4)]),
    "MVN": (lambda m, loc, c: m.distributions.MultivariateNormal(loc, c @ c.mT + m.eye(3, dtype=c.dtype)),
            lambda: [R.standard_normal((2, 3)), R.standard_normal((3, 3))]),
    "Independent": (lambda m, a, b: m.distributions.Independent(m.distributions.Normal(a, b), 1),
                    lambda: [R.standard_normal((2, 3)), _pos(3)]),
}

PAIRS = [("Normal", "Normal"), ("Uniform", "Uniform"), ("Uniform", "WideUniform"),
         ("WideUniform", "Uniform"), ("Bernoulli", "Bernoulli"), ("Categorical", "Categorical"),
         ("OneHotCategorical", "OneHotCategorical"), ("Gamma", "Gamma"), ("Beta", "Beta"),
         ("Dirichlet", "Dirichlet"), ("MVN", "MVN"), ("Independent", "Independent"),
         ("Beta", "Gamma"), ("Beta", "Normal"), ("Beta", "WideUniform"), ("Beta", "Uniform"),
         ("Gamma", "Normal"), ("Uniform", "Beta"), ("WideUniform", "Beta"), ("Uniform", "Gamma"),
         ("Uniform", "Normal"), ("Normal", "Uniform"), ("Normal", "Beta"), ("Normal", "Gamma"),
         ("Gamma", "Uniform"), ("Gamma", "Beta")]


@pytest.mark.parametrize("p_name,q_name", PAIRS)
def test_kl_against_pytorch(p_name, q_name):
    (p_make, p_args), (q_make, q_args) = MAKERS[p_name], MAKERS[q_name]
    arrays = p_args(), q_args()
    outs, params = [], []
    for m in (galton, torch):
        ps = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays[0]]
        qs = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays[1]]
        outs.append(m.distributions.kl_divergence(p_make(m, *ps), q_make(m, *qs)))
        params.append(ps + qs)
    g, t = outs
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-8)
    if t.requires_grad and np.isfinite(t.detach().numpy()).all():
        t.sum().backward()
        g.sum().backward()
        for gp, tp in zip(*params):
            if tp.grad is None:
                continue
            np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-10)


def test_dispatch_and_errors():
    D = galton.distributions

    class MyNormal(D.Normal):
        pass
    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    assert abs(D.kl_divergence(p, q).item() - D.kl_divergence(D.Normal(0.0, 1.0), q).item()) < 1e-7
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p "
                                                  "type Bernoulli and q type Normal"):
        D.kl_divergence(D.Bernoulli(0.3), q)

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return galton.tensor(42.0)
    assert D.kl_divergence(p, q).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), q).item() != 42.0
