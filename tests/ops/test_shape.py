import pytest

from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("fn", [
    lambda t, x, y: x.view_as(y),
    lambda t, x, y: x.reshape_as(y),
    lambda t, x, y: x.t().reshape(-1, 2),
    lambda t, x, y: x.permute(1, 0).unsqueeze(0).squeeze(0),
    lambda t, x, y: x[:, :1].expand(6, 3),
    lambda t, x, y: x.flatten().unflatten(0, (3, 2, 1)),
])
def test_shape_ops_against_torch(fn):
    compare(fn, [(6, 1), (2, 3)])


def test_view_of_non_contiguous_is_refused_like_torch():
    import galton
    with pytest.raises(RuntimeError, match="Use .reshape"):
        galton.ones(3, 4).t().view(12)


def test_shape_ops_gradcheck():
    gradcheck(lambda t, x: x.permute(1, 0).reshape(3, 2).unsqueeze(1).expand(3, 4, 2), [(2, 3)])
