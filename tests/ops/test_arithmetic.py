import numpy as np
import pytest

import galton
from tests.oracle import compare, gradcheck

SHAPES = [[(3, 4), (3, 4)], [(3, 1), (4,)], [(2, 3, 4), (1, 4)], [(5,), ()]]


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_against_torch(op, shapes):
    compare(lambda t, x, y: getattr(t, op)(x, y), shapes)


@pytest.mark.parametrize("shapes", SHAPES)
def test_binary_gradcheck(shapes):
    gradcheck(lambda t, x, y: x * y + x / (y * y + 1) - y, shapes)


def test_scalars_and_reflected():
    compare(lambda t, x: 2.0 - x * 3 + 1 / (x * x + 1) + x ** 2 + 2 ** x, [(4, 3)])


def test_pow_tensor_exponent():
    compare(lambda t, x, y: t.pow(x, y), [(3,), (3,)], positive=True)


def test_dtype_promotion():
    i = galton.tensor([1, 2, 3])
    assert (i * 2.5).dtype == galton.float32
    assert (i / 2).dtype == galton.float32
    assert (i + 1).dtype == galton.int64
    f = galton.ones(3)
    d = galton.tensor(2.0, dtype=galton.float64)
    assert (f * d).dtype == galton.float32  # a 0-d tensor does not widen
    assert (f + i).dtype == galton.float32


def test_broadcast_error_names_sizes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        galton.ones(2, 3) + galton.ones(2, 4)
