"""validate_args: PyTorch's errors, word for word (galton.Size for torch.Size), for bad
parameters, bad values given to log_prob, and bad constructor calls; constraints."""
import numpy as np
import pytest
import torch

import galton


def _same_error(call):
    with pytest.raises(Exception) as g:
        call(galton)
    with pytest.raises(Exception) as t:
        call(torch)
    assert type(g.value).__name__ == type(t.value).__name__
    assert str(g.value) == str(t.value).replace("torch.Size", "galton.Size")


CALLS = {
    "scale <= 0": lambda m: m.distributions.Normal(0.0, -1.0),
    "batched scale": lambda m: m.distributions.Normal(m.zeros(3), m.tensor([1.0, -1.0, 2.0])),
    "value outside the support": lambda m: m.distributions.Bernoulli(probs=0.5).log_prob(
        m.tensor(0.5)),
    "probs not a simplex": lambda m: m.distributions.Categorical(probs=m.tensor([0.5, -0.1])),
    "probs and logits": lambda m: m.distributions.Bernoulli(probs=0.3, logits=0.2),
    "neither": lambda m: m.distributions.Categorical(),
    "not broadcastable": lambda m: m.distributions.Normal(m.zeros(3), 1.0).log_prob(m.ones(2)),
    "value not a tensor": lambda m: m.distributions.Normal(0.0, 1.0).log_prob(1.0),
    "event shape": lambda m: m.distributions.Dirichlet(m.ones(3)).log_prob(m.ones(2) / 2),
    "mvn with no matrix": lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    "mvn 1-d matrix": lambda m: m.distributions.MultivariateNormal(m.zeros(2), m.ones(2)),
    "mvn 0-d loc": lambda m: m.distributions.MultivariateNormal(m.tensor(0.0), m.eye(2)),
    "mvn not positive-definite": lambda m: m.distributions.MultivariateNormal(
        m.zeros(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "mvn scale_tril not lower": lambda m: m.distributions.MultivariateNormal(
        m.zeros(2), scale_tril=m.ones(2, 2)),
    "dirichlet negative": lambda m: m.distributions.Dirichlet(m.tensor([1.0, -1.0])),
    "dirichlet 0-d": lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
    "gamma rate": lambda m: m.distributions.Gamma(m.ones(2), m.tensor([1.0, 0.0])),
    "gamma negative value": lambda m: m.distributions.Gamma(1.0, 1.0).log_prob(m.tensor(-1.0)),
    "beta": lambda m: m.distributions.Beta(m.tensor([1.0]), m.tensor([-2.0])),
    "uniform low >= high": lambda m: m.distributions.Uniform(1.0, 0.0),
    "uniform value": lambda m: m.distributions.Uniform(0.0, 1.0).log_prob(m.tensor(2.0)),
    "categorical index": lambda m: m.distributions.Categorical(logits=m.zeros(3)).log_prob(
        m.tensor(3)),
    "categorical 0-d": lambda m: m.distributions.Categorical(probs=m.tensor(1.0)),
    "one-hot value": lambda m: m.distributions.OneHotCategorical(m.ones(3)).log_prob(
        m.tensor([1.0, 1.0, 0.0])),
    "independent ndims": lambda m: m.distributions.Independent(
        m.distributions.Normal(m.zeros(3), 1.0), 2),
    "bernoulli probs > 1": lambda m: m.distributions.Bernoulli(m.tensor([0.5, 1.5])),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_errors_match_pytorch(name):
    _same_error(CALLS[name])


def test_validation_can_be_turned_off():
    d = galton.distributions.Normal(0.0, -1.0, validate_args=False)
    assert np.isnan(d.log_prob(galton.tensor(0.0)).item())
    galton.distributions.Distribution.set_default_validate_args(False)
    try:
        galton.distributions.Normal(0.0, -1.0)
        galton.distributions.Bernoulli(0.5).log_prob(galton.tensor(0.5))
    finally:
        galton.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        galton.distributions.Normal(0.0, -1.0)


@pytest.mark.parametrize("name", ["real", "positive", "nonnegative", "unit_interval", "boolean",
                                  "simplex", "real_vector", "lower_cholesky",
                                  "positive_definite", "nonnegative_integer", "one_hot"])
def test_constraints_check_like_pytorch(name):
    rng = np.random.default_rng(0)
    values = [rng.standard_normal((4, 3, 3)), np.abs(rng.standard_normal((4, 3, 3))),
              np.tril(np.abs(rng.standard_normal((4, 3, 3))) + 0.1),
              np.eye(3)[None].repeat(4, 0), np.round(rng.random((4, 3, 3)))]
    gc = getattr(galton.distributions.constraints, name)
    tc = getattr(torch.distributions.constraints, name)
    assert repr(gc) == repr(tc) and gc.event_dim == tc.event_dim
    assert gc.is_discrete == tc.is_discrete
    for v in values:
        np.testing.assert_array_equal(gc.check(galton.tensor(v)).numpy(),
                                      tc.check(torch.tensor(v)).numpy())
    for c in ["greater_than", "less_than", "greater_than_eq"]:
        assert repr(getattr(galton.distributions.constraints, c)(2.0)) == \
            repr(getattr(torch.distributions.constraints, c)(2.0))
    assert repr(galton.distributions.constraints.interval(0.0, 2.0)) == \
        repr(torch.distributions.constraints.interval(0.0, 2.0))
