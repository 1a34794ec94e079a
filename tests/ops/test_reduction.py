import math
import warnings

import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

DIMS = [None, 0, -1, (0, 2), [1, -1], (-3, -2, -1)]
TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 2.0, 0.0], [-1.0, -1.0, 5.0, -1.0]],
                np.float32)
ZEROS = np.array([[1.0, 0.0, 3.0, 2.0], [0.0, 0.0, 2.0, 1.0], [2.0, 3.0, 4.0, 1.5]], np.float32)


def _kw(dim, keepdim):
    return {} if dim is None else {"dim": dim, "keepdim": keepdim}


# --- sum, mean ---------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_mean_against_torch(op, dim, keepdim):
    compare(lambda t, x: getattr(t, op)(x, **_kw(dim, keepdim)), [(2, 3, 4)])


@pytest.mark.parametrize("op", ["sum", "mean"])
def test_sum_mean_non_contiguous_and_0d(op):
    compare(lambda t, x: getattr(x.transpose(0, 1), op)(0), [(3, 4)])
    compare(lambda t, x: getattr(x, op)(0, keepdim=True), [()])
    compare(lambda t, x: getattr(x, op)(dim=()), [(2, 3)])


def test_sum_dtypes():
    ints = galton.tensor([[1, 2], [3, 4]], dtype=galton.int32)
    assert ints.sum().dtype == galton.int64 and ints.sum().item() == 10
    assert galton.tensor([True, True, False]).sum().item() == 2
    compare(lambda t, x: x.sum(1, dtype=t.float64), [(3, 4)])
    assert galton.ones(2, 3).sum(axis=1).shape == (2,)


def test_mean_of_integers_is_an_error():
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype.*Got: Long"):
        galton.tensor([1, 2]).mean()
    assert galton.tensor([1, 2]).mean(dtype=galton.float32).item() == 1.5


def test_bad_dims():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        galton.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        galton.ones(2, 3).sum((0, -2))


def test_sum_mean_gradcheck():
    gradcheck(lambda t, x: x.sum((0, 2)) * x.mean(-1, keepdim=True).sum(), [(2, 3, 4)])


# --- prod ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": 1}])
def test_prod_against_torch(kw):
    compare(lambda t, x: x.prod(**kw), [(3, 4)])
    compare(lambda t, x: x.prod(**kw), [(2, 3)], positive=True)
    compare(lambda t, x: x.prod(**kw), [], inputs=[ZEROS])  # rows with one and two zeros
    compare(lambda t, x: x.t().prod(**kw), [], inputs=[ZEROS])


def test_prod_gradcheck_with_zeros():
    x = galton.tensor(ZEROS.astype(np.float64), requires_grad=True)
    assert galton.autograd.gradcheck(lambda t: t.prod(1), [x])
    assert galton.autograd.gradcheck(lambda t: t.prod(), [x])
    gradcheck(lambda t, x: x.prod(0), [(3, 4)])


def test_prod_integers():
    x = galton.tensor([1, 2, 3], dtype=galton.int32)
    assert x.prod().dtype == galton.int64 and x.prod().item() == 6


# --- max, min, amax, amin, argmax, argmin ----------------------------------------------------

@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_full_splits_ties(op):
    compare(lambda t, x: getattr(x, op)(), [], inputs=[TIES])
    compare(lambda t, x: getattr(t, op)(x), [(3, 4)])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_against_torch(op, dim, keepdim):
    g_out, t_out = compare(lambda t, x: getattr(t, op)(x, dim, keepdim), [], inputs=[TIES])
    assert g_out.values is g_out[0] and g_out.indices is g_out[1]
    assert g_out.indices.dtype == galton.int64
    compare(lambda t, x: getattr(x.t(), op)(dim=dim, keepdim=keepdim), [(4, 3)])


def test_max_result_type_and_other_forms():
    r = galton.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    values, indices = r
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert repr(r).startswith("galton.return_types.max(\nvalues=tensor(")
    compare(lambda t, x, y: t.max(x, y), [(3, 4), (4,)])  # max(x, other) is maximum
    compare(lambda t, x, y: x.min(y), [(3, 4), (3, 4)])
    compare(lambda t, x: x.max(0).values, [()])
    assert galton.ones(2, 3).max(axis=1).values.shape == (2,)


