import numpy as np
import pytest

import galton
from tests.oracle import compare, gradcheck


# --- cat, stack and the *stack family ------------------------------------------------------------

@pytest.mark.parametrize("name", ["cat", "concat"])
@pytest.mark.parametrize("dim, shapes", [(0, [(2, 3), (4, 3)]), (1, [(2, 3), (2, 1), (2, 2)]),
                                         (-1, [(2, 3, 4), (2, 3, 1)]), (-2, [(2, 1, 4), (2, 3, 4)])])
def test_cat_against_torch(name, dim, shapes):
    compare(lambda t, *xs: getattr(t, name)(xs, dim), shapes)
    compare(lambda t, *xs: getattr(t, name)([x.transpose(0, -1) for x in xs], -1 - dim if dim < 0
                                            else len(shapes[0]) - 1 - dim), shapes)


def test_concatenate_and_legacy_empty():
    compare(lambda t, x, y: t.concatenate((x, y), axis=1), [(2, 3), (2, 2)])
    compare(lambda t, x, y: t.cat([x, y, t.zeros(0)], dim=0), [(2, 3), (1, 3)])


def test_cat_promotes_dtypes():
    i = galton.tensor([1, 2])
    assert galton.cat([galton.ones(2), i]).dtype == galton.float32
    assert galton.cat([i, galton.ones(2, dtype=galton.float64)]).dtype == galton.float64
    assert galton.cat([galton.tensor([True]), galton.tensor([3], dtype=galton.int32)]).dtype \
        == galton.int32
    compare(lambda t, x, y: t.cat([x, y.double()]), [(2, 3), (1, 3)])  # grad back to float32


def test_cat_errors():
    with pytest.raises(RuntimeError, match=r"^Sizes of tensors must match except in dimension 1\. "
                                           r"Expected size 3 but got size 4 for tensor number 1 "
                                           r"in the list\.$"):
        galton.cat([galton.ones(3, 2), galton.ones(4, 2)], 1)
    with pytest.raises(ValueError, match=r"torch.cat\(\): expected a non-empty list of Tensors"):
        galton.cat([])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 "
                                           "and 3"):
        galton.cat([galton.ones(2, 3), galton.ones(2, 3, 1)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\) cannot be "
                                           "concatenated"):
        galton.cat([galton.tensor(1.0), galton.tensor(2.0)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        galton.cat([galton.ones(2, 3)], 2)
    with pytest.raises(TypeError, match="expected Tensor as element 1 in argument 0, but got list"):
        galton.cat([galton.ones(2), [1.0, 2.0]])


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack_against_torch(dim):
    compare(lambda t, x, y, z: t.stack([x, y, z], dim), [(2, 3)] * 3)
    compare(lambda t, x, y: t.stack((x.t(), y.t()), dim=dim), [(3, 2)] * 2)


def test_stack_errors_and_promotion():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
        galton.stack([galton.ones(2, 3), galton.ones(2, 4)])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        galton.stack([])
    with pytest.raises(IndexError, match="Dimension out of range"):
        galton.stack([galton.ones(2, 3)], 3)
    assert galton.stack([galton.ones(2), galton.tensor([1, 2])]).dtype == galton.float32


@pytest.mark.parametrize("op", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(), ()]])
def test_stack_family_against_torch(op, shapes):
    compare(lambda t, *xs: getattr(t, op)(xs), shapes)


def test_stack_family_mixed_and_errors():
    compare(lambda t, x, y: t.hstack([x, y]), [(2, 3), (2, 1)])
    compare(lambda t, x, y: t.vstack([x, y]), [(3,), (2, 3)])
    compare(lambda t, x, y: t.column_stack([x, y]), [(3,), (3, 2)])
    for op in ["hstack", "vstack", "dstack"]:
        with pytest.raises(RuntimeError, match=f"{op} expects a non-empty TensorList"):
            getattr(galton, op)([])


@pytest.mark.parametrize("op", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(op):
    for shape in [(), (3,), (2, 3), (2, 3, 4)]:
        compare(lambda t, x: getattr(t, op)(x), [shape])
    compare(lambda t, x, y: getattr(t, op)([x, y]), [(), (3,)])


def test_cat_stack_gradcheck():
    gradcheck(lambda t, x, y: (t.cat([x, y], 1), t.stack([x[:, :2], y], -1), t.hstack([x, y])),
              [(2, 3), (2, 2)])


# --- split, chunk, unbind, narrow ------------------------------------------------------------

@pytest.mark.parametrize("size, dim", [(2, 0), (3, 1), (1, -1), ([1, 3], 0), ([2, 0, 2], -1),
                                       (10, 1)])
def test_split_against_torch(size, dim):
    compare(lambda t, x: t.split(x, size, dim), [(4, 4)])
    compare(lambda t, x: x.t().split(size, dim=dim), [(4, 4)])


def test_split_pieces_are_separate_nodes():
    x = galton.randn(5, 2, requires_grad=True)
    a, b, c = x.split(2)
    assert a.grad_fn is not b.grad_fn and b.grad_fn is not c.grad_fn
    (b * 3).sum().backward()  # only b is used: its slice gets the gradient, the rest zeros
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0], [0, 0], [3, 3], [3, 3], [0, 0]])
    x.grad = None
    x.unbind(1)[1].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.tile([0.0, 1.0], (5, 1)))


