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
}
