"""Compiled kernels (galton/ops/_kernels.py): the kernel path gives the NumPy path's numbers bit
for bit, both match PyTorch, and every op falls back to NumPy when the kernels are off.

Each user of a kernel is one row of CASES and every table-driven test runs every row, so a new
kernel user (or a new shape corner) is one more row. ``uses`` names the kernel families the
row's big shapes must reach: a "kernel vs NumPy" test whose kernel never ran would prove nothing.
A family is a kernel and its variants (``im2col`` and ``im2col_unit``, its stride-1 special
case); test_table_reaches_every_kernel checks that the rows together run every compiled kernel.
"""
import math
import os
import subprocess
import sys
import types
from collections import namedtuple

import numpy as np
import pytest
import torch

import galton
from galton.ops import _aot, _kernels, _loops
from galton.ops import conv as C
from tests.oracle import compare, gradcheck

HAVE_NUMBA = _kernels.available()
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="Numba is not installed")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
KERNEL_NAMES = sorted(n for n, f in vars(_loops).items()
                      if isinstance(f, types.FunctionType) and not n.startswith("_"))


def F(t):
    """torch.nn.functional or galton.nn.functional: a row's fn runs on either framework."""
    return t.nn.functional


def _explicit_pad(t, x, w, b):
    # galton's op takes a (top, bottom, left, right) 4-tuple; torch needs F.pad (l, r, t, b)
    if t is galton:
        return C.conv2d(x, w, b, 1, (0, 1, 2, 0))
    return torch.conv2d(F(t).pad(x, (2, 0, 0, 1)), w, b)


def _side(x, stride):
    """The square fold output (side, side) whose stride-s blocks number x.shape[-1]."""
    return (stride * math.isqrt(x.shape[-1]),) * 2


Case = namedtuple("Case", "id fn big small uses gen nograd", defaults=("normal", ()))
IM, COL = ("im2col",), ("col2im",)
BIAS = ("planes_to_nchw_bias",)   # conv2d's GEMM result to NCHW with its bias (if >= MIN_SIZE)
POOL = ("max_pool_2x2_forward", "max_pool_2x2_backward")
RELU = ("relu_forward", "relu_backward")
ADAM = ("adam_step",)
FAMILIES = RELU + POOL + IM + COL + BIAS + ADAM  # a name starting with a family's name is in it
X, XS = (4, 8, 24, 24), (2, 3, 7, 6)    # big: 18432 elements > MIN_SIZE; small for torch



def _adam_steps(t, w, opt="Adam", **kw):
    """Three optimizer steps on a copy of w (the one-pass kernel above MIN_SIZE); the result
    carries the updated weights, so each row's checks compare them."""
    p = t.nn.Parameter(w.detach().clone())
    o = getattr(t.optim, opt)([p], lr=0.01, **kw)
    for k in range(3):
        p.grad = (w.detach() * (k + 1)).sin()
        o.step()
    return w * p.detach()


