"""galton.linalg inv, det, slogdet, solve, solve_triangular, cholesky (and their _ex forms)
against PyTorch: values, gradients, float64 finite differences, errors."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck


def _well(t, x):
    """A well-conditioned matrix (batch) made differentiably from x."""
    n = x.shape[-1]
    return x + 3 * t.eye(n, dtype=x.dtype)


def _spd(t, x):
    n = x.shape[-1]
    return x @ x.mT + n * t.eye(n, dtype=x.dtype)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (2, 1, 2, 2)], ids=str)
def test_inv_det_slogdet(shape):
    compare(lambda t, x: t.linalg.inv(_well(t, x)), [shape], rtol=1e-4, atol=1e-5)
    compare(lambda t, x: t.linalg.det(_well(t, x)), [shape], rtol=1e-4, atol=1e-5)
    compare(lambda t, x: t.linalg.slogdet(x), [shape], rtol=1e-4, atol=1e-5)
    gradcheck(lambda t, x: t.linalg.inv(x), [shape])
    gradcheck(lambda t, x: t.linalg.det(x), [shape])
    gradcheck(lambda t, x: t.linalg.slogdet(x)[1], [shape])


def test_det_gradient_of_a_singular_matrix():
    # det's gradient (the cofactor matrix) exists where the inverse does not. PyTorch 2.13
    # returns zeros for this rank-2 matrix; finite differences give the cofactors.
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    g = galton.tensor(a, requires_grad=True)
    galton.linalg.det(g).backward()
    cofactors = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(g.grad.numpy(), cofactors, atol=1e-12)
    assert galton.autograd.gradcheck(galton.linalg.det, [g])


@pytest.mark.parametrize("shapes", [[(3, 3), (3,)], [(3, 3), (3, 2)], [(2, 3, 3), (2, 3)],
                                    [(2, 3, 3), (3, 4)], [(1, 3, 3), (2, 3, 1)]], ids=str)
@pytest.mark.parametrize("left", [True, False])
def test_solve(shapes, left):
    a_shape, b_shape = shapes
    if not left and b_shape == a_shape[:-1]:  # a vector B is a column: XA = B has no solution
        rng = np.random.default_rng(0)
        _error(lambda t, a, b: t.linalg.solve(a, b, left=False),
               rng.standard_normal(a_shape).astype(np.float32),
               rng.standard_normal(b_shape).astype(np.float32))
        return
    if not left:
        b_shape = b_shape[:-2] + (b_shape[-1], b_shape[-2])
    compare(lambda t, a, b: t.linalg.solve(_well(t, a), b, left=left), [a_shape, b_shape])
    gradcheck(lambda t, a, b: t.linalg.solve(_well(t, a), b, left=left), [a_shape, b_shape])


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular(upper, left, unit):
    fn = lambda t, a, b: t.linalg.solve_triangular(_well(t, a), b, upper=upper, left=left,  # noqa
                                                    unitriangular=unit)
    compare(fn, [(2, 3, 3), (2, 3, 3)])
    gradcheck(fn, [(2, 3, 3), (2, 3, 3)])


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
def test_cholesky(shape, upper):
    compare(lambda t, x: t.linalg.cholesky(_spd(t, x), upper=upper), [shape])
    gradcheck(lambda t, x: t.linalg.cholesky(_spd(t, x), upper=upper), [shape])
    compare(lambda t, x: t.cholesky(_spd(t, x), upper), [shape])


def _error(fn, *arrays):
    with pytest.raises(Exception) as g_exc:
        fn(galton, *[galton.tensor(a) for a in arrays])
    with pytest.raises(Exception) as t_exc:
        fn(torch, *[torch.tensor(a) for a in arrays])
    assert str(g_exc.value) == str(t_exc.value)
    return g_exc.value


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
BATCH = np.stack([np.eye(2, dtype=np.float32), SINGULAR])


def test_errors_match_pytorch():
    exc = _error(lambda t, a: t.linalg.inv(a), SINGULAR)
    assert isinstance(exc, galton.linalg.LinAlgError) and isinstance(exc, RuntimeError)
    _error(lambda t, a: t.linalg.inv(a), BATCH)
    _error(lambda t, a: t.linalg.inv(a), np.ones((2, 3), np.float32))
    _error(lambda t, a: t.linalg.inv(a), np.ones(3, np.float32))
    _error(lambda t, a: t.linalg.inv(a), np.ones((2, 2), np.int64))
    _error(lambda t, a, b: t.linalg.solve(a, b), SINGULAR, np.ones(2, np.float32))
    _error(lambda t, a, b: t.linalg.solve(a, b), BATCH, np.ones(2, np.float32))
    _error(lambda t, a, b: t.linalg.solve(a, b), np.eye(2, dtype=np.float32),
           np.ones(3, np.float32))
    _error(lambda t, a: t.linalg.cholesky(a), -np.eye(3, dtype=np.float32))
    _error(lambda t, a: t.linalg.cholesky(a), np.stack([np.eye(3), np.diag([1.0, -1, 1])]))
    _error(lambda t, a: t.linalg.cholesky(a), np.ones((2, 3), np.float32))
    _error(lambda t, a: t.linalg.det(a), np.ones((2, 3), np.float32))
    _error(lambda t, a: t.linalg.det(a), np.ones(3, np.float32))


def test_ex_forms_report_info():
    g = galton.linalg.inv_ex(galton.tensor(BATCH))
    t = torch.linalg.inv_ex(torch.tensor(BATCH))
    np.testing.assert_array_equal(g.info.numpy(), t.info.numpy())
    np.testing.assert_allclose(g.inverse.numpy()[0], t.inverse.numpy()[0])
    bad = np.stack([np.eye(3), np.diag([1.0, 1, -1])])
    g = galton.linalg.cholesky_ex(galton.tensor(bad))
    t = torch.linalg.cholesky_ex(torch.tensor(bad))
    np.testing.assert_array_equal(g.info.numpy(), t.info.numpy())
    with pytest.raises(RuntimeError, match="not positive-definite"):
        galton.linalg.cholesky_ex(galton.tensor(bad), check_errors=True)


def test_top_level_aliases_and_methods():
    compare(lambda t, x: t.det(_well(t, x)), [(2, 3, 3)])
    compare(lambda t, x: _well(t, x).det(), [(3, 3)])
    compare(lambda t, x: t.inverse(_well(t, x)), [(3, 3)])
    compare(lambda t, x: _well(t, x).inverse(), [(2, 3, 3)])
    compare(lambda t, x: t.logdet(_spd(t, x)), [(2, 3, 3)])
    compare(lambda t, x: t.slogdet(x), [(3, 3)])
    compare(lambda t, x: x.logdet(), [(3, 3)], grad=False)
    compare(lambda t, x, b: t.cholesky_solve(b, t.linalg.cholesky(_spd(t, x))),
            [(3, 3), (3, 2)])
    compare(lambda t, x, b: t.cholesky_solve(b, t.linalg.cholesky(_spd(t, x), upper=True),
                                             upper=True), [(3, 3), (3, 2)])
    compare(lambda t, x: t.cholesky_inverse(t.linalg.cholesky(_spd(t, x))), [(3, 3)])
    compare(lambda t, x: t.matrix_power(_well(t, x), 3), [(3, 3)])
    compare(lambda t, x: x.matrix_power(-2), [(2, 3, 3)], inputs=[
        np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
        + 3 * np.eye(3, dtype=np.float32)])
