"""The distributions under test, each built the same way in galton and in PyTorch from the
same parameter arrays, and a value inside its support."""
import numpy as np

R = np.random.default_rng(0)


def _pos(*shape):
    return (np.abs(R.standard_normal(shape)) + 0.5).astype(np.float64)


def _spd(n, batch=()):
    x = R.standard_normal(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _simplex(*shape):
    p = np.abs(R.standard_normal(shape)) + 0.1
    return p / p.sum(-1, keepdims=True)


# name -> (constructor(m, *params), parameter arrays, a value in the support)
CASES = {
    "Normal": (lambda m, loc, scale: m.distributions.Normal(loc, scale),
               [R.standard_normal((2, 3)), _pos(3)], R.standard_normal((4, 2, 3))),
    "Uniform": (lambda m, low, width: m.distributions.Uniform(low, low + width),
                [R.standard_normal(3), _pos(3)], None),
    "Bernoulli(probs)": (lambda m, p: m.distributions.Bernoulli(probs=p),
                         [_simplex(3, 2)[..., 0]], (R.random((4, 3)) < 0.5).astype(np.float64)),
    "Bernoulli(logits)": (lambda m, l: m.distributions.Bernoulli(logits=l),
                          [R.standard_normal(3)], (R.random((4, 3)) < 0.5).astype(np.float64)),
    "Categorical(probs)": (lambda m, p: m.distributions.Categorical(probs=p),
                           [_simplex(2, 4)], R.integers(0, 4, (5, 2))),
    "Categorical(logits)": (lambda m, l: m.distributions.Categorical(logits=l),
                            [R.standard_normal((2, 4))], R.integers(0, 4, (5, 1))),
    "OneHotCategorical": (lambda m, l: m.distributions.OneHotCategorical(logits=l),
                          [R.standard_normal((2, 4))], np.eye(4)[R.integers(0, 4, (5, 2))]),
    "Gamma": (lambda m, c, r: m.distributions.Gamma(c, r), [_pos(2, 3), _pos(3)],
              _pos(4, 2, 3)),
    "Beta": (lambda m, a, b: m.distributions.Beta(a, b), [_pos(3), _pos(2, 3)],
             _simplex(4, 2, 3, 2)[..., 0]),
    "Dirichlet": (lambda m, c: m.distributions.Dirichlet(c), [_pos(2, 4)], _simplex(5, 2, 4)),
    "MVN(cov)": (lambda m, loc, x: m.distributions.MultivariateNormal(
        loc, covariance_matrix=x @ x.mT + 3 * m.eye(3, dtype=x.dtype)),
        [R.standard_normal((2, 3)), R.standard_normal((3, 3))], R.standard_normal((4, 2, 3))),
    "MVN(precision)": (lambda m, loc, x: m.distributions.MultivariateNormal(
        loc, precision_matrix=x @ x.mT + 3 * m.eye(3, dtype=x.dtype)),
        [R.standard_normal(3), R.standard_normal((2, 3, 3))], R.standard_normal((4, 2, 3))),
    "MVN(scale_tril)": (lambda m, loc, x: m.distributions.MultivariateNormal(
        loc, scale_tril=x.tril(-1) + m.eye(3, dtype=x.dtype) * x.exp()),
        [R.standard_normal(3), R.standard_normal((3, 3))], R.standard_normal((4, 3))),
    "Independent": (lambda m, loc, scale: m.distributions.Independent(
        m.distributions.Normal(loc, scale), 1), [R.standard_normal((2, 3)), _pos(3)],
        R.standard_normal((4, 2, 3))),
    # the long tail (issue 13): direct, transformed, discrete, relaxed, mixtures
    "Exponential": (lambda m, r: m.distributions.Exponential(r), [_pos(2, 3)], _pos(4, 2, 3)),
    "Laplace": (lambda m, loc, scale: m.distributions.Laplace(loc, scale),
                [R.standard_normal((2, 3)), _pos(3)], R.standard_normal((4, 2, 3))),
    "Cauchy": (lambda m, loc, scale: m.distributions.Cauchy(loc, scale),
               [R.standard_normal(3), _pos(2, 3)], R.standard_normal((4, 2, 3))),
    "StudentT": (lambda m, df, loc, scale: m.distributions.StudentT(df, loc, scale),
                 [_pos(3) * 3, R.standard_normal(3), _pos(3)], R.standard_normal((4, 3))),
    "StudentT(df<=2)": (lambda m, df: m.distributions.StudentT(df),
                        [np.array([0.7, 1.5, 2.5])], R.standard_normal((4, 3))),
    "Chi2": (lambda m, df: m.distributions.Chi2(df), [_pos(3) * 2], _pos(4, 3)),
    "LogNormal": (lambda m, loc, scale: m.distributions.LogNormal(loc, scale),
                  [R.standard_normal((2, 3)), _pos(3)], _pos(4, 2, 3)),
    "HalfNormal": (lambda m, scale: m.distributions.HalfNormal(scale), [_pos(2, 3)],
                   _pos(4, 2, 3)),
    "HalfCauchy": (lambda m, scale: m.distributions.HalfCauchy(scale), [_pos(3)], _pos(4, 3)),
    "Gumbel": (lambda m, loc, scale: m.distributions.Gumbel(loc, scale),
               [R.standard_normal(3), _pos(3)], R.standard_normal((4, 3))),
    "Weibull": (lambda m, scale, k: m.distributions.Weibull(scale, k), [_pos(3), _pos(3) * 2],
                _pos(4, 3)),
    "Pareto": (lambda m, scale, alpha: m.distributions.Pareto(scale, alpha),
               [_pos(3) * 0.2, _pos(3) * 3], _pos(4, 3) + 1.0),
    "TransformedDistribution(tanh)": (
        lambda m, loc, scale: m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale), [m.distributions.TanhTransform()]),
        [R.standard_normal(3) * 0.3, _pos(3)], np.tanh(R.standard_normal((4, 3)))),
    "TransformedDistribution(affine, sigmoid)": (
        lambda m, loc, scale, a: m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale),
            [m.distributions.AffineTransform(a, 2.0), m.distributions.SigmoidTransform()]),
        [R.standard_normal(3), _pos(3), R.standard_normal(3)], R.random((4, 3)) * 0.9 + 0.05),
    "TransformedDistribution(softplus, power)": (
        lambda m, loc, scale: m.distributions.TransformedDistribution(
            m.distributions.Normal(loc, scale),
            m.distributions.ComposeTransform([m.distributions.SoftplusTransform(),
                                              m.distributions.PowerTransform(
                                                  m.tensor(1.5, dtype=loc.dtype))])),
        [R.standard_normal(3), _pos(3)], _pos(4, 3)),
    "Poisson": (lambda m, r: m.distributions.Poisson(r), [_pos(2, 3) * 3],
                R.integers(0, 8, (4, 2, 3)).astype(np.float64)),
    "Binomial": (lambda m, p: m.distributions.Binomial(5, probs=p), [_simplex(3, 2)[..., 0]],
                 R.integers(0, 6, (4, 3)).astype(np.float64)),
    "Binomial(logits)": (lambda m, l: m.distributions.Binomial(
        m.tensor([7.0, 7.0, 7.0], dtype=l.dtype), logits=l), [R.standard_normal(3)],
        np.array([[0.0, 7.0, 4.0]])),
    "Geometric": (lambda m, p: m.distributions.Geometric(probs=p), [_simplex(3, 2)[..., 0]],
                  R.integers(0, 6, (4, 3)).astype(np.float64)),
    "Geometric(logits)": (lambda m, l: m.distributions.Geometric(logits=l),
                          [R.standard_normal((2, 3))], R.integers(0, 6, (4, 2, 3)).astype(np.float64)),
    "NegativeBinomial": (lambda m, r, l: m.distributions.NegativeBinomial(r, logits=l),
                         [_pos(3) * 3, R.standard_normal(3)],
                         R.integers(0, 9, (4, 3)).astype(np.float64)),
    "Multinomial": (lambda m, p: m.distributions.Multinomial(6, probs=p), [_simplex(2, 4)],
                    R.multinomial(6, [0.25] * 4, (5, 2)).astype(np.float64)),
    "RelaxedBernoulli": (lambda m, l: m.distributions.RelaxedBernoulli(
        m.tensor(0.7, dtype=l.dtype), logits=l), [R.standard_normal(3)],
        R.random((4, 3)) * 0.9 + 0.05),
    "RelaxedOneHotCategorical": (lambda m, l: m.distributions.RelaxedOneHotCategorical(
        m.tensor(0.5, dtype=l.dtype), logits=l), [R.standard_normal((2, 4))],
        _simplex(5, 2, 4)),
    "MixtureSameFamily": (lambda m, w, loc, scale: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(logits=w), m.distributions.Normal(loc, scale)),
        [R.standard_normal((2, 3)), R.standard_normal((2, 3)), _pos(2, 3)],
        R.standard_normal((4, 2))),
    "MixtureSameFamily(MVN)": (lambda m, w, loc: m.distributions.MixtureSameFamily(
        m.distributions.Categorical(logits=w), m.distributions.Independent(
            m.distributions.Normal(loc, m.ones_like(loc)), 1)),
        [R.standard_normal(3), R.standard_normal((3, 2))], R.standard_normal((4, 2))),
    "InverseGamma": (lambda m, c, r: m.distributions.InverseGamma(c, r), [_pos(3) * 3, _pos(3)],
                     _pos(4, 3)),
    "FisherSnedecor": (lambda m, a, b: m.distributions.FisherSnedecor(a, b),
                       [_pos(3) * 4, np.array([1.5, 3.0, 9.0])], _pos(4, 3)),
    "Kumaraswamy": (lambda m, a, b: m.distributions.Kumaraswamy(a, b), [_pos(3) * 2, _pos(3) * 2],
                    R.random((4, 3)) * 0.9 + 0.05),
    "LogisticNormal": (lambda m, loc, scale: m.distributions.LogisticNormal(loc, scale),
                       [R.standard_normal((2, 3)), _pos(3)], _simplex(4, 2, 4)),
    "OneHotCategoricalStraightThrough": (
        lambda m, l: m.distributions.OneHotCategoricalStraightThrough(logits=l),
        [R.standard_normal((2, 4))], np.eye(4)[R.integers(0, 4, (5, 2))]),
}
