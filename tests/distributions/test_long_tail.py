"""The distributions added for the long tail (issue 13) beyond the value tests of
test_values.py: moments of many draws, rsample gradients, transforms (inverse, Jacobian,
caching), KL divergences against PyTorch 2.13, and the squashed-Gaussian idiom of SAC."""
import numpy as np
import pytest
import torch

import galton
from galton import distributions as D

N = 20000


def _t(a, **kw):
    return galton.tensor(np.asarray(a, np.float64), **kw)


SAMPLED = {
    "Exponential": lambda: D.Exponential(_t([0.5, 3.0])),
    "Laplace": lambda: D.Laplace(_t([0.0, 2.0]), _t([1.0, 0.3])),
    "StudentT": lambda: D.StudentT(_t([5.0, 9.0]), _t([1.0, -1.0]), _t([2.0, 0.5])),
    "Chi2": lambda: D.Chi2(_t([1.5, 6.0])),
    "LogNormal": lambda: D.LogNormal(_t([0.0, 1.0]), _t([0.3, 0.2])),
    "HalfNormal": lambda: D.HalfNormal(_t([1.0, 2.0])),
    "Gumbel": lambda: D.Gumbel(_t([0.0, 3.0]), _t([1.0, 0.5])),
    "Weibull": lambda: D.Weibull(_t([1.0, 2.0]), _t([1.5, 3.0])),
    "Pareto": lambda: D.Pareto(_t([1.0, 0.5]), _t([5.0, 8.0])),
    "Poisson": lambda: D.Poisson(_t([0.5, 7.0])),
    "Binomial": lambda: D.Binomial(10, probs=_t([0.2, 0.9])),
    "Geometric": lambda: D.Geometric(probs=_t([0.3, 0.8])),
    "NegativeBinomial": lambda: D.NegativeBinomial(_t([3.0, 10.0]), probs=_t([0.4, 0.2])),
    "Multinomial": lambda: D.Multinomial(8, probs=_t([0.1, 0.3, 0.6])),
    "MixtureSameFamily": lambda: D.MixtureSameFamily(D.Categorical(probs=_t([0.3, 0.7])),
                                                     D.Normal(_t([-2.0, 1.0]), _t([0.5, 1.0]))),
    "RelaxedBernoulli": lambda: D.RelaxedBernoulli(_t(0.5), probs=_t([0.3, 0.8])),
}


@pytest.mark.parametrize("name", list(SAMPLED))
def test_moments_of_many_draws(name):
    galton.manual_seed(0)
    d = SAMPLED[name]()
    x = d.sample((N,)).numpy()
    if name == "RelaxedBernoulli":  # no closed-form mean: check against PyTorch's draws
        torch.manual_seed(0)
        ref = torch.distributions.RelaxedBernoulli(torch.tensor(0.5, dtype=torch.float64),
                                                   probs=torch.tensor([0.3, 0.8])).sample((N,))
        np.testing.assert_allclose(x.mean(0), ref.numpy().mean(0), atol=0.02)
        return
    mean, var = d.mean.detach().numpy(), d.variance.detach().numpy()
    np.testing.assert_allclose(x.mean(0), mean, atol=5 * np.sqrt(var.max() / N))
    np.testing.assert_allclose(x.var(0), var, rtol=0.1, atol=1e-3)


@pytest.mark.parametrize("name", ["Exponential", "Laplace", "Cauchy", "LogNormal", "Gumbel",
                                  "HalfNormal", "Weibull", "Pareto"])
def test_rsample_is_the_icdf_of_its_uniform_draw(name):
    """rsample's gradient to the parameters is the icdf's: d/dθ F^-1(u; θ) at the draw."""
    make = {"Exponential": lambda p: D.Exponential(p[1]), "Laplace": lambda p: D.Laplace(*p),
            "Cauchy": lambda p: D.Cauchy(*p), "LogNormal": lambda p: D.LogNormal(*p),
            "Gumbel": lambda p: D.Gumbel(*p), "HalfNormal": lambda p: D.HalfNormal(p[1]),
            "Weibull": lambda p: D.Weibull(p[1], p[1] + 1),
            "Pareto": lambda p: D.Pareto(p[1], p[1] + 2)}[name]
    params = [_t([0.3, -0.4], requires_grad=True), _t([1.2, 0.7], requires_grad=True)]
    galton.manual_seed(3)
    x = make(params).rsample()
    x.sum().backward()
    grads = [p.grad.numpy().copy() if p.grad is not None else np.zeros(2) for p in params]
    u = make([p.detach() for p in params]).cdf(x.detach())
    for p in params:
        p.grad = None
    make(params).icdf(u).sum().backward()
    for g, p in zip(grads, params):
        np.testing.assert_allclose(g, p.grad.numpy() if p.grad is not None else 0,
                                   rtol=1e-6, atol=1e-9)


