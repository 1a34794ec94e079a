"""The long tail of torch functions and Tensor methods (galton/ops/trig.py, elementwise.py,
products.py, scans.py, views.py), each against PyTorch 2.13: values, dtypes and shapes, the
gradients of the same upstream gradient, and float64 finite differences."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare

R = np.random.default_rng(0)


def u(lo, hi, *shape, dtype=np.float32):
    return R.uniform(lo, hi, shape).astype(dtype)


def n(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def ints(lo, hi, *shape):
    return R.integers(lo, hi, shape).astype(np.int64)


def with_nan(a, frac=0.3):
    a = a.copy()
    a[np.random.default_rng(1).random(a.shape) < frac] = np.nan
    return a


# (id, fn(lib, *tensors), input arrays, differentiable)
CASES = [
    ("asin", lambda L, x: L.asin(x), [u(-0.9, 0.9, 3, 4)], True),
    ("acos", lambda L, x: x.acos(), [u(-0.9, 0.9, 3, 4)], True),
    ("atan", lambda L, x: L.arctan(x), [n(3, 4)], True),
    ("sinh", lambda L, x: L.sinh(x), [n(3, 4)], True),
    ("cosh", lambda L, x: x.cosh(), [n(3, 4)], True),
    ("asinh", lambda L, x: L.asinh(x), [n(3, 4)], True),
    ("acosh", lambda L, x: L.acosh(x), [u(1.2, 3, 3, 4)], True),
    ("atanh", lambda L, x: x.arctanh(), [u(-0.9, 0.9, 5)], True),
    ("exp2", lambda L, x: L.exp2(x), [n(4)], True),
    ("deg2rad", lambda L, x: L.deg2rad(x), [n(4)], True),
    ("rad2deg", lambda L, x: x.rad2deg(), [n(4)], True),
    ("sinc", lambda L, x: L.sinc(x), [np.array([0.0, 0.3, -1.2, 2.5], np.float32)], True),
    ("atan2", lambda L, y, x: L.atan2(y, x), [n(3, 4), n(4)], True),
    ("arctan2", lambda L, y, x: y.arctan2(x), [n(3, 4), n(3, 4)], True),
    ("hypot", lambda L, a, b: L.hypot(a, b), [n(2, 3), n(2, 3)], True),
    ("erfc", lambda L, x: L.erfc(x), [n(5)], True),
    ("frac", lambda L, x: L.frac(x), [n(5) * 3], True),
    ("fix", lambda L, x: x.fix(), [n(5) * 3], False),
    ("positive", lambda L, x: L.positive(x), [n(5)], True),
    ("logit", lambda L, x: L.logit(x), [u(0.1, 0.9, 5)], True),
    ("logit_eps", lambda L, x: x.logit(eps=0.2), [u(0.01, 0.99, 6)], True),
    ("xlogy", lambda L, x, y: L.xlogy(x, y),
     [np.array([0.0, 1.5, -2.0, 0.0], np.float32), u(0.5, 2, 4)], True),
    ("xlogy_scalar", lambda L, y: L.xlogy(2.0, y), [u(0.5, 2, 4)], True),
    ("logaddexp", lambda L, a, b: L.logaddexp(a, b), [n(3, 4) * 50, n(4) * 50], True),
    ("logaddexp_inf", lambda L, a, b: L.logaddexp(a, b),
     [np.array([-np.inf, 1.0], np.float32), np.array([-np.inf, 2.0], np.float32)], False),
    ("logaddexp2", lambda L, a, b: a.logaddexp2(b), [n(5), n(5)], True),
    ("copysign", lambda L, a, b: L.copysign(a, b), [n(6), n(6)], True),
    ("copysign_int", lambda L, a: L.copysign(a, -1), [ints(-3, 3, 4)], False),
    ("fmax", lambda L, a, b: L.fmax(a, b), [with_nan(n(8)), with_nan(n(8))], True),
    ("fmin", lambda L, a, b: a.fmin(b), [with_nan(n(8)), n(8)], True),
    ("float_power", lambda L, a, b: L.float_power(a, b), [u(0.5, 2, 4), n(4)], True),
    ("float_power_scalar", lambda L, a: a.float_power(2), [n(4)], True),
    # non-negative exponents: PyTorch's gradient takes 2 ** other in integers (0 for other < 0)
    ("ldexp", lambda L, a, b: L.ldexp(a, b), [n(4), ints(0, 3, 4)], True),
    ("frexp", lambda L, a: L.frexp(a), [n(5) * 10], False),
    ("heaviside", lambda L, a, b: L.heaviside(a, b),
     [np.array([-1.0, 0.0, 2.0], np.float32), np.array([0.5], np.float32)], False),
    ("nextafter", lambda L, a, b: L.nextafter(a, b), [n(4), n(4)], False),
    ("gcd", lambda L, a, b: L.gcd(a, b), [ints(0, 30, 5), ints(1, 30, 5)], False),
    ("lcm", lambda L, a, b: a.lcm(b), [ints(0, 30, 5), ints(1, 30, 5)], False),
    ("bitwise_xor", lambda L, a, b: L.bitwise_xor(a, b), [ints(0, 30, 5), ints(0, 30, 5)], False),
    ("shifts", lambda L, a, b: (L.bitwise_left_shift(a, b), a.bitwise_right_shift(b)),
     [ints(0, 30, 5), ints(0, 4, 5)], False),
    ("signbit", lambda L, a: L.signbit(a), [np.array([-0.0, 0.0, -1, 2], np.float32)], False),
    ("isposinf", lambda L, a: (L.isposinf(a), a.isneginf(), L.isreal(a)),
     [np.array([np.inf, -np.inf, 1, np.nan], np.float32)], False),
    ("i0", lambda L, a: L.i0(a), [n(6) * 4], True),
    ("clamp_min_max", lambda L, a: (L.clamp_min(a, -0.5), a.clamp_max(0.3)), [n(6)], True),
    # products
    ("addmm", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2), [n(3), n(3, 4), n(4, 3)],
     True),
    ("addmm_beta0", lambda L, c, a, b: c.addmm(a, b, beta=0),
     [np.full((2, 2), np.nan, np.float32), n(2, 3), n(3, 2)], True),
    ("addmv", lambda L, c, a, b: L.addmv(c, a, b, alpha=3), [n(3), n(3, 4), n(4)], True),
    ("addr", lambda L, c, a, b: c.addr(a, b), [n(3, 4), n(3), n(4)], True),
    ("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b, beta=2), [n(2, 3, 3), n(2, 3, 4),
                                                                  n(2, 4, 3)], True),
    ("addbmm", lambda L, c, a, b: c.addbmm(a, b), [n(3, 3), n(2, 3, 4), n(2, 4, 3)], True),
    ("addcmul", lambda L, x, a, b: L.addcmul(x, a, b, value=0.5), [n(3, 4), n(4), n(3, 1)], True),
    ("addcdiv", lambda L, x, a, b: x.addcdiv(a, b, value=2), [n(3, 4), n(3, 4), u(1, 2, 4)],
     True),
    ("lerp", lambda L, a, b: L.lerp(a, b, 0.3), [n(3, 4), n(3, 4)], True),
    ("lerp_tensor", lambda L, a, b, w: a.lerp(b, w), [n(3, 4), n(4), u(0, 1, 3, 1)], True),
    ("trace", lambda L, a: L.trace(a), [n(3, 4)], True),
    ("inner", lambda L, a, b: L.inner(a, b), [n(2, 4), n(3, 4)], True),
    ("vdot", lambda L, a, b: L.vdot(a, b), [n(4), n(4)], True),
    ("ger", lambda L, a, b: a.ger(b), [n(3), n(2)], True),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [0, 2])),
     [n(3, 4, 2), n(4, 5, 3)], True),
    ("tensordot_int", lambda L, a, b: L.tensordot(a, b, 1), [n(3, 4), n(4, 2)], True),
    ("kron", lambda L, a, b: L.kron(a, b), [n(2, 3), n(4, 2)], True),
    ("kron_mixed_ndim", lambda L, a, b: a.kron(b), [n(2), n(2, 3)], True),
    ("dist", lambda L, a, b: L.dist(a, b, 3), [n(3, 4), n(4)], True),
    ("cosine_similarity", lambda L, a, b: L.cosine_similarity(a, b, dim=-1),
     [n(3, 5), n(1, 5)], True),
    ("pairwise_distance", lambda L, a, b: L.pairwise_distance(a, b), [n(3, 5), n(3, 5)], True),
    ("cov", lambda L, a: L.cov(a), [n(3, 6)], True),
    ("cov_weights", lambda L, a, f, w: L.cov(a, correction=0, fweights=f, aweights=w),
     [n(2, 5), ints(1, 4, 5), u(0.5, 1.5, 5)], True),
    ("corrcoef", lambda L, a: a.corrcoef(), [n(3, 6)], True),
    ("block_diag", lambda L, a, b, c: L.block_diag(a, b, c), [n(2, 2), n(3), n(1, 2)], True),
    ("cartesian_prod", lambda L, a, b: L.cartesian_prod(a, b), [n(2), n(3)], True),
    ("combinations", lambda L, a: L.combinations(a, 2), [n(4)], True),
    ("combinations_repl", lambda L, a: L.combinations(a, 3, with_replacement=True), [n(3)],
     True),
    # scans and order statistics
    ("cummax", lambda L, a: L.cummax(a, 1), [np.array([[1, 3, 3, 2, 5], [0, -1, 4, 4, 1]],
                                                      np.float32)], True),
    ("cummin", lambda L, a: a.cummin(0), [n(4, 3)], True),
    ("cummax_nan", lambda L, a: L.cummax(a, 0), [np.array([1, np.nan, 3, np.nan, 0], np.float32)],
     False),
    ("logcumsumexp", lambda L, a: L.logcumsumexp(a, 1), [n(3, 5) * 30], True),
    ("diff", lambda L, a: L.diff(a), [n(3, 5)], True),
    ("diff_n2", lambda L, a, p: a.diff(n=2, dim=0, prepend=p), [n(4, 3), n(1, 3)], True),
    ("diff_bool", lambda L, a: L.diff(a), [np.array([True, False, False, True])], False),
    ("nansum", lambda L, a: L.nansum(a, 1), [with_nan(n(3, 4))], True),
    ("nanmean", lambda L, a: a.nanmean(), [with_nan(n(3, 4))], True),
    ("nanmean_keep", lambda L, a: L.nanmean(a, dim=0, keepdim=True), [with_nan(n(3, 4))], True),
    ("quantile", lambda L, a: L.quantile(a, 0.3), [n(11)], True),
    ("quantile_q_dim", lambda L, a, q: a.quantile(q, dim=1, keepdim=True), [n(3, 7), u(0, 1, 4)],
     True),
    *[(f"quantile_{m}", lambda L, a, m=m: L.quantile(a, L.tensor([0.0, 0.25, 0.5, 1.0]), dim=0,
                                                     interpolation=m), [n(6, 2)], True)
      for m in ("lower", "higher", "midpoint", "nearest")],
    ("quantile_nan_row", lambda L, a: L.quantile(a, 0.5, dim=1),
     [np.array([[1, np.nan, 3], [1, 2, 3]], np.float32)], False),
    ("nanquantile", lambda L, a: L.nanquantile(a, 0.4, dim=1),
     [np.array([[1, np.nan, 3, 7], [np.nan] * 4, [4, 2, 3, 1]], np.float32)], False),
    ("nanquantile_grad", lambda L, a: a.nanquantile(0.7), [with_nan(n(9))], True),
    ("nanmedian", lambda L, a: L.nanmedian(a), [with_nan(n(7))], True),
    ("nanmedian_dim", lambda L, a: a.nanmedian(1),
     [np.array([[1, np.nan, 3, 0], [5, 2, 2, np.nan]], np.float32)], True),
    ("kthvalue", lambda L, a: L.kthvalue(a, 2, 1, True), [n(3, 5)], True),
    ("mode", lambda L, a: L.mode(a, 1), [np.array([[1, 2, 2, 3, 3], [4, 4, 1, 1, 0]],
                                                  np.float32)], True),
    ("aminmax", lambda L, a: L.aminmax(a, dim=0), [n(3, 4)], True),
    ("aminmax_all", lambda L, a: a.aminmax(), [n(3, 4)], True),
    ("msort", lambda L, a: L.msort(a), [n(4, 3)], True),
    ("searchsorted", lambda L, s, v: L.searchsorted(s, v),
     [np.array([1, 3, 5, 7, 9], np.float32), np.array([[3, 6, 9], [0, 10, 5]], np.float32)],
     False),
    ("searchsorted_right_nd", lambda L, s, v: L.searchsorted(s, v, right=True, out_int32=True),
     [np.array([[1, 3, 5], [2, 4, 6]], np.float32), np.array([[3, 5], [6, 1]], np.float32)],
     False),
    ("searchsorted_side", lambda L, s, v: L.searchsorted(s, v, side="right"),
     [np.array([1, 2, 2, 3], np.float32), np.array([2.0], np.float32)], False),
    ("bucketize", lambda L, v, b: L.bucketize(v, b), [n(6), np.array([-1, 0, 1], np.float32)],
     False),
    ("bucketize_right", lambda L, v, b: L.bucketize(v, b, right=True),
     [np.array([-1, 0, 0.5, 1], np.float32), np.array([-1, 0, 1], np.float32)], False),
    ("histogram", lambda L, a: L.histogram(a, 5), [n(20)], False),
    ("histogram_range", lambda L, a: a.histogram(4, range=(-1.0, 1.0), density=True), [n(20)],
     False),
    ("unique_consecutive", lambda L, a: L.unique_consecutive(a, return_inverse=True,
                                                            return_counts=True),
     [np.array([1, 1, 2, 2, 3, 1, 1, 2])], False),
    ("unique_consecutive_dim", lambda L, a: a.unique_consecutive(dim=0),
     [np.array([[1, 2], [1, 2], [3, 4], [1, 2]])], False),
    ("trapezoid", lambda L, y: L.trapezoid(y), [n(3, 5)], True),
    ("trapezoid_x", lambda L, y, x: L.trapezoid(y, x, dim=0), [n(4, 3), n(4)], True),
    ("trapz_dx", lambda L, y: L.trapz(y, dx=0.5), [n(5)], True),
    ("cumulative_trapezoid", lambda L, y: L.cumulative_trapezoid(y, dx=2.0), [n(2, 5)], True),
    # views, splits and scatters
    ("tensor_split_n", lambda L, a: L.tensor_split(a, 3, dim=1), [n(2, 7)], True),
    ("tensor_split_idx", lambda L, a: a.tensor_split([1, 4, 9]), [n(6)], True),
    ("hsplit", lambda L, a: L.hsplit(a, 2), [n(3, 4)], True),
    ("vsplit", lambda L, a: a.vsplit([1]), [n(3, 4)], True),
    ("dsplit", lambda L, a: L.dsplit(a, 2), [n(2, 2, 4)], True),
    ("swapdims", lambda L, a: (L.swapdims(a, 0, 2), a.swapdims(1, 0)), [n(2, 3, 4)], True),
    ("ravel", lambda L, a: a.ravel(), [n(2, 3)], True),
    ("broadcast_to", lambda L, a: L.broadcast_to(a, (2, 3, 4)), [n(3, 1)], True),
    ("broadcast_tensors", lambda L, a, b: L.broadcast_tensors(a, b), [n(3, 1), n(4)], True),
    ("rot90", lambda L, a: (L.rot90(a), a.rot90(2), L.rot90(a, -1, [1, 2]), L.rot90(a, 4)),
     [n(2, 3, 4)], True),
    ("unfold", lambda L, a: a.unfold(1, 3, 2), [n(2, 7)], True),
    ("select", lambda L, a: (L.select(a, 1, -1), a.select(0, 0)), [n(2, 3)], True),
    ("select_scatter", lambda L, a, s: L.select_scatter(a, s, 1, 0), [n(2, 3), n(2)], True),
    ("slice_scatter", lambda L, a, s: a.slice_scatter(s, dim=1, start=1, step=2),
     [n(2, 5), n(2, 2)], True),
    ("diagonal_scatter", lambda L, a, s: L.diagonal_scatter(a, s, 1), [n(3, 4), n(3)], True),
    ("diag_embed", lambda L, a: L.diag_embed(a), [n(2, 3)], True),
    ("diag_embed_offset_dims", lambda L, a: a.diag_embed(-1, 0, 2), [n(2, 3)], True),
    ("diagflat", lambda L, a: L.diagflat(a, 1), [n(2, 2)], True),
    ("index_fill", lambda L, a: L.index_fill(a, 1, L.tensor([0, 2]), -1.0), [n(2, 3)], True),
    ("index_copy", lambda L, a, s: a.index_copy(0, L.tensor([2, 0]), s), [n(3, 2), n(2, 2)],
     True),
    ("index_put", lambda L, a, v: L.index_put(a, (L.tensor([0, 2]), L.tensor([1, 1])), v),
     [n(3, 2), n(2)], True),
    ("index_put_acc", lambda L, a, v: a.index_put((L.tensor([0, 0, 2]),), v, accumulate=True),
     [n(3, 2), n(3, 2)], True),
    ("put", lambda L, a, v: L.put(a, L.tensor([5, 0]), v), [n(2, 3), n(2)], True),
    ("put_acc", lambda L, a, v: a.put(L.tensor([1, 1]), v, accumulate=True), [n(2, 3), n(2)],
     True),
    ("take", lambda L, a: L.take(a, L.tensor([[0, 5], [-1, 2]])), [n(2, 3)], True),
    ("masked_scatter", lambda L, a, s: a.masked_scatter(
        L.tensor([[True, False, True], [False, False, True]]), s), [n(2, 3), n(5)], True),
    ("tril_triu_indices", lambda L: (L.tril_indices(3, 4, 1), L.triu_indices(4, 3, -1)), [],
     False),
    ("unravel_index", lambda L: L.unravel_index(L.tensor([0, 5, 11, -1]), (3, 4)), [], False),
    ("broadcast_shapes", lambda L: L.tensor(L.broadcast_shapes((3, 1), (4,), 1)), [], False),
    *[(f"scatter_reduce_{r}_{inc}", lambda L, a, s, r=r, inc=inc: L.scatter_reduce(
        a, 1, L.tensor([[0, 1, 0, 3], [2, 2, 2, 0]]), s, r, include_self=inc),
       [np.array([[1, 2, 0, 4], [0, 5, 6, 7]], np.float32),
        np.array([[3, 0, 3, 2], [1, 4, 0, 6]], np.float32)], True)
      for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    ("scatter_reduce_max_alias", lambda L, a, s: (a.scatter_reduce(0, L.tensor([0, 0]), s, "max"),
                                                  a.scatter_reduce(0, L.tensor([1, 1]), s, "min")),
     [n(3), n(2)], False),  # PyTorch's backward refuses the 'min' spelling
    ("scatter_reduce_int_mean", lambda L, a, s: a.scatter_reduce(0, L.tensor([0, 0, 1]), s,
                                                                 "mean"),
     [np.array([1, 2, 3]), np.array([4, 5, 7])], False),
    ("where_method", lambda L, a, b: a.where(a > 0, b), [n(3, 4), n(4)], True),
    ("unsafe_split", lambda L, a: (*L.unsafe_split(a, 2), *a.unsafe_chunk(2),
                                   *L.unsafe_split_with_sizes(a, [1, 3])), [n(4)], True),
]


@pytest.mark.parametrize("name, fn, arrays, grad", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, fn, arrays, grad):
    compare(fn, None, inputs=arrays, grad=grad, rtol=1e-4, atol=1e-5)


# float64 finite differences for the ops with a backward of their own and the compositions
# whose gradient paths are least obvious
GRADCHECK = [
    ("asin", lambda L, x: L.asin(x), [u(-0.8, 0.8, 4)]),
    ("acos", lambda L, x: L.acos(x), [u(-0.8, 0.8, 4)]),
    ("atan", lambda L, x: L.atan(x), [n(4)]),
    ("sinh_cosh", lambda L, x: L.sinh(x) * L.cosh(x), [n(4)]),
    ("asinh_acosh_atanh", lambda L, x: L.asinh(x) + L.acosh(x + 2) + L.atanh(x / 3),
     [u(-1, 1, 4)]),
    ("exp2_sinc", lambda L, x: L.exp2(x) + L.sinc(x), [n(5)]),
    ("atan2", lambda L, y, x: L.atan2(y, x), [n(3, 2), n(2)]),
    ("hypot", lambda L, a, b: L.hypot(a, b), [n(4), n(4)]),
    ("erfc_i0", lambda L, x: L.erfc(x) + L.i0(x), [n(4)]),
    ("xlogy", lambda L, x, y: L.xlogy(x, y), [n(4), u(0.5, 2, 4)]),
    ("copysign", lambda L, a, b: L.copysign(a, b), [n(4), n(4)]),
    ("fmax_fmin", lambda L, a, b: L.fmax(a, b) + L.fmin(a, b) * 2, [n(5), n(5)]),
    ("logaddexp", lambda L, a, b: L.logaddexp(a, b), [n(4), n(4)]),
    ("logcumsumexp", lambda L, x: L.logcumsumexp(x, 0), [n(5, 2)]),
    ("quantile", lambda L, x: L.quantile(x, L.tensor([0.2, 0.9], dtype=L.float64), dim=1),
     [n(2, 6)]),
    ("cummax", lambda L, x: L.cummax(x, 0).values, [n(6)]),
    ("kron_trace", lambda L, a, b: L.kron(a, b).trace(), [n(2, 2), n(3, 3)]),
    ("cosine_similarity", lambda L, a, b: L.cosine_similarity(a, b), [n(3, 4), n(3, 4)]),
    ("cov", lambda L, a: L.cov(a), [n(2, 5)]),
    ("diag_embed_unfold", lambda L, a: L.diag_embed(a).unfold(1, 2, 1), [n(2, 3)]),
    ("index_put_acc", lambda L, a, v: L.index_put(a, (L.tensor([1, 1]),), v, accumulate=True),
     [n(3, 2), n(2, 2)]),
    ("masked_scatter", lambda L, a, s: L.masked_scatter(a, a > 0, s), [n(5), n(5)]),
    *[(f"scatter_reduce_{r}", lambda L, a, s, r=r: L.scatter_reduce(
        a, 0, L.tensor([1, 0, 1, 3]), s, r, include_self=False), [n(4), n(4)])
      for r in ("sum", "prod", "mean", "amax", "amin")],
]


@pytest.mark.parametrize("name, fn, arrays", GRADCHECK, ids=[c[0] for c in GRADCHECK])
def test_gradcheck_float64(name, fn, arrays):
    xs = [galton.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert galton.autograd.gradcheck(lambda *t: fn(galton, *t), xs)


ERRORS = [
    ("scatter_reduce mode", lambda L: L.zeros(2).scatter_reduce(0, L.tensor([0]), L.ones(1), "foo"),
     RuntimeError, "reduce argument must be either sum, prod, mean, amax or amin, got foo"),
    ("rot90 dims", lambda L: L.rot90(L.zeros(2, 2), 1, [0]), RuntimeError,
     "expected total rotation dims == 2"),
    ("rot90 same dims", lambda L: L.rot90(L.zeros(2, 2), 1, [1, 1]), RuntimeError,
     "expected rotation dims to be different"),
    ("quantile q range", lambda L: L.quantile(L.zeros(3), 1.5), RuntimeError,
     r"q must be in the range \[0, 1\] but got 1.5"),
    ("quantile int", lambda L: L.quantile(L.zeros(3, dtype=L.int64), 0.5), RuntimeError,
     "input tensor must be either float or double dtype"),
    ("hsplit divisible", lambda L: L.hsplit(L.zeros(2, 5), 2), RuntimeError,
     "is not divisible by the split_size 2"),
    ("vsplit 1-d", lambda L: L.vsplit(L.zeros(4), 2), RuntimeError,
     "requires a tensor with at least 2 dimension"),
    ("trace 3-d", lambda L: L.trace(L.zeros(2, 2, 2)), RuntimeError, "expected a matrix"),
    ("addcdiv ints", lambda L: L.addcdiv(L.zeros(2), L.ones(2, dtype=L.int64),
                                         L.ones(2, dtype=L.int64)), RuntimeError,
     "Integer division with addcdiv is no longer supported"),
    ("nanmean int", lambda L: L.nanmean(L.ones(2, dtype=L.int64)), RuntimeError,
     "nanmean\\(\\): expected input to have floating point"),
    ("gcd float", lambda L: L.gcd(L.ones(2), L.ones(2)), RuntimeError, "not implemented for"),
    ("broadcast_shapes", lambda L: L.broadcast_shapes((2,), (3,)), RuntimeError,
     r"Attempting to broadcast a dimension of length 3 at -1! Mismatching argument at index 1 "
     r"had \(3,\); but expected shape should be broadcastable to \[2\]"),
    ("unfold size", lambda L: L.zeros(3).unfold(0, 4, 1), RuntimeError,
     "maximum size for tensor at dimension 0 is 3 but size is 4"),
    ("bucketize 2-d", lambda L: L.bucketize(L.zeros(2), L.zeros(2, 2)), RuntimeError,
     "boundaries tensor must be 1 dimension"),
    ("searchsorted side", lambda L: L.searchsorted(L.zeros(2), L.zeros(1), side="mid"),
     RuntimeError, "side can only be 'left' or 'right'"),
    ("kthvalue k", lambda L: L.kthvalue(L.zeros(3), 4), (IndexError, RuntimeError),
     "out of range"),
    ("heaviside grad", lambda L: L.heaviside(L.zeros(2, requires_grad=True), L.zeros(2)).sum()
     .backward(), RuntimeError, "derivative for aten::heaviside is not implemented"),
]


@pytest.mark.parametrize("name, fn, exc, match", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_pytorch(name, fn, exc, match):
    for lib in (galton, torch):
        with pytest.raises(exc, match=match):
            fn(lib)