def test_split_errors():
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly "
                                           r"to 5 \(input tensor's size at dimension 0\), but got "
                                           r"split_sizes=\[2, 2\]"):
        galton.ones(5).split([2, 2])
    with pytest.raises(RuntimeError, match="non-negative entries"):
        galton.ones(5).split([6, -1])
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        galton.ones(5).split(0)
    with pytest.raises(RuntimeError, match="split_size be non-negative"):
        galton.ones(5).split(-1)
    with pytest.raises(RuntimeError, match="split expects at least a 1-dimensional tensor"):
        galton.tensor(1.0).split(1)


@pytest.mark.parametrize("chunks, dim", [(2, 0), (3, 1), (4, -1), (6, 0), (1, 1)])
def test_chunk_against_torch(chunks, dim):
    compare(lambda t, x: t.chunk(x, chunks, dim), [(5, 6)])
    compare(lambda t, x: x.t().chunk(chunks, dim=dim), [(6, 5)])


def test_chunk_edge_cases():
    assert [tuple(c.shape) for c in galton.ones(6).chunk(4)] == [(2,), (2,), (2,)]
    assert len(galton.ones(0).chunk(3)) == 3
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        galton.ones(5).chunk(0)
    with pytest.raises(RuntimeError, match="chunk expects at least a 1-dimensional tensor"):
        galton.tensor(1.0).chunk(2)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_against_torch(dim):
    compare(lambda t, x: t.unbind(x, dim), [(2, 3, 4)])
    compare(lambda t, x: x.transpose(0, 2).unbind(dim), [(2, 3, 4)])
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        galton.tensor(1.0).unbind()


@pytest.mark.parametrize("dim, start, length", [(0, 1, 2), (1, -3, 3), (-1, 0, 0), (1, 4, 1)])
def test_narrow_against_torch(dim, start, length):
    compare(lambda t, x: x.narrow(dim, start, length), [(3, 5)])
    compare(lambda t, x: t.narrow(x.t(), dim, start, length), [(5, 5)])


def test_narrow_errors():
    with pytest.raises(RuntimeError, match=r"start \(4\) \+ length \(2\) exceeds dimension size "
                                           r"\(5\)\."):
        galton.ones(5).narrow(0, 4, 2)
    with pytest.raises(RuntimeError, match=r"narrow\(\): length must be non-negative\."):
        galton.ones(5).narrow(0, 1, -1)
    with pytest.raises(IndexError, match=r"start out of range \(expected to be in range of "
                                         r"\[-5, 5\], but got 6\)"):
        galton.ones(5).narrow(0, 6, 0)


def test_split_chunk_unbind_narrow_gradcheck():
    gradcheck(lambda t, x: x.split([1, 2], 1) + x.chunk(2, 0) + x.unbind(-1)
              + (x.narrow(0, 1, 2),), [(3, 3)])


# --- repeat, tile, repeat_interleave -----------------------------------------------------------

@pytest.mark.parametrize("sizes", [(2, 3), (1, 1), (2, 1, 2), (3, 2, 1, 1), (0, 2)])
def test_repeat_against_torch(sizes):
    compare(lambda t, x: x.repeat(*sizes), [(2, 3)])
    compare(lambda t, x: x.t().repeat(list(sizes)), [(3, 2)])


def test_repeat_errors():
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be "
                                           "smaller than number of dimensions of tensor"):
        galton.ones(2, 3).repeat(2)
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -3: "
                                           r"\[4, -3\]"):
        galton.ones(2, 3).repeat(2, -1)


@pytest.mark.parametrize("dims", [(2,), (2, 3), (2, 1, 2), ()])
def test_tile_against_torch(dims):
    compare(lambda t, x: t.tile(x, dims), [(2, 3)])
    compare(lambda t, x: x.t().tile(dims), [(3, 2)])


@pytest.mark.parametrize("kw", [{"repeats": 2}, {"repeats": 3, "dim": 0}, {"repeats": 2, "dim": -1},
                                {"repeats": 0, "dim": 1}])
def test_repeat_interleave_against_torch(kw):
    compare(lambda t, x: x.repeat_interleave(**kw), [(2, 3)])
    compare(lambda t, x: t.repeat_interleave(x.t(), **kw), [(3, 2)])


def test_repeat_interleave_tensor_repeats():
    compare(lambda t, x: x.repeat_interleave(t.tensor([1, 0, 3]), dim=1), [(2, 3)])
    compare(lambda t, x: x.repeat_interleave(t.tensor([2, 1]), dim=0), [(2, 3)])
    compare(lambda t, x: x.repeat_interleave(t.tensor([2])), [(2, 3)])
    assert galton.repeat_interleave(galton.tensor([1, 2])).tolist() == [0, 1, 1]
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        galton.ones(2).repeat_interleave(-1)
    with pytest.raises(RuntimeError, match=r"repeats must have the same size as input along dim, "
                                           r"but got repeats.size\(0\) = 3 and input.size\(0\) = 2"):
        galton.ones(2, 2).repeat_interleave(galton.tensor([1, 2, 3]), dim=0)


