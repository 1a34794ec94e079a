"""gather/scatter, index_select/index_add, masks, nonzero, sort/topk/unique against PyTorch."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

RNG = np.random.default_rng(1)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _idx(high, *shape):
    return RNG.integers(0, high, shape).astype(np.int64)


# --- gather -------------------------------------------------------------------------------------
@pytest.mark.parametrize("xs, dim, ishape", [
    ((3, 4), 1, (3, 6)),      # more picks than elements: repeats accumulate in backward
    ((3, 4), 0, (2, 4)),
    ((3, 4), -1, (2, 2)),     # index smaller than input in the other dimension
    ((2, 3, 4), 1, (2, 5, 3)),
    ((5,), 0, (7,)),
])
def test_gather(xs, dim, ishape):
    idx = _idx(xs[dim], *ishape)
    compare(lambda t, x, i: t.gather(x, dim, i), None, inputs=[_x(*xs), idx])
    compare(lambda t, x, i: x.gather(dim, i), None, inputs=[_x(*xs), idx])


def test_gather_non_contiguous_and_gradcheck():
    idx = _idx(3, 4, 2)
    compare(lambda t, x, i: t.gather(x.t(), 1, i), None, inputs=[_x(3, 4), idx])
    gradcheck(lambda t, x: t.gather(x, 1, t.tensor([[0, 0, 2], [1, 1, 1]])), [(2, 3)])


@pytest.mark.parametrize("bad, msg", [
    (lambda x: galton.gather(x, 1, galton.tensor([[0, 4]])),
     "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda x: galton.gather(x, 1, galton.tensor([[0, -1]])),
     "index -1 is out of bounds for dimension 1 with size 4"),
    (lambda x: galton.gather(x, 1, galton.tensor([0, 1])),
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda x: galton.gather(x, 1, galton.zeros(4, 2, dtype=galton.long)),
     r"Size does not match at dimension 0 expected index \[4, 2\] to be no larger than self "
     r"\[3, 4\] apart from dimension 1"),
    (lambda x: galton.gather(x, 1, galton.tensor([[0.0]])), "Expected dtype int64 for index"),
])
def test_gather_errors(bad, msg):
    with pytest.raises(RuntimeError, match=msg):
        bad(galton.zeros(3, 4))


def test_gather_dim_out_of_range():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 3\)"):
        galton.gather(galton.zeros(3, 4), 3, galton.zeros(2, 2, dtype=galton.long))


# --- take_along_dim -----------------------------------------------------------------------------
def test_take_along_dim():
    compare(lambda t, x, i: t.take_along_dim(x, i, dim=1), None,
            inputs=[_x(3, 4), _idx(4, 3, 2)])
    compare(lambda t, x, i: t.take_along_dim(x, i), None, inputs=[_x(3, 4), _idx(12, 2, 3)])
    # input and indices broadcast in the other dimensions
    compare(lambda t, x, i: t.take_along_dim(x, i, dim=1), None,
            inputs=[_x(1, 4), _idx(4, 3, 2)])
    compare(lambda t, x, i: x.take_along_dim(i, 0), None, inputs=[_x(5, 3), _idx(5, 2, 1)])


def test_take_along_dim_with_argsort_is_sort():
    x = galton.randn(4, 5)
    np.testing.assert_array_equal(galton.take_along_dim(x, x.argsort(1), 1).numpy(),
                                  x.sort(1).values.numpy())


def test_take_along_dim_errors():
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        galton.take_along_dim(galton.zeros(3, 4), galton.zeros(2, 2, dtype=galton.long), 0)
    with pytest.raises(RuntimeError, match="should have the same number of dimensions"):
        galton.take_along_dim(galton.zeros(3, 4), galton.zeros(2, dtype=galton.long), 0)


# --- scatter / scatter_add ----------------------------------------------------------------------
def _perm_index(rows, cols, n):
    """Distinct indices per row, so which duplicate wins never matters (undefined in torch)."""
    return np.stack([RNG.permutation(n)[:cols] for _ in range(rows)]).astype(np.int64)


@pytest.mark.parametrize("xs, ss, rows, cols", [((3, 5), (3, 4), 3, 4), ((3, 5), (2, 3), 2, 3)])
def test_scatter_src(xs, ss, rows, cols):
    idx = _perm_index(rows, cols, xs[1])
    compare(lambda t, x, s, i: t.scatter(x, 1, i, s), None, inputs=[_x(*xs), _x(*ss), idx])
    compare(lambda t, x, s, i: x.scatter(1, i, s), None, inputs=[_x(*xs), _x(*ss), idx])


def test_scatter_dim0_and_value():
    idx = _perm_index(4, 3, 4).T.copy()  # (3, 4), distinct along dim 0 per column
    compare(lambda t, x, s, i: t.scatter(x, 0, i, s), None, inputs=[_x(4, 4), _x(3, 4), idx])
    out, _ = compare(lambda t, x, i: t.scatter(x, 0, i, 2.5), None, inputs=[_x(4, 4), idx])
    assert out.grad_fn.name() == "ScatterBackward1"
    compare(lambda t, x, i: t.scatter(x, 0, i, value=-1.0), None, inputs=[_x(4, 4), idx])


@pytest.mark.filterwarnings("ignore:The reduce argument")
def test_scatter_reduce_forward_and_no_backward():
    idx = np.array([[0, 0, 1]])
    compare(lambda t, x, s, i: t.scatter(x, 1, i, s, reduce="add"), None,
            inputs=[_x(2, 3), _x(1, 3), idx], grad=False)
    compare(lambda t, x, s, i: t.scatter(x, 1, i, s, reduce="multiply"), None,
            inputs=[_x(2, 3), _x(1, 3), idx], grad=False)
    x = galton.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
        x.scatter(1, galton.tensor(idx), 2.0, reduce="add").sum().backward()


def test_scatter_int_tensor_truncates_value():
    out = galton.scatter(galton.zeros(3, dtype=galton.long), 0, galton.tensor([0, 1]), 2.5)
    assert out.dtype == galton.int64 and out.tolist() == [2, 2, 0]


def test_scatter_errors():
    x = galton.zeros(3, 4)
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply."):
        x.scatter(1, galton.tensor([[0]]), 2.0, reduce="max")
    with pytest.raises(RuntimeError, match=r"Expected index \[1, 3\] to be no larger than self "
                                           r"\[3, 4\] apart from dimension 1 and to be no larger "
                                           r"size than src \[1, 2\]"):
        x.scatter(1, galton.tensor([[0, 1, 2]]), galton.ones(1, 2))
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        x.scatter(1, galton.tensor([[0, 1]]), galton.ones(1, 2, dtype=galton.float64))
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x.scatter(1, galton.tensor([[4]]), 1.0)
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        galton.scatter_add(x, 1, galton.tensor([[0, 1]]), 2.0)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_add_repeated_indices(dim):
    idx = _idx(3, 5, 4) if dim == 0 else _idx(4, 3, 6)
    ss = (5, 4) if dim == 0 else (3, 6)
    compare(lambda t, x, s, i: t.scatter_add(x, dim, i, s), None,
            inputs=[_x(3, 4), _x(*ss), idx])
    compare(lambda t, x, s, i: x.scatter_add(dim, i, s), None, inputs=[_x(3, 4), _x(*ss), idx])


def test_scatter_add_gradcheck():
    gradcheck(lambda t, x, s: t.scatter_add(x, 1, t.tensor([[0, 0, 2], [1, 1, 1]]), s),
              [(2, 3), (2, 4)])


# --- index_select / index_add -------------------------------------------------------------------
@pytest.mark.parametrize("xs, dim, n", [((5, 3), 0, 7), ((3, 5), 1, 4), ((2, 3, 4), -1, 6)])
def test_index_select(xs, dim, n):
    idx = _idx(xs[dim], n)  # repeats included
    compare(lambda t, x, i: t.index_select(x, dim, i), None, inputs=[_x(*xs), idx])
    compare(lambda t, x, i: x.index_select(dim, i), None, inputs=[_x(*xs), idx])


def test_index_select_int32_scalar_index_and_gradcheck():
    compare(lambda t, x, i: t.index_select(x, 1, i), None,
            inputs=[_x(3, 4), np.array([2, 0, 2], dtype=np.int32)])
    compare(lambda t, x, i: t.index_select(x, 1, i), None, inputs=[_x(3, 4), np.array(1)])
    gradcheck(lambda t, x: t.index_select(x, 0, t.tensor([2, 2, 0])), [(3, 2)])


def test_index_select_errors():
    x = galton.zeros(3, 4)
    with pytest.raises(IndexError, match=r"index_select\(\): Index is supposed to be a vector"):
        x.index_select(1, galton.tensor([[0]]))
    with pytest.raises(RuntimeError, match="Expected dtype int32 or int64 for index"):
        x.index_select(1, galton.tensor([0.0]))
    with pytest.raises(RuntimeError, match="out of DATA bounds, id=7 axis_dim=4"):
        x.index_select(1, galton.tensor([7]))
    with pytest.raises(RuntimeError, match="out of DATA bounds, id=-1 axis_dim=4"):
        x.index_select(1, galton.tensor([-1]))


@pytest.mark.parametrize("alpha", [1, 2.5])
def test_index_add(alpha):
    idx = np.array([0, 2, 0, 1])
    compare(lambda t, x, s, i: t.index_add(x, 0, i, s, alpha=alpha), None,
            inputs=[_x(3, 4), _x(4, 4), idx])
    compare(lambda t, x, s, i: x.index_add(1, i, s, alpha=alpha), None,
            inputs=[_x(2, 3), _x(2, 4), idx])


def test_index_add_shape_error():
    with pytest.raises(RuntimeError, match=r"Got self.shape = \[3, 4\] source.shape = \[2, 3\]"):
        galton.index_add(galton.zeros(3, 4), 0, galton.tensor([0, 0]), galton.ones(2, 3))


# --- masks --------------------------------------------------------------------------------------
@pytest.mark.parametrize("xs, ms", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (2, 3, 4))])
def test_masked_fill(xs, ms):
    mask = RNG.random(ms) > 0.5
    compare(lambda t, x, m: t.masked_fill(x, m, -1.5), None, inputs=[_x(*xs), mask])
    compare(lambda t, x, m: x.masked_fill(m, float("-inf")).exp(), None, inputs=[_x(*xs), mask])


def test_masked_fill_tensor_value_gets_gradient():
    mask = RNG.random((3, 4)) > 0.5
    compare(lambda t, x, v, m: t.masked_fill(x, m, v), None,
            inputs=[_x(3, 4), np.array(0.7, dtype=np.float32), mask])


def test_masked_fill_dtypes():
    m = galton.tensor([True, False, True])
    assert galton.masked_fill(galton.tensor([1, 2, 3]), m, 2.7).tolist() == [2, 2, 2]
    out = galton.masked_fill(galton.tensor([1.0, 2, 3]), m, galton.tensor(2))
    assert out.dtype == galton.float32 and out.tolist() == [2.0, 2.0, 2.0]


def test_masked_fill_errors():
    x = galton.zeros(3, 4)
    with pytest.raises(RuntimeError, match="only supports boolean masks, but got mask with dtype "
                                           "float"):
        x.masked_fill(galton.ones(4), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor, but got "
                                           r"tensor with 1 dimension\(s\)"):
        x.masked_fill(galton.ones(4, dtype=galton.bool), galton.ones(2))


@pytest.mark.parametrize("xs, ms", [((3, 4), (3, 4)), ((4,), (3, 4)), ((3, 1), (4,))])
def test_masked_select(xs, ms):
    mask = RNG.random(ms) > 0.4
    compare(lambda t, x, m: t.masked_select(x, m), None, inputs=[_x(*xs), mask])
    compare(lambda t, x, m: x.masked_select(m), None, inputs=[_x(*xs), mask])


def test_masked_select_needs_bool():
    with pytest.raises(RuntimeError, match="masked_select: expected BoolTensor for mask"):
        galton.masked_select(galton.ones(4), galton.ones(4))


# --- nonzero / argwhere -------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[[0, 1], [2, 0]], [0.0, 1.5, 0.0, -2.0], [[False, True, True]],
                                  5, 0, [[0, 0]]])
def test_nonzero(data):
    g, t = galton.tensor(data), torch.tensor(data)
    for a, b in [(g.nonzero(), t.nonzero()), (galton.argwhere(g), torch.argwhere(t))]:
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == galton.int64
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    ga, ta = galton.nonzero(g, as_tuple=True), torch.nonzero(t, as_tuple=True)
    assert len(ga) == len(ta)
    for a, b in zip(ga, ta):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == galton.int64


def test_nonzero_as_index():
    x = galton.tensor([[0.0, 1.0], [2.0, 0.0]])
    assert x[x.nonzero(as_tuple=True)].tolist() == [1.0, 2.0]


# --- sort / argsort / topk ----------------------------------------------------------------------
@pytest.mark.parametrize("shape, dim", [((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -2)])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(shape, dim, descending):
    compare(lambda t, x: t.sort(x, dim, descending), [shape])
    compare(lambda t, x: x.sort(dim=dim, descending=descending).indices.float(), [shape],
            grad=False)
    compare(lambda t, x: t.argsort(x, dim, descending).float(), [shape], grad=False)


@pytest.mark.parametrize("descending", [False, True])
def test_sort_stable_with_ties(descending):
    data = RNG.integers(0, 3, (4, 9))
    g = galton.sort(galton.tensor(data), stable=True, descending=descending)
    t = torch.sort(torch.tensor(data), stable=True, descending=descending)
    np.testing.assert_array_equal(g.values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())
    np.testing.assert_array_equal(galton.tensor(data).argsort(stable=True, dim=1).numpy(),
                                  torch.tensor(data).argsort(stable=True, dim=1).numpy())


def test_sort_nan_bool_and_0d():
    nan = float("nan")
    for desc in (False, True):
        g = galton.sort(galton.tensor([1.0, nan, -1.0]), descending=desc)
        t = torch.sort(torch.tensor([1.0, nan, -1.0]), descending=desc)
        np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())
    assert galton.sort(galton.tensor([True, False])).values.tolist() == [False, True]
    v, i = galton.sort(galton.tensor(3.0))
    assert v.item() == 3.0 and i.item() == 0 and i.shape == ()


def test_sort_gradcheck():
    gradcheck(lambda t, x: t.sort(x, 1, True).values * t.arange(4.0), [(3, 4)])


@pytest.mark.parametrize("shape, k, dim", [((10,), 3, 0), ((4, 30), 2, 1), ((4, 6), 6, -1),
                                           ((5, 4), 2, 0), ((4, 30), 0, 1)])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(shape, k, dim, largest):
    g, t = compare(lambda t, x: t.topk(x, k, dim, largest), [shape])
    np.testing.assert_array_equal(g.indices.numpy(), t.indices.numpy())
    g, t = compare(lambda t, x: x.topk(k, dim=dim, largest=largest), [shape], grad=False)
    assert g.indices.dtype == galton.int64


def test_topk_ints_and_errors():
    g = galton.topk(galton.tensor([1, 5, 3]), 2)
    assert g.values.tolist() == [5, 3] and g.indices.tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        galton.topk(galton.zeros(3, 4), 5)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        galton.topk(galton.zeros(3, 4), -1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        galton.topk(galton.zeros(3, 4), 2, dim=4)


def test_topk_gradcheck():
    gradcheck(lambda t, x: t.topk(x, 2, dim=0).values, [(5, 3)])


# --- unique -------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[3, 1, 3, 2], [[3.5, 1.0], [3.5, -2.0]], [True, False, True]])
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_unique(data, inverse, counts):
    g = galton.unique(galton.tensor(data), return_inverse=inverse, return_counts=counts)
    t = torch.unique(torch.tensor(data), return_inverse=inverse, return_counts=counts)
    g = g if isinstance(g, tuple) else (g,)
    t = t if isinstance(t, tuple) else (t,)
    assert len(g) == len(t)
    for a, b in zip(g, t):
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[7:] == str(b.dtype)[6:]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_unique_dim_and_method():
    data = [[3, 1], [0, 2], [3, 1]]
    g = galton.tensor(data).unique(dim=0, return_inverse=True, return_counts=True)
    t = torch.tensor(data).unique(dim=0, return_inverse=True, return_counts=True)
    for a, b in zip(g, t):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert galton.tensor([3, 1, 3]).unique(sorted=False).tolist() == [1, 3]
