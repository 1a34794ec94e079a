"""Flatten and Unflatten against torch.nn."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("shape,start,end", [((4, 1, 28, 28), 1, -1), ((2, 3, 4, 5), 0, -1),
                                             ((2, 3, 4, 5), 1, 2), ((2, 3, 4, 5), -3, -2),
                                             ((2, 3), 1, -1), ((5, 0, 3), 1, -1)])
def test_flatten_matches_torch(shape, start, end):
    compare(lambda t, x: t.nn.Flatten(start, end)(x), [shape])


def test_flatten_non_contiguous_and_gradcheck():
    compare(lambda t, x: t.nn.Flatten()(x.transpose(0, 2)), [(3, 4, 2)])
    gradcheck(lambda t, x: gnn.Flatten(0, 1)(x), [(2, 3, 2)])


def test_flatten_repr_and_errors():
    assert repr(gnn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(gnn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        gnn.Flatten(2, 1)(galton.zeros(2, 3, 4))


@pytest.mark.parametrize("shape,dim,sizes", [((4, 784), 1, (1, 28, 28)), ((6, 5), 0, (2, 3)),
                                             ((2, 12, 3), -2, [3, -1]), ((2, 6), 1, (-1,))])
def test_unflatten_matches_torch(shape, dim, sizes):
    compare(lambda t, x: t.nn.Unflatten(dim, sizes)(x), [shape])


def test_unflatten_round_trip_and_gradcheck():
    x = galton.randn(3, 2, 4, 5)
    y = gnn.Unflatten(1, (2, 4, 5))(gnn.Flatten()(x))
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    gradcheck(lambda t, x: gnn.Unflatten(1, (2, 3))(x), [(2, 6)])


def test_unflatten_repr_and_errors():
    assert repr(gnn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
    assert repr(gnn.Unflatten(1, [2, 5])) == repr(torch.nn.Unflatten(1, [2, 5]))
    with pytest.raises(TypeError, match="must be tuple of ints, but found type int"):
        gnn.Unflatten(1, 5)
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        gnn.Unflatten(1, (2, 2.5))
    with pytest.raises(RuntimeError, match=r"Provided sizes \[2, 4\] don't multiply up to the "
                                           r"size of dim 1 \(10\)"):
        gnn.Unflatten(1, (2, 4))(galton.zeros(3, 10))
    with pytest.raises(RuntimeError, match="don't multiply up"):
        gnn.Unflatten(1, (3, -1))(galton.zeros(3, 10))
    with pytest.raises(IndexError, match="Dimension out of range"):
        gnn.Unflatten(2, (2, 5))(galton.zeros(3, 10))