def test_max_nan_and_int():
    x = galton.tensor([[1.0, math.nan, 3.0]])
    assert math.isnan(x.max().item()) and x.max(1).indices.tolist() == [1]
    assert galton.tensor([3, 9, 2]).max().item() == 9
    assert galton.tensor([3, 9, 2]).max().dtype == galton.int64


def test_max_empty_errors():
    with pytest.raises(RuntimeError, match="max\\(\\): Expected reduction dim to be specified "
                                           "for input.numel\\(\\) == 0"):
        galton.zeros(0).max()
    with pytest.raises(IndexError, match="min\\(\\): Expected reduction dim 0 to have non-zero"):
        galton.zeros(0, 3).min(0)
    with pytest.raises(IndexError, match="amax\\(\\): Expected reduction dim 0 to have non-zero"):
        galton.zeros(0, 3).amax(0)
    with pytest.raises(IndexError, match="argmax\\(\\): Expected reduction dim to be specified"):
        galton.zeros(0, 3).argmax()


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [(), 0, -1, (0, 1), [1]])
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_split_ties(op, dim, keepdim):
    compare(lambda t, x: getattr(t, op)(x, dim, keepdim), [], inputs=[TIES])
    compare(lambda t, x: getattr(x.t(), op)(dim, keepdim=keepdim), [(4, 3)])


@pytest.mark.parametrize("kw", [{}, {"keepdim": True}, {"dim": 0}, {"dim": -1},
                                {"dim": 1, "keepdim": True}])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin(op, kw):
    compare(lambda t, x: getattr(t, op)(x, **kw), [], inputs=[TIES], grad=False)
    compare(lambda t, x: getattr(x.t(), op)(**kw), [(3, 4)], grad=False)


def test_extremes_gradcheck():
    gradcheck(lambda t, x: (x.max(), x.min(1).values, x.amax((0, 1)), x.amin(-1, True)),
              [(3, 4)])


# --- var, std ------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": (0, 2)},
                                {"dim": 1, "correction": 0}, {"dim": [0, 1], "correction": 2},
                                {"dim": 1, "unbiased": False}, {"unbiased": True}])
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_against_torch(op, kw):
    compare(lambda t, x: getattr(t, op)(x, **kw), [(3, 4, 5)])


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_legacy_positional_and_non_contiguous(op):
    compare(lambda t, x: getattr(x, op)(False), [(3, 4)])
    compare(lambda t, x: getattr(x, op)(0, False, True), [(3, 4)])
    compare(lambda t, x: getattr(x.t(), op)(1), [(3, 4)])


@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
def test_var_mean_std_mean(op):
    compare(lambda t, x: getattr(t, op)(x, 1, keepdim=True), [(3, 4)])
    compare(lambda t, x: getattr(t, op)(x, correction=0), [(3, 4)])
    assert type(getattr(galton, op)(galton.ones(3))) is tuple


def test_std_gradient_where_zero():
    x = np.array([[1.0, 1.0, 1.0], [3.0, 2.0, 3.0]], np.float32)
    compare(lambda t, x: x.std(1), [], inputs=[x])


def test_var_std_gradcheck():
    gradcheck(lambda t, x: (x.var(0), x.std(1, correction=0), x.std()), [(3, 4)])


def test_var_errors_and_warning():
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        galton.tensor([1, 2]).var()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert math.isnan(galton.ones(1).var().item())
    assert "degrees of freedom is <= 0" in str(w[0].message)


# --- logsumexp, norm -----------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, -1, (0, 1), [1, 2]])
def test_logsumexp_against_torch(dim, keepdim):
    compare(lambda t, x: t.logsumexp(x, dim, keepdim), [(2, 3, 4)])
    compare(lambda t, x: x.transpose(0, 2).logsumexp(dim, keepdim=keepdim), [(2, 3, 4)])


def test_logsumexp_is_stable():
    big = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf]], np.float32)
    g_out, _ = compare(lambda t, x: x.logsumexp(1), [], inputs=[big], grad=False)
    assert np.isfinite(g_out.numpy()[0])
    compare(lambda t, x: x.logsumexp(1), [], inputs=[big[:1]])
    ints = galton.tensor([0, 1, 2, 3])
    assert abs(galton.logsumexp(ints, 0).item() - torch.logsumexp(torch.arange(4), 0).item()) < 1e-6


