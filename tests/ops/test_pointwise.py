import pytest

from tests.oracle import compare, gradcheck

UNARY = ["exp", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "erf", "neg", "square"]
POSITIVE = ["log", "sqrt", "rsqrt", "log1p", "reciprocal"]


@pytest.mark.parametrize("op", UNARY)
def test_unary_against_torch(op):
    compare(lambda t, x: getattr(t, op)(x), [(4, 5)])


@pytest.mark.parametrize("op", POSITIVE)
def test_positive_unary_against_torch(op):
    compare(lambda t, x: getattr(t, op)(x), [(4, 5)], positive=True)


@pytest.mark.parametrize("op", UNARY + POSITIVE)
def test_unary_gradcheck(op):
    gradcheck(lambda t, x: getattr(t, op)(x), [(3, 2)], positive=op in POSITIVE)


def test_clamp_where():
    compare(lambda t, x: t.clamp(x, -0.5, 0.5), [(6, 3)])
    compare(lambda t, x, y: t.where(x > 0, x, y), [(3, 4), (4,)])
