"""galton.linalg vector_norm, matrix_norm, norm, cond against PyTorch: every order, dims,
keepdim, gradients, errors."""
import math

import pytest
import torch

import galton
from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("ord", [2, 1, 3, 0.5, math.inf, -math.inf, 0])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(ord, dim, keepdim):
    compare(lambda t, x: t.linalg.vector_norm(x, ord, dim, keepdim), [(3, 4, 5)],
            grad=ord != 0, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm(ord, dim, keepdim):
    compare(lambda t, x: t.linalg.matrix_norm(x, ord, dim, keepdim), [(3, 4, 5)],
            rtol=1e-4, atol=1e-5)
    gradcheck(lambda t, x: t.linalg.matrix_norm(x, ord, dim, keepdim), [(2, 3, 4)])


@pytest.mark.parametrize("ord,dim,shape", [
    (None, None, (3, 4, 5)), (None, 1, (3, 4)), (None, (0, 1), (3, 4, 2)), (2, None, (5,)),
    ("fro", None, (3, 4)), ("nuc", None, (3, 4)), (math.inf, (1,), (3, 4)), (-1, None, (3, 4))])
def test_norm_dispatch(ord, dim, shape):
    compare(lambda t, x: t.linalg.norm(x, ord, dim), [shape], rtol=1e-4, atol=1e-5)
    compare(lambda t, x: t.linalg.norm(x, ord, dim, keepdim=True), [shape], rtol=1e-4,
            atol=1e-5)


def test_cond_and_tensor_norm():
    compare(lambda t, x: t.linalg.cond(x + 3 * t.eye(3)), [(2, 3, 3)], rtol=1e-4)
    # (PyTorch 2.13 cannot differentiate cond with p='fro': it modifies inv's output in place)
    compare(lambda t, x: t.linalg.cond(x + 3 * t.eye(3), "fro"), [(3, 3)], rtol=1e-4, grad=False)
    gradcheck(lambda t, x: t.linalg.cond(x + 3 * t.eye(3), "fro"), [(3, 3)])
    compare(lambda t, x: x.norm(p=1, dim=1), [(3, 4)])
    compare(lambda t, x: t.norm(x, dim=(0, 1)), [(3, 4)])


def test_dtype_argument():
    compare(lambda t, x: t.linalg.vector_norm(x, dtype=t.float64), [(3, 4)])
    compare(lambda t, x: t.linalg.matrix_norm(x, dtype=t.float64), [(3, 4)])


@pytest.mark.parametrize("call", [
    lambda t: t.linalg.matrix_norm(t.ones(3)),
    lambda t: t.linalg.matrix_norm(t.ones(3, 3), ord=3),
    lambda t: t.linalg.matrix_norm(t.ones(3, 3, 3), dim=(0, 1, 2)),
    lambda t: t.linalg.vector_norm(t.ones(3, dtype=t.long)),
    lambda t: t.linalg.norm(t.ones(3, 3, 3), ord=2),
    lambda t: t.linalg.norm(t.ones(3, 3), dim=(0, 1, 2)),
])
def test_errors_match_pytorch(call):
    with pytest.raises(RuntimeError) as g:
        call(galton)
    with pytest.raises(RuntimeError) as t:
        call(torch)
    assert str(g.value) == str(t.value)
