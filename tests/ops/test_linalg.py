"""matmul and its relatives (mm, bmm, dot, mv, outer, einsum) and the fused linear, forward and
backward against PyTorch and finite differences, errors included."""
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

MATMUL_SHAPES = [
    [(5,), (5,)],                 # vector . vector -> 0-d
    [(5,), (5, 3)],               # vector @ matrix
    [(4, 5), (5,)],               # matrix @ vector
    [(4, 5), (5, 3)],
    [(2, 4, 5), (5, 3)],          # batched @ matrix
    [(5,), (2, 5, 3)],            # vector @ batched
    [(2, 4, 5), (5,)],            # batched @ vector
    [(2, 1, 4, 5), (3, 5, 2)],    # broadcast batch dims
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_against_torch(shapes):
    compare(lambda t, x, y: t.matmul(x, y), shapes)
    compare(lambda t, x, y: x @ y, shapes)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES[:5], ids=str)
def test_matmul_gradcheck(shapes):
    gradcheck(lambda t, x, y: t.matmul(x, y), shapes)


def test_mm_bmm_dot_mv_outer_against_torch():
    compare(lambda t, x, y: t.mm(x, y), [(3, 4), (4, 2)])
    compare(lambda t, x, y: t.bmm(x, y), [(2, 3, 4), (2, 4, 5)])
    compare(lambda t, x, y: t.dot(x, y), [(6,), (6,)])
    compare(lambda t, x, y: t.mv(x, y), [(3, 6), (6,)])
    compare(lambda t, x, y: t.outer(x, y), [(3,), (4,)])


def test_dot_backward_of_a_scalar_result():
    a = galton.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = galton.tensor([4.0, 5.0, 6.0], requires_grad=True)
    galton.dot(a, b).backward()
    assert a.grad.tolist() == [4.0, 5.0, 6.0] and b.grad.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("eq, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(5,), (5,)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
])
def test_einsum_against_torch(eq, shapes):
    compare(lambda t, *xs: t.einsum(eq, *xs), shapes)


@pytest.mark.parametrize("shapes", [[(4, 6), (3, 6), (3,)], [(2, 5, 6), (3, 6), (3,)],
                                    [(4, 6), (3, 6)]], ids=str)
def test_linear_against_torch(shapes):
    compare(lambda t, *xs: (galton.nn.functional if t is galton else torch.nn.functional)
            .linear(*xs), shapes)


def test_linear_gradcheck():
    gradcheck(lambda t, x, w, b: (galton.nn.functional if t is galton else torch.nn.functional)
              .linear(x, w, b), [(2, 3, 4), (5, 4), (5,)])


@pytest.mark.parametrize("fn, shapes, message", [
    (lambda t, x, y: t.matmul(x, y), [(3, 4), (5, 2)], "cannot be multiplied"),
    (lambda t, x, y: t.mm(x, y), [(3, 4, 1), (4, 2)], "2D"),
    (lambda t, x, y: t.bmm(x, y), [(2, 3, 4), (3, 4, 5)], "batch2"),
    (lambda t, x, y: t.dot(x, y), [(3, 1), (3,)], "1D"),
])
def test_shape_errors(fn, shapes, message):
    xs = [galton.ones(s) for s in shapes]
    with pytest.raises(RuntimeError, match=message):
        fn(galton, *xs)
    with pytest.raises(RuntimeError):
        fn(torch, *[torch.ones(s) for s in shapes])


def test_matmul_of_a_0d_tensor_is_refused():
    with pytest.raises(RuntimeError, match="at least 1D"):
        galton.matmul(galton.tensor(2.0), galton.ones(3))