def test_logsumexp_gradcheck():
    gradcheck(lambda t, x: x.logsumexp((0, 1)), [(3, 4)])


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, float("inf"), -float("inf"), 0])
def test_norm_against_torch(p, dim, keepdim):
    compare(lambda t, x: x.norm(p, dim, keepdim), [(3, 4)])
    compare(lambda t, x: t.norm(x.t(), p=p, dim=dim, keepdim=keepdim), [(3, 4)])


def test_norm_gradient_at_zero_and_ties():
    zero = np.zeros((2, 3), np.float32)
    for p in [2, 1, 3]:
        compare(lambda t, x: x.norm(p), [], inputs=[zero])
        compare(lambda t, x: x.norm(p, dim=1), [], inputs=[zero])
    compare(lambda t, x: x.norm(float("inf")), [], inputs=[np.array([1.0, -3.0, 3.0], np.float32)])


def test_norm_gradcheck():
    gradcheck(lambda t, x: (x.norm(), x.norm(1, dim=0), x.norm(3, dim=1)), [(3, 4)])


def test_norm_errors():
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input."
                                           " Got Long"):
        galton.arange(4).norm()
    with pytest.raises(RuntimeError, match="Order nuc not supported"):
        galton.ones(2, 2).norm(p="nuc")


# --- all, any, count_nonzero -------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"dim": 0}, {"dim": -1, "keepdim": True}, {"dim": (0, 1)}])
@pytest.mark.parametrize("op", ["all", "any"])
def test_all_any(op, kw):
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]], np.float32)
    g_out, _ = compare(lambda t, x: getattr(x, op)(**kw), [], inputs=[x], grad=False)
    assert g_out.dtype == galton.bool
    compare(lambda t, x: getattr(t, op)(x.t() > 0, **kw), [(3, 2)], grad=False)
    compare(lambda t, x: getattr(x, op)(**kw), [], inputs=[(x > 1).astype(np.uint8)], grad=False)


@pytest.mark.parametrize("dim", [None, 0, -1, (0, 1)])
def test_count_nonzero(dim):
    compare(lambda t, x: t.count_nonzero(x, dim), [], inputs=[ZEROS], grad=False)


# --- cumsum, cumprod -----------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scans_against_torch(op, dim):
    compare(lambda t, x: getattr(t, op)(x, dim), [(2, 3, 4)])
    compare(lambda t, x: getattr(x.transpose(0, 2), op)(dim), [(2, 3, 4)])
    compare(lambda t, x: getattr(x, op)(dim % 2), [], inputs=[ZEROS])  # zeros: exact gradient
    compare(lambda t, x: getattr(x, op)(0, dtype=t.float64), [(3,)])


def test_scans_gradcheck_and_dtypes():
    gradcheck(lambda t, x: (x.cumsum(0), x.cumprod(1)), [(3, 4)])
    x = galton.tensor(ZEROS.astype(np.float64), requires_grad=True)
    assert galton.autograd.gradcheck(lambda t: t.cumprod(1), [x])
    assert galton.tensor([True, True]).cumsum(0).dtype == galton.int64
    assert galton.tensor([1, 2], dtype=galton.int32).cumprod(0).tolist() == [1, 2]


# --- median --------------------------------------------------------------------------------

def test_median():
    compare(lambda t, x: x.median(), [(3, 4)])
    compare(lambda t, x: x.median(), [], inputs=[TIES])  # ties share the gradient
    for dim, keepdim in [(0, False), (-1, True), (1, False)]:
        compare(lambda t, x: t.median(x, dim, keepdim), [(3, 5)])
    gradcheck(lambda t, x: (x.median(), x.median(0).values), [(3, 4)])


# --- binding ---------------------------------------------------------------------------------

def test_exposed_as_methods_and_functions():
    names = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var",
             "std", "logsumexp", "norm", "all", "any", "count_nonzero", "cumsum", "cumprod",
             "median"]
    for n in names:
        assert callable(getattr(galton.Tensor, n)) and callable(getattr(galton, n)), n
    assert callable(galton.var_mean) and callable(galton.std_mean)
