"""nn.init: each initialiser against its formula (bounds, std), and gains/fans against torch."""
import math

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.nn import init


def arr(t):
    return t.detach().numpy()


NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"]


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain_matches_torch(name):
    assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)


@pytest.mark.parametrize("slope", [0, 0.2, 1, 3.5])
def test_calculate_gain_leaky_relu_slope(slope):
    assert init.calculate_gain("leaky_relu", slope) == \
        torch.nn.init.calculate_gain("leaky_relu", slope)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (16, 3, 3, 3), (2, 4, 2, 3, 1)])
def test_fan_in_fan_out_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(galton.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fan_needs_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(galton.empty(5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(galton.empty(5))


def test_uniform_and_normal_statistics():
    w = galton.empty(400, 500)
    assert init.uniform_(w, -2.0, 3.0) is w
    a = arr(w)
    assert a.min() >= -2.0 and a.max() <= 3.0
    assert abs(a.mean() - 0.5) < 0.02 and abs(a.std() - 5 / math.sqrt(12)) < 0.02
    init.normal_(w, mean=1.0, std=0.5)
    a = arr(w)
    assert abs(a.mean() - 1.0) < 0.005 and abs(a.std() - 0.5) < 0.005


def _truncnorm_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    Z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / Z
    var = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / Z
                      - ((pdf(alpha) - pdf(beta)) / Z) ** 2)
    return m, math.sqrt(var)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                          (1.0, 2.0, 0.0, 5.0)])
def test_trunc_normal_bounds_and_moments(mean, std, a, b):
    w = init.trunc_normal_(galton.empty(300, 400), mean, std, a, b)
    x = arr(w).astype(np.float64)
    assert x.min() >= a and x.max() <= b
    m, s = _truncnorm_moments(mean, std, a, b)
    assert abs(x.mean() - m) < 0.01 * std and abs(x.std() - s) < 0.01 * std


def test_constant_ones_zeros():
    w = galton.empty(3, 4)
    assert init.constant_(w, 0.25) is w and np.all(arr(w) == 0.25)
    assert np.all(arr(init.ones_(w)) == 1)
    assert np.all(arr(init.zeros_(w)) == 0)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye_matches_torch(shape):
    np.testing.assert_array_equal(arr(init.eye_(galton.empty(*shape))),
                                  torch.nn.init.eye_(torch.empty(*shape)).numpy())


def test_eye_needs_2d():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(galton.empty(2, 2, 2))


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((6, 2, 3, 3), 2),
                                          ((4, 2, 1, 3, 3), 1), ((2, 5, 2, 2), 1)])
def test_dirac_matches_torch(shape, groups):
    np.testing.assert_array_equal(arr(init.dirac_(galton.empty(*shape), groups)),
                                  torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())


def test_dirac_passes_channels_through_a_conv_shape():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(galton.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(galton.empty(5, 2, 3, 3), groups=2)


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier_uniform_bound_and_std(gain):
    w = init.xavier_uniform_(galton.empty(300, 200), gain=gain)
    bound = gain * math.sqrt(6 / (300 + 200))
    a = arr(w)
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.99 * bound
    assert abs(a.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_xavier_normal_std_on_conv_weight():
    w = init.xavier_normal_(galton.empty(64, 32, 3, 3), gain=2.0)
    fan_in, fan_out = 32 * 9, 64 * 9
    std = 2.0 * math.sqrt(2 / (fan_in + fan_out))
    assert abs(arr(w).std() - std) < 0.02 * std and abs(arr(w).mean()) < 0.02 * std


@pytest.mark.parametrize("a,mode,nonlinearity", [(0, "fan_in", "leaky_relu"),
                                                 (math.sqrt(5), "fan_in", "leaky_relu"),
                                                 (0, "fan_out", "relu"), (0, "fan_in", "tanh"),
                                                 (0.2, "Fan_Out", "leaky_relu")])
def test_kaiming_uniform_and_normal(a, mode, nonlinearity):
    shape = (300, 100, 2, 2)  # fan_in 400, fan_out 1200
    fan = 400 if mode.lower() == "fan_in" else 1200
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = init.kaiming_uniform_(galton.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    x = arr(w)
    bound = math.sqrt(3) * std
    assert np.abs(x).max() <= bound * (1 + 1e-6) and np.abs(x).max() > 0.99 * bound
    assert abs(x.std() - std) < 0.01 * std
    w = init.kaiming_normal_(galton.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)
    assert abs(arr(w).std() - std) < 0.01 * std and abs(arr(w).mean()) < 0.01 * std


def test_kaiming_errors_and_zero_element_warning():
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of"):
        init.kaiming_uniform_(galton.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.kaiming_normal_(galton.empty(3, 3), nonlinearity="softmax")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(galton.empty(0, 3))


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (8, 2, 3, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(galton.empty(*shape, dtype=galton.float64), gain=1.0)
    q = arr(w).reshape(shape[0], -1)
    if q.shape[0] >= q.shape[1]:
        np.testing.assert_allclose(q.T @ q, np.eye(q.shape[1]), atol=1e-10)
    else:
        np.testing.assert_allclose(q @ q.T, np.eye(q.shape[0]), atol=1e-10)


def test_orthogonal_gain_and_errors():
    q = arr(init.orthogonal_(galton.empty(5, 5), gain=2.0)).astype(np.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(5), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(galton.empty(4))
    e = galton.empty(0, 3)
    assert init.orthogonal_(e) is e


def test_sparse_zero_fraction_per_column():
    w = init.sparse_(galton.empty(10, 30), sparsity=0.3, std=0.5)
    x = arr(w)
    assert all((x[:, c] == 0).sum() == 3 for c in range(30))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.sparse_(galton.empty(2, 2, 2), 0.5)


def test_in_place_on_parameter_records_no_graph_and_keeps_dtype():
    p = gnn.Parameter(galton.zeros(20, 10, dtype=galton.float64))
    data = p._data
    out = init.kaiming_normal_(p)
    assert out is p and p._data is data  # same tensor, same array: filled in place
    assert p.grad_fn is None and p.requires_grad and p.is_leaf
    assert p.dtype == galton.float64 and np.any(arr(p) != 0)
    with galton.no_grad():
        init.xavier_uniform_(p)
    (p * 2).sum().backward()
    assert np.all(p.grad.numpy() == 2)


def test_generator_and_global_seed_make_draws_repeatable():
    g1, g2 = galton.Generator().manual_seed(7), galton.Generator().manual_seed(7)
    a = arr(init.normal_(galton.empty(4, 4), generator=g1)).copy()
    b = arr(init.normal_(galton.empty(4, 4), generator=g2))
    np.testing.assert_array_equal(a, b)
    galton.manual_seed(3)
    c = arr(init.uniform_(galton.empty(4, 4))).copy()
    galton.manual_seed(3)
    np.testing.assert_array_equal(c, arr(init.uniform_(galton.empty(4, 4))))


def test_deprecated_names_warn_and_work():
    with pytest.warns(FutureWarning, match="deprecated in favor of `nn.init.xavier_uniform_`"):
        w = init.xavier_uniform(galton.zeros(3, 3))
    assert np.any(arr(w) != 0)