def test_studentt_rsample_gradient_in_expectation():
    """d/d loc E[X] = 1 and d/d scale E[|X - loc|] = E|T| (T standard), from rsample."""
    loc, scale = _t(0.5, requires_grad=True), _t(2.0, requires_grad=True)
    galton.manual_seed(1)
    x = D.StudentT(_t(6.0), loc, scale).rsample((N,))
    ((x - loc).abs().mean() + x.mean()).backward()
    assert loc.grad.item() == pytest.approx(1.0, abs=1e-9)
    t6 = torch.distributions.StudentT(6.0).sample((200000,)).abs().mean().item()
    assert scale.grad.item() == pytest.approx(t6, rel=0.03)


def test_squashed_gaussian_policy_as_in_sac():
    """The idiom: rsample through tanh with cache_size=1, log_prob of that very sample."""
    loc, log_std = _t([0.2, -0.1], requires_grad=True), _t([-0.5, 0.3], requires_grad=True)
    d = D.TransformedDistribution(D.Normal(loc, log_std.exp()), [D.TanhTransform(cache_size=1)])
    galton.manual_seed(0)
    a = d.rsample()
    lp = d.log_prob(a)
    # the cached pre-image: exactly the Gaussian draw, so log_prob matches its formula
    pre = d.base_dist.loc + (a.detach().atanh() - d.base_dist.loc).detach()
    expected = D.Normal(loc, log_std.exp()).log_prob(pre) - (1 - a.detach() ** 2).log()
    np.testing.assert_allclose(lp.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    (lp.sum() + a.sum()).backward()
    assert loc.grad is not None and log_std.grad is not None
    tl, ts = (torch.tensor(v.detach().numpy(), requires_grad=True) for v in (loc, log_std))
    td = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(tl, ts.exp()),
        [torch.distributions.transforms.TanhTransform(cache_size=1)])
    eps = ((a.detach().atanh() - loc.detach()) / log_std.detach().exp()).numpy()
    ta = td.transforms[0](tl + ts.exp() * torch.tensor(eps))
    (td.log_prob(ta).sum() + ta.sum()).backward()
    np.testing.assert_allclose(loc.grad.numpy(), tl.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(log_std.grad.numpy(), ts.grad.numpy(), rtol=1e-6)


TRANSFORMS = {
    "Exp": lambda m, x: m.distributions.ExpTransform(),
    "Sigmoid": lambda m, x: m.distributions.SigmoidTransform(),
    "Tanh": lambda m, x: m.distributions.TanhTransform(),
    "Softplus": lambda m, x: m.distributions.SoftplusTransform(),
    "Affine": lambda m, x: m.distributions.AffineTransform(x * 0 + 0.5, x * 0 - 2.0),
    "Power": lambda m, x: m.distributions.PowerTransform(m.tensor(1.7, dtype=x.dtype)),
    "StickBreaking": lambda m, x: m.distributions.transforms.StickBreakingTransform(),
    "Compose": lambda m, x: m.distributions.ComposeTransform(
        [m.distributions.SoftplusTransform(), m.distributions.AffineTransform(1.0, 3.0)]),
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transforms_against_pytorch(name):
    x0 = np.abs(np.random.default_rng(0).standard_normal(5)) + 0.2
    out = []
    for m in (galton, torch):
        x = m.tensor(x0, requires_grad=True)
        t = TRANSFORMS[name](m, x.detach())
        y = t(x)
        j = t.log_abs_det_jacobian(x, y)
        if name == "StickBreaking":  # a vector map: y is one element longer
            j = j.unsqueeze(-1)
        back = t.inv(y.detach())
        (y.sum() + j.sum()).backward()
        try:
            sign = t.sign if isinstance(t.sign, int) else t.sign.numpy()
        except NotImplementedError:  # not monotone (or PyTorch does not say): neither here
            sign = None
        out.append([v.detach().numpy() for v in (y, j, back, x.grad)] + [sign, t.bijective])
    for a, b in zip(*out):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def test_transform_equality_and_inverse():
    assert D.ExpTransform() == D.ExpTransform() and D.ExpTransform() != D.SigmoidTransform()
    assert D.AffineTransform(1.0, 2.0) == D.AffineTransform(1.0, 2.0)
    assert D.AffineTransform(1.0, 2.0) != D.AffineTransform(1.0, 3.0)
    t = D.ExpTransform()
    assert t.inv.inv is t and t.inv.domain is t.codomain
    assert D.identity_transform(_t([1.0])).item() == 1.0


R = np.random.default_rng(5)
KL_MAKERS = {
    "Exponential": lambda m, a, b: m.distributions.Exponential(a),
    "Laplace": lambda m, a, b: m.distributions.Laplace(a - 1, b),
    "Cauchy": lambda m, a, b: m.distributions.Cauchy(a - 1, b),
    "Poisson": lambda m, a, b: m.distributions.Poisson(a),
    "Geometric": lambda m, a, b: m.distributions.Geometric(probs=a / (a + b)),
    "Binomial": lambda m, a, b: m.distributions.Binomial(4, probs=a / (a + b)),
    "Gumbel": lambda m, a, b: m.distributions.Gumbel(a, b),
    "HalfNormal": lambda m, a, b: m.distributions.HalfNormal(b),
    "Pareto": lambda m, a, b: m.distributions.Pareto(b, a + 1),
    "LogNormal": lambda m, a, b: m.distributions.LogNormal(a, b),
}


@pytest.mark.parametrize("name", list(KL_MAKERS))
def test_kl_against_pytorch(name):
    arrays = [np.abs(R.standard_normal(3)) + 0.5 for _ in range(4)]
    outs, params = [], []
    for m in (galton, torch):
        ps = [m.tensor(a, requires_grad=True) for a in arrays]
        outs.append(m.distributions.kl_divergence(KL_MAKERS[name](m, ps[0], ps[1]),
                                                  KL_MAKERS[name](m, ps[2], ps[3])))
        params.append(ps)
    g, t = outs
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-8)
    finite = np.isfinite(t.detach().numpy())
    (t * torch.tensor(finite.astype(float))).sum().backward()
    (g * galton.tensor(finite.astype(float))).sum().backward()
    for gp, tp in zip(*params):
        if tp.grad is not None:
            np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-10)


