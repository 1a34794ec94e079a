"""galton.linalg pinv, lstsq, matrix_rank, matrix_power, multi_dot, cross, vecdot, diagonal
against PyTorch."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)], ids=str)
def test_pinv(shape):
    compare(lambda t, x: t.linalg.pinv(x), [shape], rtol=1e-3, atol=1e-4)
    gradcheck(lambda t, x: t.linalg.pinv(x), [shape])
    compare(lambda t, x: t.pinverse(x), [shape], rtol=1e-3, atol=1e-4)


def test_pinv_hermitian_and_tolerances():
    compare(lambda t, x: t.linalg.pinv(x + x.mT, hermitian=True), [(4, 4)], rtol=1e-3, atol=1e-4)
    low_rank = np.outer([1.0, 2, 3], [1.0, 0, 1]).astype(np.float32)
    for kw in [{}, {"atol": 0.5}, {"rtol": 0.1}, {"atol": 100.0}]:
        compare(lambda t, x: t.linalg.pinv(x, **kw), None, inputs=[low_rank], grad=False,
                atol=1e-5)
        compare(lambda t, x: t.linalg.matrix_rank(x, **kw), None, inputs=[low_rank], grad=False)


def test_matrix_rank():
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 5, 2)) @ rng.standard_normal((3, 2, 4))).astype(np.float32)
    compare(lambda t, x: t.linalg.matrix_rank(x), None, inputs=[a], grad=False)
    compare(lambda t, x: t.linalg.matrix_rank(x @ x.mT, hermitian=True), None, inputs=[a],
            grad=False)


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [[(5, 3), (5, 2)], [(2, 5, 3), (2, 5, 4)], [(5, 3), (5,)]],
                         ids=str)
def test_lstsq(driver, shapes):
    def fn(t, a, b):
        r = t.linalg.lstsq(a, b, driver=driver)
        return r.solution, r.residuals, r.rank, r.singular_values
    compare(fn, shapes, rtol=1e-3, atol=1e-4)
    gradcheck(lambda t, a, b: t.linalg.lstsq(a, b, driver=driver).solution, shapes)


def test_lstsq_errors():
    for call in [lambda t: t.linalg.lstsq(t.ones(3, 2), t.ones(4, 1)),
                 lambda t: t.linalg.lstsq(t.ones(3, 2), t.ones(3, 1), driver="foo")]:
        with pytest.raises(RuntimeError) as g:
            call(galton)
        with pytest.raises(RuntimeError) as t:
            call(torch)
        assert str(g.value) == str(t.value)


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(n):
    well = np.random.default_rng(1).standard_normal((2, 3, 3)).astype(np.float32) / 3 + np.eye(3)
    compare(lambda t, x: t.linalg.matrix_power(x, n), None, inputs=[well.astype(np.float32)],
            grad=n != 0, rtol=1e-4, atol=1e-4)


def test_multi_dot():
    compare(lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), [(3, 4), (4, 5), (5, 2)])
    compare(lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), [(4,), (4, 5), (5,)])
    compare(lambda t, a, b: t.linalg.multi_dot((a, b)), [(4,), (4, 5)])
    with pytest.raises(RuntimeError, match="expected at least 2 tensors but got 1"):
        galton.linalg.multi_dot([galton.ones(3)])


def test_cross_vecdot_diagonal():
    compare(lambda t, a, b: t.linalg.cross(a, b), [(4, 3), (4, 3)])
    compare(lambda t, a, b: t.linalg.cross(a, b), [(2, 1, 3), (1, 4, 3)])
    compare(lambda t, a, b: t.linalg.cross(a, b, dim=0), [(3, 4), (3, 4)])
    gradcheck(lambda t, a, b: t.linalg.cross(a, b), [(2, 3), (2, 3)])
    with pytest.raises(RuntimeError) as g:
        galton.linalg.cross(galton.ones(3, 2), galton.ones(3, 2))
    with pytest.raises(RuntimeError) as t:
        torch.linalg.cross(torch.ones(3, 2), torch.ones(3, 2))
    assert str(g.value) == str(t.value)
    compare(lambda t, a, b: t.linalg.vecdot(a, b), [(4, 5), (5,)])
    compare(lambda t, a, b: t.linalg.vecdot(a, b, dim=0), [(4, 5), (4, 1)])
    compare(lambda t, a: t.linalg.diagonal(a, offset=1), [(2, 4, 5)])
    compare(lambda t, a, b: t.linalg.matmul(a, b), [(2, 4, 5), (5, 3)])