def test_repeat_gradcheck():
    gradcheck(lambda t, x: (x.repeat(2, 1, 2), x.tile((3,)), x.repeat_interleave(2, dim=1),
                            x.repeat_interleave(t.tensor([2, 0]), dim=0)), [(2, 3)])


# --- flip, roll, tril, triu, movedim, diag -----------------------------------------------------

@pytest.mark.parametrize("dims", [(0,), (1,), (-1,), (0, 1), (0, 2), ()])
def test_flip_against_torch(dims):
    compare(lambda t, x: t.flip(x, dims), [(2, 3, 4)])
    compare(lambda t, x: x.transpose(0, 1).flip(dims), [(2, 3, 4)])


def test_flip_variants_and_copy():
    compare(lambda t, x: (t.fliplr(x), t.flipud(x), x.flip(0, 1)), [(2, 3)])
    x = galton.arange(3)
    y = x.flip(0)
    y.data[0] = 9  # flip copies, as in PyTorch
    assert x.tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        galton.ones(2, 3).flip((0, -2))
    with pytest.raises(RuntimeError, match="Input must be >= 2-d."):
        galton.ones(3).fliplr()


@pytest.mark.parametrize("shifts, dims", [(1, None), ((2,), None), (1, 0), (-1, -1),
                                          ((1, 2), (0, 1)), ((5, -4), (1, 2)), (2, (1,))])
def test_roll_against_torch(shifts, dims):
    compare(lambda t, x: t.roll(x, shifts, dims), [(2, 3, 4)])
    compare(lambda t, x: x.transpose(1, 2).roll(shifts, dims), [(2, 3, 4)])


def test_roll_errors():
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:1"):
        galton.ones(2, 3).roll((1, 2), 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:0"):
        galton.ones(2, 3).roll((1, 2))


@pytest.mark.parametrize("diagonal", [0, 1, -1, 5, -5])
@pytest.mark.parametrize("op", ["tril", "triu"])
def test_tril_triu_against_torch(op, diagonal):
    compare(lambda t, x: getattr(t, op)(x, diagonal), [(3, 4)])
    compare(lambda t, x: getattr(x.transpose(0, 2), op)(diagonal=diagonal), [(4, 3, 2)])
    with pytest.raises(RuntimeError, match=f"{op}: input tensor must have at least 2 dimensions"):
        getattr(galton.ones(3), op)()


@pytest.mark.parametrize("src, dst", [(0, 2), (-1, 0), ((0, 1), (2, 0)), ([2], [1])])
def test_movedim_against_torch(src, dst):
    compare(lambda t, x: t.movedim(x, src, dst), [(2, 3, 4)])
    compare(lambda t, x: x.transpose(0, 2).moveaxis(src, dst), [(2, 3, 4)])


def test_movedim_errors():
    with pytest.raises(RuntimeError, match="movedim: Invalid source or destination dims"):
        galton.ones(2, 3).movedim((0, 1), (0,))
    with pytest.raises(RuntimeError, match=r"movedim: repeated dim in `source` \(\[0, 0\]\)"):
        galton.ones(2, 3).movedim((0, 0), (0, 1))


@pytest.mark.parametrize("k", [0, 1, -1, 2])
def test_diag_diagonal_against_torch(k):
    compare(lambda t, x: t.diag(x, k), [(3,)])
    compare(lambda t, x: t.diag(x, k), [(3, 4)])
    compare(lambda t, x: x.t().diag(k), [(3, 4)])
    compare(lambda t, x: x.diagonal(k, 0, 2), [(3, 2, 4)])
    compare(lambda t, x: t.diagonal(x, offset=k, dim1=-1, dim2=-2), [(2, 3, 4)])


def test_diag_errors():
    with pytest.raises(RuntimeError, match="diag\\(\\): Supports 1D or 2D tensors. Got 3D"):
        galton.ones(2, 3, 4).diag()
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        galton.ones(2, 2).diagonal(0, 1, 1)


def test_rearranging_gradcheck():
    gradcheck(lambda t, x: (x.flip(0, 2), x.roll((1, -1), (0, 2)), x.roll(3), x.tril(-1),
                            x.triu(1), x.movedim(0, -1), x.diagonal(1, 1, 2), x[0].diag(1),
                            x[:, 0].diag()), [(2, 3, 4)])


def test_exposed_as_methods_and_functions():
    for n in ["split", "chunk", "unbind", "narrow", "repeat", "tile", "repeat_interleave",
              "flip", "roll", "tril", "triu", "movedim", "moveaxis", "diag", "diagonal"]:
        assert callable(getattr(galton.Tensor, n)), n
    for n in ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk",
              "unbind", "tile", "flip", "roll", "tril", "triu", "narrow", "movedim", "diag"]:
        assert callable(getattr(galton, n)), n