CASES = [
    Case("conv_3x3_pad1", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=1),
         [X, (8, 8, 3, 3), (8,)], [XS, (4, 3, 3, 3), (4,)], IM + COL + BIAS),
    Case("conv_stride2", lambda t, x, w, b: F(t).conv2d(x, w, b, stride=2, padding=1),
         [X, (6, 8, 3, 3), (6,)], [XS, (4, 3, 3, 3), (4,)], IM + COL),
    Case("conv_pad_tuple", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=(1, 2)),
         [X, (6, 8, 3, 5), (6,)], [XS, (4, 3, 3, 5), (4,)], IM + COL),
    Case("conv_same_even_kernel", lambda t, x, w: F(t).conv2d(x, w, padding="same"),
         [X, (6, 8, 4, 4)], [XS, (4, 3, 4, 2)], IM + COL),  # asymmetric: (1, 2, 1, 2)
    Case("conv_explicit_4tuple", _explicit_pad,
         [X, (6, 8, 3, 3), (6,)], [XS, (4, 3, 3, 3), (4,)], IM + COL),
    Case("conv_after_reflect_pad",
         lambda t, x, w: F(t).conv2d(F(t).pad(x, (1, 2, 0, 1), mode="reflect"), w),
         [X, (6, 8, 3, 3)], [XS, (4, 3, 3, 3)], IM + COL),
    Case("conv_dilation2", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=2, dilation=2),
         [X, (6, 8, 3, 3), (6,)], [XS, (4, 3, 3, 3), (4,)], IM + COL),
    Case("conv_mixed_stride_dilation",
         lambda t, x, w: F(t).conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
         [X, (6, 8, 3, 3)], [XS, (4, 3, 3, 2)], IM + COL),
    Case("conv_groups2", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=1, groups=2),
         [X, (8, 4, 3, 3), (8,)], [(2, 4, 7, 6), (6, 2, 3, 3), (6,)], IM + COL + BIAS),
    Case("conv_1x1_no_bias", lambda t, x, w: F(t).conv2d(x, w),
         [X, (16, 8, 1, 1)], [XS, (4, 3, 1, 1)], IM + COL),
    Case("conv_5x5", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=2),
         [X, (6, 8, 5, 5), (6,)], [XS, (4, 3, 5, 5), (4,)], IM + COL),
    Case("conv_input_no_grad", lambda t, x, w, b: F(t).conv2d(x, w, b, padding=1),
         [X, (6, 8, 3, 3), (6,)], [XS, (4, 3, 3, 3), (4,)], IM, nograd=(0,)),  # output below MIN_SIZE
    Case("convT_stride_outpad",
         lambda t, x, w, b: F(t).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
         [(4, 8, 16, 16), (8, 6, 3, 3), (6,)], [(2, 3, 4, 5), (3, 4, 3, 3), (4,)], IM + COL),
    Case("convT_groups_dilation",
         lambda t, x, w: F(t).conv_transpose2d(x, w, padding=2, groups=2, dilation=2),
         [X, (8, 4, 3, 3)], [(2, 4, 5, 6), (4, 3, 3, 3)], IM + COL),
    Case("convT_asymmetric",
         lambda t, x, w: F(t).conv_transpose2d(x, w, stride=(2, 3), padding=(0, 1),
                                               output_padding=(1, 2)),
         [(4, 8, 12, 10), (8, 8, 3, 3)], [(2, 3, 4, 5), (3, 2, 3, 3)], IM + COL),
    Case("unfold_pad1", lambda t, x: F(t).unfold(x, 3, padding=1), [X], [XS], IM + COL),
    Case("unfold_stride_dilation",
         lambda t, x: F(t).unfold(x, (3, 2), dilation=2, padding=(2, 1), stride=2),
         [X], [XS], IM + COL),
    Case("fold_overlapping", lambda t, x: F(t).fold(x, _side(x, 1), 3, padding=1),
         [(4, 72, 576)], [(2, 27, 36)], IM + COL),  # 24x24 and 6x6 outputs
    Case("fold_stride_dilation",
         lambda t, x: F(t).fold(x, _side(x, 2), (3, 2), dilation=2, padding=(2, 1), stride=2),
         [(4, 48, 144)], [(2, 18, 16)], IM + COL),  # 24x24 and 8x8 outputs
    Case("pool_even", lambda t, x: F(t).max_pool2d(x, 2), [X], [(2, 3, 6, 8)], POOL),
    Case("pool_odd_hw", lambda t, x: F(t).max_pool2d(x, 2), [(4, 8, 25, 23)], [(2, 3, 7, 5)],
         POOL),
    Case("pool_tuple_args", lambda t, x: F(t).max_pool2d(x, (2, 2), (2, 2)), [(4, 8, 23, 25)],
         [(2, 3, 5, 7)], POOL),
    Case("pool_ties", lambda t, x: F(t).max_pool2d(x, 2), [(4, 8, 25, 24)], [(2, 3, 7, 6)],
         POOL, gen="ties"),
    Case("pool_all_equal", lambda t, x: F(t).max_pool2d(x, 2), [(4, 8, 24, 25)],
         [(2, 3, 6, 7)], POOL, gen="const"),
    Case("relu", lambda t, x: t.relu(x), [X], [(3, 7)], RELU),
    Case("relu_zeros", lambda t, x: F(t).relu(x), [X], [(4, 9)], RELU, gen="zeros"),
    Case("relu_method_1d", lambda t, x: x.relu(), [(20000,)], [(11,)], RELU, gen="zeros"),
    Case("adam_l2", lambda t, w: _adam_steps(t, w, weight_decay=0.01), [X], [(3, 7)], ADAM),
    Case("adamw", lambda t, w: _adam_steps(t, w, "AdamW"), [(20000,)], [(11,)], ADAM),
]
CASE_IDS = [c.id for c in CASES]


