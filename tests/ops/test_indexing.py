"""x[...] against PyTorch: basic, integer-array, boolean and tensor indices, both directions."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

BASIC = [
    lambda t, x: x[1],
    lambda t, x: x[-1],
    lambda t, x: x[1:3],
    lambda t, x: x[::2],
    lambda t, x: x[1::2, ::3],
    lambda t, x: x[:, -2],
    lambda t, x: x[-3:-1, 1:-1],
    lambda t, x: x[None],
    lambda t, x: x[:, None, 2:],
    lambda t, x: x[..., 1],
    lambda t, x: x[..., None],
    lambda t, x: x[1, ..., None, 0:2],
    lambda t, x: x[1][2],
    lambda t, x: x[:],
    lambda t, x: x[10:],  # empty slice
]


@pytest.mark.parametrize("i", range(len(BASIC)))
def test_basic(i):
    compare(BASIC[i], [(4, 5)])


def test_basic_3d_and_grad_fn_names():
    compare(lambda t, x: x[1, :, ::2], [(2, 3, 4)])
    compare(lambda t, x: x[..., 0][:, None], [(2, 3, 4)])
    g, t = galton.ones(3, 4, requires_grad=True), torch.ones(3, 4, requires_grad=True)
    for f in [lambda x: x[0], lambda x: x[0, 1], lambda x: x[:, 1], lambda x: x[1:],
              lambda x: x[None], lambda x: x[..., None], lambda x: x[[0, 1]],
              lambda x: x[x > 0], lambda x: x[1:, 0]]:
        assert f(g).grad_fn.name() == type(f(t).grad_fn).__name__


ADVANCED = [
    lambda t, x: x[[0, 2, 0]],                               # repeated rows add up in backward
    lambda t, x: x[[0, 1], [1, 2]],
    lambda t, x: x[[[0, 1], [1, 1]]],                        # a list of lists is a tuple
    lambda t, x: x[[0, -1, 0], 1:],
    lambda t, x: x[:, [3, 3, 0]],
    lambda t, x: x[t.tensor([1, 1, 2])],
    lambda t, x: x[t.tensor([[0, 1], [2, 2]])],
    lambda t, x: x[t.tensor([0, 2]), t.tensor([4, 4])],
    lambda t, x: x[t.tensor(2)],
    lambda t, x: x[1:, t.tensor([0, 0])],
    lambda t, x: x[..., t.tensor([1, 0])],
    lambda t, x: x[None, [0, 0]],
    lambda t, x: x[x > 0],
    lambda t, x: x[t.tensor([True, False, True, False])],
    lambda t, x: x[:, t.tensor([True, False, True, False, True])],
    lambda t, x: x[[True, False, True, True]],
    lambda t, x: x[x[:, 0] > 0, 1:3],
    lambda t, x: x[x.abs().argmax(1) > 1],
    lambda t, x: x[x.t()[0].argsort()],
]


@pytest.mark.parametrize("i", range(len(ADVANCED)))
@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
def test_advanced(i):
    compare(ADVANCED[i], [(4, 5)])


def test_non_contiguous_input():
    compare(lambda t, x: x.t()[1:, [0, 0, 2]], [(4, 5)])
    compare(lambda t, x: x.t()[::2][1], [(4, 5)])


def test_gradcheck():
    gradcheck(lambda t, x: x[[0, 0, 1], 1:] * x[1, ::2].sum(), [(3, 4)])
    gradcheck(lambda t, x: x[x > 0], [(3, 4)])


def test_index_int_tensor_and_numpy_index():
    x = galton.arange(12).reshape(3, 4)
    assert x[np.array([0, 2])].tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert x[np.int64(1)].tolist() == [4, 5, 6, 7]
    assert x[(galton.tensor([0, 1]),)].tolist() == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert x[[galton.tensor([0, 1]), galton.tensor([1, 2])]].tolist() == [1, 6]
    assert x[1, 2].item() == 6 and x[1, 2].shape == ()


def test_basic_index_is_a_view():
    x = galton.zeros(3, 4)
    row = x[1]
    row.fill_(2.0)
    assert x.sum().item() == 8.0


def test_iteration_and_len():
    x = galton.arange(6.0).reshape(3, 2)
    rows = list(x)
    assert len(x) == 3 and [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize("bad, exc, msg", [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[:, 9], IndexError, "index 9 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[[0, 5]], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
    (lambda x: x[0, 0, 0], IndexError, "too many indices for tensor of dimension 2"),
    (lambda x: x[1.5], IndexError, "only integers, slices"),
    (lambda x: x[galton.tensor([True, False])], IndexError,
     r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor "
     r"\[3, 4\] at index 0"),
    (lambda x: x[:, galton.tensor([True, False])], IndexError,
     r"The shape of the mask \[2\] at index 1 does not match"),
    (lambda x: x[galton.tensor([0.0])], IndexError, "tensors used as indices must be long"),
])
def test_errors(bad, exc, msg):
    x = galton.zeros(3, 4)
    with pytest.raises(exc, match=msg):
        bad(x)
