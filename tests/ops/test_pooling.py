"""Pooling kernels against torch.nn.functional: values, indices and gradients (ties included)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import galton
from galton.ops import pooling as P
from tests.oracle import compare, gradcheck


def _both(gfn, tfn):
    return lambda t, *xs: (gfn if t is galton else tfn)(*xs)


MAX_CASES = [
    # (shape, kernel, stride, padding, dilation, ceil_mode)
    ((2, 3, 26, 26), 2, None, 0, 1, False),       # seed-000: tiles exactly
    ((2, 3, 11, 11), 2, None, 0, 1, False),       # seed-000's second pool: last row/col dropped
    ((2, 3, 9, 8), 3, 2, 1, 1, False),            # ResNet stem: overlapping windows, padding
    ((2, 3, 10, 7), (3, 2), (2, 1), (1, 1), (2, 1), True),
    ((1, 2, 8, 8), 3, 2, 0, 1, True),             # ceil mode adds a partial window
    ((1, 2, 7, 9), (2, 3), (3, 2), (1, 0), 1, True),
    ((2, 3, 13, 13), 3, 2, 0, 1, False),          # AlexNet's 3/2 pools
]


@pytest.mark.parametrize("shape, k, s, p, d, ceil", MAX_CASES)
def test_max_pool2d_against_torch(shape, k, s, p, d, ceil):
    compare(_both(lambda x: P.max_pool2d(x, k, s, p, d, ceil),
                  lambda x: TF.max_pool2d(x, k, s, p, d, ceil)), [shape])


@pytest.mark.parametrize("shape, k, s, p, d, ceil", MAX_CASES)
def test_max_pool2d_indices_match_torch(shape, k, s, p, d, ceil):
    x = np.random.default_rng(0).standard_normal(shape).astype("f4")
    _, gi = P.max_pool2d(galton.tensor(x), k, s, p, d, ceil, return_indices=True)
    _, ti = TF.max_pool2d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    assert gi.dtype == galton.int64
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


@pytest.mark.parametrize("shape, k, s, p, d, ceil", MAX_CASES)
def test_max_pool2d_ties_route_like_torch(shape, k, s, p, d, ceil):
    # after ReLU whole windows are 0, and rounding makes other ties: PyTorch sends the
    # gradient to the first maximum in scan order, and so must galton
    x = np.maximum(np.round(np.random.default_rng(1).standard_normal(shape), 0), 0).astype("f4")
    compare(_both(lambda x: P.max_pool2d(x, k, s, p, d, ceil),
                  lambda x: TF.max_pool2d(x, k, s, p, d, ceil)), [shape], inputs=[x])
    _, gi = P.max_pool2d(galton.tensor(x), k, s, p, d, ceil, return_indices=True)
    _, ti = TF.max_pool2d(torch.tensor(x), k, s, p, d, ceil, return_indices=True)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


def test_max_pool2d_constant_input_sends_gradient_to_first_element():
    x = galton.zeros(1, 1, 4, 4, requires_grad=True)
    P.max_pool2d(x, 2).sum().backward()
    want = np.zeros((4, 4), np.float32)
    want[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], want)


def test_max_pool2d_gradcheck():
    gradcheck(lambda t, x: P.max_pool2d(x, 3, 2, 1), [(1, 2, 5, 5)])
    gradcheck(lambda t, x: P.max_pool2d(x, 2), [(1, 2, 5, 4)])


def test_max_pool2d_propagates_nan():
    x = galton.tensor([[[[1.0, float("nan")], [0.0, 2.0]]]])
    assert np.isnan(P.max_pool2d(x, 2).item())


AVG_CASES = [
    # (shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    ((2, 3, 8, 8), 2, None, 0, False, True, None),
    ((2, 3, 7, 9), 2, None, 0, False, True, None),
    ((2, 3, 8, 9), 3, 2, 1, True, False, None),
    ((2, 3, 8, 9), 3, 2, 1, True, True, None),
    ((1, 2, 7, 9), 3, 1, 1, False, True, 5),
    ((2, 2, 9, 6), (3, 2), (2, 3), (1, 1), True, False, None),
]


@pytest.mark.parametrize("shape, k, s, p, ceil, cip, div", AVG_CASES)
def test_avg_pool2d_against_torch(shape, k, s, p, ceil, cip, div):
    compare(_both(lambda x: P.avg_pool2d(x, k, s, p, ceil, cip, div),
                  lambda x: TF.avg_pool2d(x, k, s, p, ceil, cip, div)), [shape])


def test_avg_pool2d_gradcheck():
    gradcheck(lambda t, x: P.avg_pool2d(x, 3, 2, 1, True, False), [(1, 2, 5, 4)])


@pytest.mark.parametrize("shape, out", [((2, 3, 7, 9), (3, 2)), ((2, 3, 7, 9), (1, 1)),
                                        ((2, 3, 6, 6), (3, 2)), ((1, 2, 5, 5), (5, 5)),
                                        ((1, 2, 4, 5), (3, 7))])
def test_adaptive_avg_pool2d_against_torch(shape, out):
    compare(_both(lambda x: P.adaptive_avg_pool2d(x, out),
                  lambda x: TF.adaptive_avg_pool2d(x, out)), [shape])


@pytest.mark.parametrize("shape, out", [((2, 3, 7, 9), (3, 4)), ((2, 3, 6, 9), (3, 3)),
                                        ((1, 2, 5, 5), (1, 1)), ((1, 2, 3, 4), (5, 6))])
def test_adaptive_max_pool2d_against_torch(shape, out):
    compare(_both(lambda x: P.adaptive_max_pool2d(x, out),
                  lambda x: TF.adaptive_max_pool2d(x, out)), [shape])
    x = np.random.default_rng(0).standard_normal(shape).astype("f4")
    _, gi = P.adaptive_max_pool2d(galton.tensor(x), out, return_indices=True)
    _, ti = TF.adaptive_max_pool2d(torch.tensor(x), out, return_indices=True)
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


def test_adaptive_gradcheck():
    gradcheck(lambda t, x: P.adaptive_avg_pool2d(x, (2, 3)), [(1, 1, 5, 4)])
    gradcheck(lambda t, x: P.adaptive_max_pool2d(x, (2, 3)), [(1, 1, 5, 4)])


def test_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        P.max_pool2d(galton.zeros(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        P.max_pool2d(galton.zeros(1, 1, 1, 1), 2)
    with pytest.raises(RuntimeError, match="stride must be greater than zero"):
        P.avg_pool2d(galton.zeros(1, 1, 4, 4), 2, 0)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        P.avg_pool2d(galton.zeros(1, 1, 4, 4), 2, divisor_override=0)