def _gen_zeros(rng, shape):
    a = rng.standard_normal(shape)
    a[rng.random(shape) < 0.25] = 0.0
    a[rng.random(shape) < 0.25] = -0.0
    return a


GENS = {
    "normal": lambda rng, s: rng.standard_normal(s),
    "ties": lambda rng, s: rng.integers(-1, 2, s).astype(float),  # many tied windows
    "const": lambda rng, s: np.full(s, 1.5),
    "zeros": _gen_zeros,                                          # +0.0 and -0.0
}


def _inputs(case, shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [GENS[case.gen](rng, s).astype(dtype) for s in shapes]


def _run(case, arrays, seed=1):
    """Output and input gradients (in order, None where no grad) of a row on galton."""
    ts = [galton.tensor(a, requires_grad=i not in case.nograd) for i, a in enumerate(arrays)]
    out = case.fn(galton, *ts)
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(arrays[0].dtype)
    out.backward(galton.tensor(g))
    return [out.detach().numpy()] + [None if t.grad is None else t.grad.numpy() for t in ts]


def _assert_identical(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if b is None:
            assert a is None, f"result {i}: unexpected gradient"
            continue
        assert a.dtype == b.dtype and a.shape == b.shape, (i, a.dtype, b.dtype, a.shape, b.shape)
        assert np.array_equal(a, b, equal_nan=True), f"result {i}: max diff {np.nanmax(abs(a - b))}"


def _families(names):
    """The families of kernel names; a name of no known family stands for itself (a new
    kernel then fails the exact checks until its rows say which family it joins)."""
    return {next((f for f in FAMILIES if n.startswith(f)), n) for n in names}


class KernelUsed(Exception):
    pass


def _raising_namespace():
    """A compiled namespace whose every kernel raises: any use of a kernel is seen."""
    ns = _kernels._Namespace()
    for name in KERNEL_NAMES:
        def boom(*args, _name=name):
            raise KernelUsed(_name)
        setattr(ns, name, boom)
    return ns


@pytest.fixture(autouse=True)
def _kernels_on():
    """Every test starts with the kernels on and leaves the global switch as it found it."""
    saved = _kernels._enabled
    _kernels.set_enabled(True)
    yield
    _kernels.set_enabled(saved)


@pytest.fixture
def spy(monkeypatch):
    """The set of kernel names that ran (they still run for real)."""
    assert _kernels.available()  # builds the compiled namespace on first use
    calls = set()
    ns = _kernels._Namespace()
    for name in vars(_kernels._compiled):
        def run(*args, _name=name, _fn=getattr(_kernels._compiled, name)):
            calls.add(_name)
            return _fn(*args)
        setattr(ns, name, run)
    monkeypatch.setattr(_kernels, "_compiled", ns)
    return calls


# --- 1. kernel path == NumPy path, bit for bit, above MIN_SIZE ----------------------------------

@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_kernel_path_bit_identical_to_numpy(case, dtype, spy):
    arrays = _inputs(case, case.big, dtype)
    fast = _run(case, arrays)
    assert _families(spy) == set(case.uses), "the big shapes must take the row's kernels"
    spy.clear()
    _kernels.set_enabled(False)
    slow = _run(case, arrays)
    assert not spy
    _assert_identical(fast, slow)


@needs_numba
def test_table_reaches_every_kernel(spy):
    for case in CASES:
        _run(case, _inputs(case, case.big, "float32"))
    assert spy == set(vars(_kernels._compiled)), "add rows for the kernels no row runs"


# --- 2. kernel path against PyTorch, small shapes forced onto the kernels -----------------------

@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_kernel_path_matches_torch(case, dtype, spy, monkeypatch):
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    compare(case.fn, case.small, inputs=_inputs(case, case.small, dtype), **tol)
    assert _families(spy) >= set(case.uses)  # compare asks every input's gradient: more may run


def _nan_windows(shape, seed=0):
    """Windows holding every one of the 16 patterns of NaN positions, the rest normal."""
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    n, c, h, w = shape
    k = 0
    for b in range(n):
        for ch in range(c):
            for i in range(0, h - 1, 2):
                for j in range(0, w - 1, 2):
                    win = x[b, ch, i:i + 2, j:j + 2].reshape(-1)  # a view: writes land in x
                    win[[bit for bit in range(4) if (k >> bit) & 1]] = np.nan
                    k = (k + 1) % 16
    return x


def _pool_with_grad(t, x, g):
    xt = t.tensor(x, requires_grad=True)
    y = F(t).max_pool2d(xt, 2)
    y.backward(t.tensor(g))
    return y.detach().numpy(), xt.grad.numpy()


@needs_numba
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (1, 2, 9, 7)])
def test_max_pool_nan_kernel_routes_like_torch(shape, spy, monkeypatch):
    # PyTorch: `val > max or isnan(val)`, so a NaN wins and a later NaN beats an earlier one
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    x = _nan_windows(shape)
    g = np.random.default_rng(1).standard_normal((shape[0], shape[1], shape[2] // 2,
                                                  shape[3] // 2)).astype("float32")
    y, gx = _pool_with_grad(galton, x, g)
    assert _families(spy) == set(POOL)
    ty, tgx = _pool_with_grad(torch, x, g)
    np.testing.assert_array_equal(y, ty)  # NaNs in the same places
    np.testing.assert_array_equal(gx, tgx)


def test_max_pool_nan_numpy_path_output_matches_torch():
    # the NumPy 2x2 path propagates NaN to the output too (its gradient routing for NaN
    # windows differs from PyTorch's and is not asserted here)
    _kernels.set_enabled(False)
    x = _nan_windows((2, 3, 8, 9))
    g = np.ones((2, 3, 4, 4), np.float32)
    np.testing.assert_array_equal(_pool_with_grad(galton, x, g)[0], _pool_with_grad(torch, x, g)[0])


@pytest.mark.parametrize("kernels", [True, False])
def test_max_pool_cropped_row_and_column_get_zero_grad(kernels, monkeypatch):
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    _kernels.set_enabled(kernels)
    x = galton.tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 9)).astype("float32"),
                      requires_grad=True)
    F(galton).max_pool2d(x, 2).sum().backward()
    gx = x.grad.numpy()
    assert not gx[:, :, 6, :].any() and not gx[:, :, :, 8].any()
    assert (gx[:, :, :6, :8].reshape(2, 3, 3, 2, 4, 2).sum(axis=(3, 5)) == 1).all()