def test_errors_match_pytorch():
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Binomial(3)
    with pytest.raises(ValueError, match="parameter rate"):
        D.Exponential(_t([-1.0]))
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(logits=_t([0.0, 1.0])), D.Normal(_t([0.0] * 3), 1.0))
    with pytest.raises(ValueError, match="within the support"):
        D.Poisson(_t([1.0])).log_prob(_t([0.5]))
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Binomial(2, probs=_t([0.3])), D.Binomial(5, probs=_t([0.3])))


def test_straight_through_and_exponential_family():
    logits = _t([0.2, -1.0, 0.5], requires_grad=True)
    d = D.OneHotCategoricalStraightThrough(logits=logits)
    galton.manual_seed(0)
    s = d.rsample()
    assert sorted(s.detach().numpy().tolist()) == [0.0, 0.0, 1.0]
    (s * _t([1.0, 2.0, 3.0])).sum().backward()
    tl = torch.tensor(logits.detach().numpy(), requires_grad=True)
    p = torch.softmax(tl, -1)
    (p * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), tl.grad.numpy(), rtol=1e-12)

    class Exp(D.ExponentialFamily):  # Exponential(rate) written as a family: θ = -rate
        def __init__(self, rate):
            self.rate = rate
            super().__init__(rate.shape, validate_args=False)

        _natural_params = property(lambda self: (-self.rate,))
        _mean_carrier_measure = 0

        def _log_normalizer(self, x):
            return -(-x).log()
    np.testing.assert_allclose(Exp(_t([0.5, 2.0])).entropy().detach().numpy(),
                               D.Exponential(_t([0.5, 2.0])).entropy().numpy(), rtol=1e-12)
