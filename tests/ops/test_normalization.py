"""Fused batch/layer/group norm kernels against torch, running statistics included."""
import numpy as np
import pytest
import torch

import galton
from galton.ops import normalization as N
from tests.oracle import compare, gradcheck


def _both(gfn, tfn):
    return lambda t, *xs: (gfn if t is galton else tfn)(*xs)


@pytest.mark.parametrize("shape", [(4, 3, 5, 2), (6, 3), (5, 3, 7), (2, 3, 2, 2, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_against_torch(shape, training):
    rng = np.random.default_rng(5)
    c = shape[1]
    rm = rng.standard_normal(c).astype("f4")
    rv = (np.abs(rng.standard_normal(c)) + 0.5).astype("f4")
    g_rm, g_rv = galton.tensor(rm.copy()), galton.tensor(rv.copy())
    t_rm, t_rv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    compare(lambda t, x, w, b: N.batch_norm(x, w, b, g_rm, g_rv, training, 0.3, 1e-4) if t is galton
            else torch.batch_norm(x, w, b, t_rm, t_rv, training, 0.3, 1e-4, False),
            [shape, (c,), (c,)])
    # running statistics moved the same way (unbiased variance), or not at all in eval
    np.testing.assert_allclose(g_rm.numpy(), t_rm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_rv.numpy(), t_rv.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_without_affine_or_stats(training):
    rm, rv = (galton.zeros(3), galton.ones(3)) if not training else (None, None)
    trm, trv = (torch.zeros(3), torch.ones(3)) if not training else (None, None)
    compare(_both(lambda x: N.batch_norm(x, None, None, rm, rv, training, 0.1, 1e-5),
                  lambda x: torch.batch_norm(x, None, None, trm, trv, training, 0.1, 1e-5, False)),
            [(4, 3, 3, 3)])


def test_batch_norm_gradcheck():
    gradcheck(lambda t, x, w, b: N.batch_norm(x, w, b, None, None, True, 0.1, 1e-5),
              [(3, 2, 2, 2), (2,), (2,)])
    rm = galton.tensor([0.1, -0.2], dtype=galton.float64)
    rv = galton.tensor([0.5, 2.0], dtype=galton.float64)
    gradcheck(lambda t, x, w, b: N.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5),
              [(3, 2, 2), (2,), (2,)])


def test_batch_norm_eval_needs_running_stats():
    with pytest.raises(RuntimeError, match="running_mean and running_var must be defined"):
        N.batch_norm(galton.ones(2, 3), None, None, None, None, False)


@pytest.mark.parametrize("shape, norm", [((3, 4, 5), (4, 5)), ((6, 7), (7,)), ((2, 3, 4), (4,))])
def test_layer_norm_against_torch(shape, norm):
    compare(_both(lambda x, w, b: N.layer_norm(x, norm, w, b, 1e-5),
                  lambda x, w, b: torch.layer_norm(x, norm, w, b, 1e-5)), [shape, norm, norm])
    compare(_both(lambda x: N.layer_norm(x, norm), lambda x: torch.layer_norm(x, norm)), [shape])


def test_layer_norm_gradcheck():
    gradcheck(lambda t, x, w, b: N.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)])


def test_layer_norm_shape_error():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with "
                       r"shape \[\*, 5\], but got input of size\[2, 3\]"):
        N.layer_norm(galton.ones(2, 3), (5,))


@pytest.mark.parametrize("shape, groups", [((3, 4, 5, 3), 2), ((2, 6, 4), 3), ((2, 4), 4),
                                           ((2, 4, 3, 3), 1)])
def test_group_norm_against_torch(shape, groups):
    c = shape[1]
    compare(_both(lambda x, w, b: N.group_norm(x, groups, w, b),
                  lambda x, w, b: torch.group_norm(x, groups, w, b)), [shape, (c,), (c,)])


def test_group_norm_gradcheck():
    gradcheck(lambda t, x, w, b: N.group_norm(x, 2, w, b), [(2, 4, 2), (4,), (4,)])


def test_group_norm_error():
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        N.group_norm(galton.ones(2, 3, 4), 2)