# --- 3. finite differences through the kernels --------------------------------------------------

GRADCHECKS = [
    ("conv2d", lambda t, x, w, b: C.conv2d(x, w, b, (2, 1), (1, 0, 2, 1), (1, 2)),
     [(1, 2, 5, 6), (2, 2, 2, 2), (2,)], IM + COL + BIAS),
    ("conv2d_groups", lambda t, x, w: C.conv2d(x, w, None, 1, 1, 1, 2), [(2, 4, 3, 3), (2, 2, 2, 2)],
     IM + COL),
    ("conv_transpose2d", lambda t, x, w: C.conv_transpose2d(x, w, None, 2, 1, 1),
     [(1, 2, 3, 3), (2, 2, 3, 3)], IM + COL),
    ("max_pool2d", lambda t, x: F(t).max_pool2d(x, 2), [(1, 2, 5, 7)], POOL),
    ("relu", lambda t, x: t.relu(x), [(3, 7)], RELU),
]


@needs_numba
@pytest.mark.parametrize("name, fn, shapes, uses", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck_through_kernels(name, fn, shapes, uses, spy, monkeypatch):
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    gradcheck(fn, shapes)
    assert _families(spy) == set(uses)


# --- 4. fallbacks and switches -------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_disabled_uses_no_kernel(case, monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", _raising_namespace())
    arrays = _inputs(case, case.big, "float32")
    _kernels.set_enabled(False)
    _run(case, arrays)  # nothing raises: no kernel was called
    _kernels.set_enabled(True)
    with pytest.raises(KernelUsed):  # the same call does reach a kernel when they are on
        _run(case, arrays)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_numba_missing_every_op_works(case, monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", False)
    assert not _kernels.available() and not _kernels.enabled() and not galton.compiled_kernels()
    arrays = _inputs(case, case.big, "float64")
    assert _kernels.get(arrays[0]) is None
    compare(case.fn, case.big, inputs=arrays, rtol=1e-10, atol=1e-12)


def test_set_compiled_kernels_round_trip():
    for flag in (False, True, 0, 1, False):
        galton.set_compiled_kernels(flag)
        assert galton.compiled_kernels() is (bool(flag) and HAVE_NUMBA)
        assert _kernels.enabled() is galton.compiled_kernels()


def test_set_compiled_kernels_true_without_numba_stays_off(monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", False)
    galton.set_compiled_kernels(True)
    assert galton.compiled_kernels() is False
    assert _kernels.get(np.zeros(_kernels.MIN_SIZE, np.float32)) is None


@pytest.mark.parametrize("value, on", [("0", False), ("false", False), ("no", False),
                                       ("off", False), ("1", True)])
def test_environment_variable_switch(value, on):
    # the variable is read at import, so a fresh interpreter reads it
    code = ("import galton; from galton.ops import _kernels; "
            "print(_kernels._enabled, galton.compiled_kernels(), _kernels.available())")
    env = dict(os.environ, GALTON_NUMBA=value, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    enabled, compiled, available = (v == "True" for v in out)
    assert enabled is on and compiled is (on and available)


N = 1 << 14  # the documented MIN_SIZE; GET_RULES read the live value through lambdas

GET_RULES = [  # (id, arrays, kernels expected)
    ("float32_at_min", lambda m: [np.zeros(m, np.float32)], True),
    ("float64_2d", lambda m: [np.zeros((2, m), np.float64)], True),
    ("one_short", lambda m: [np.zeros(m - 1, np.float32)], False),
    ("float16", lambda m: [np.zeros(m, np.float16)], False),
    ("int64", lambda m: [np.zeros(m, np.int64)], False),
    ("bool", lambda m: [np.zeros(m, bool)], False),
    ("complex64", lambda m: [np.zeros(m, np.complex64)], False),
    ("list", lambda m: [[0.0] * m], False),
    ("subclass", lambda m: [np.ma.zeros(m, np.float32)], False),
    ("second_not_array", lambda m: [np.zeros(m, np.float32), [1.0]], False),
    ("second_array", lambda m: [np.zeros(m, np.float32), np.zeros(1)], True),
]


@needs_numba
@pytest.mark.parametrize("name, arrays, want", GET_RULES, ids=[r[0] for r in GET_RULES])
def test_get_rules(name, arrays, want):
    assert _kernels.MIN_SIZE == N
    assert (_kernels.get(*arrays(_kernels.MIN_SIZE)) is not None) is want
    _kernels.set_enabled(False)
    assert _kernels.get(*arrays(_kernels.MIN_SIZE)) is None


VIEWS = [  # (id, base shape from the view's shape, galton view, NumPy view)
    ("transposed", lambda s: s[:-2] + (s[-1], s[-2]), lambda x: x.transpose(-1, -2),
     lambda a: np.swapaxes(a, -1, -2)),
    ("strided", lambda s: s[:-1] + (2 * s[-1],), lambda x: x[..., ::2], lambda a: a[..., ::2]),
]


VIEW_CASES = [pytest.param(c, v, id=f"{c.id}-{v[0]}") for c in CASES for v in VIEWS
              if len(c.big[0]) >= 2 or v[0] != "transposed"]  # a 1-D input has no transpose


@needs_numba
@pytest.mark.parametrize("case, view", VIEW_CASES)
def test_non_contiguous_input_same_as_contiguous(case, view, spy):
    _, base_shape, gview, npview = view
    arrays = _inputs(case, case.big, "float32")
    base = GENS[case.gen](np.random.default_rng(2), base_shape(arrays[0].shape)).astype("float32")
    leaf = galton.tensor(base, requires_grad=True)
    v = gview(leaf)
    assert not v.is_contiguous()
    others = [galton.tensor(a, requires_grad=True) for a in arrays[1:]]
    out = case.fn(galton, v, *others)
    g = np.random.default_rng(3).standard_normal(tuple(out.shape)).astype("float32")
    out.backward(galton.tensor(g))
    want = _run(case._replace(nograd=()), [npview(base).copy()] + arrays[1:], seed=3)
    got = [out.detach().numpy(), npview(leaf.grad.numpy())] + [t.grad.numpy() for t in others]
    _assert_identical(got, want)
    assert spy, "kernels ran on the contiguous or non-contiguous call"


NON_KERNEL_DTYPES = [  # (id, fn, shape, dtype): the kernels take float32/float64 only
    ("relu_int64", lambda t, x: t.relu(x), (1 << 15,), "int64"),
    ("relu_int32", lambda t, x: t.relu(x), (1 << 15,), "int32"),
    ("relu_float16", lambda t, x: t.relu(x), (1 << 15,), "float16"),
    ("pool_int64", lambda t, x: F(t).max_pool2d(x, 2), X, "int64"),
    ("pool_float16", lambda t, x: F(t).max_pool2d(x, 2), X, "float16"),
    ("unfold_float16", lambda t, x: F(t).unfold(x, 3), X, "float16"),
]


@pytest.mark.parametrize("name, fn, shape, dtype", NON_KERNEL_DTYPES,
                         ids=[r[0] for r in NON_KERNEL_DTYPES])
def test_non_kernel_dtypes_use_numpy(name, fn, shape, dtype, monkeypatch):
    monkeypatch.setattr(_kernels, "_compiled", _raising_namespace())
    a = np.random.default_rng(0).integers(-5, 5, shape).astype(dtype)
    got = fn(galton, galton.tensor(a)).numpy()
    want = fn(torch, torch.tensor(a)).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@needs_numba
@pytest.mark.parametrize("gv", [-1.5, np.inf, -np.inf])
@pytest.mark.parametrize("op", ["relu", "pool"])
def test_kernel_gradients_signed_zero_and_infinite_like_torch(op, gv, spy, monkeypatch):
    # the kernels write a literal 0 where no gradient flows, as PyTorch does: +0.0 (never
    # -0.0) and never inf * 0 = NaN for an infinite output gradient
    monkeypatch.setattr(_kernels, "MIN_SIZE", 0)
    fn = (lambda t, x: t.relu(x)) if op == "relu" else (lambda t, x: F(t).max_pool2d(x, 2))
    x = np.random.default_rng(0).integers(-2, 3, (2, 3, 6, 6)).astype("float32")  # 0s, ties
    outs = []
    for t in (galton, torch):
        xt = t.tensor(x, requires_grad=True)
        y = fn(t, xt)
        y.backward(t.full(tuple(y.shape), gv))
        outs.append(xt.grad.numpy())
    assert _families(spy) == set(RELU if op == "relu" else POOL)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_array_equal(np.signbit(outs[0]), np.signbit(outs[1]))


def test_a_numba_that_cannot_compile_falls_back_to_numpy(monkeypatch):
    """Numba importable but unable to compile, and no ahead-of-time module: one warning, then
    every op runs its NumPy code."""
    import sys
    import types

    def njit(**_options):
        def wrap(fn):
            def broken(*args):
                raise RuntimeError("no LLVM target")
            return broken
        return wrap
    monkeypatch.setitem(sys.modules, "numba", types.SimpleNamespace(njit=njit))
    monkeypatch.setattr(_kernels, "_compiled", None)
    monkeypatch.setattr(_kernels, "_jit", None)
    monkeypatch.setattr(_aot, "_module", False)  # no ahead-of-time module either
    with pytest.warns(RuntimeWarning, match="could not compile"):
        assert not _kernels.available()
    x = galton.tensor(np.linspace(-1, 1, 1 << 15, dtype=np.float32), requires_grad=True)
    galton.relu(x).sum().backward()
    assert x.grad.numpy().sum() == (x.detach().numpy() > 0).sum()
