"""The in-place ``_`` forms of the long tail (galton/ops/inplace_variants.py) against PyTorch
2.13: the same values in the same tensor (returned as self), the cast refusal, autograd through
a recorded in-place op, and the torch-level spellings (torch.acos_(x))."""
import numpy as np
import pytest
import torch

import galton
from galton.ops import inplace_variants as IV

R = np.random.default_rng(3)
X = R.uniform(0.2, 0.8, (3, 4)).astype(np.float32)  # inside every unary op's domain
Y = R.uniform(0.5, 1.5, (3, 4)).astype(np.float32)
I1 = R.integers(1, 20, (3, 4))
I2 = R.integers(1, 5, (3, 4))

UNARY = ["acos_", "asin_", "atan_", "cosh_", "sinh_", "asinh_", "atanh_", "arccos_", "arcsin_",
         "arctan_", "arcsinh_", "arctanh_", "exp2_", "sinc_", "deg2rad_", "rad2deg_", "cos_",
         "sin_", "tan_", "erf_", "erfc_", "erfinv_", "lgamma_", "digamma_", "expm1_", "log1p_",
         "log2_", "log10_", "rsqrt_", "reciprocal_", "square_", "sign_", "ceil_", "trunc_",
         "fix_", "frac_", "i0_", "logit_", "nan_to_num_", "negative_", "absolute_"]
BINARY = ["atan2_", "arctan2_", "hypot_", "copysign_", "xlogy_", "fmod_", "remainder_",
          "floor_divide_", "divide_", "true_divide_", "multiply_", "subtract_", "eq_", "ne_",
          "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
          "not_equal_", "logical_and_", "logical_or_", "logical_xor_", "nextafter_",
          "heaviside_"]
INT_BINARY = ["gcd_", "lcm_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
              "bitwise_left_shift_", "bitwise_right_shift_"]
OTHER = [
    ("acosh_", lambda L: (L.tensor(X + 1),)),
    ("arccosh_", lambda L: (L.tensor(X + 1),)),
    ("clamp_min_", lambda L: (L.tensor(X), 0.5)),
    ("clamp_max_", lambda L: (L.tensor(X), 0.5)),
    ("polygamma_", lambda L: (L.tensor(X), 1)),
    ("cumsum_", lambda L: (L.tensor(X), 1)),
    ("mvlgamma_", lambda L: (L.tensor(X + 2), 2)),
    ("renorm_", lambda L: (L.tensor(X), 2, 0, 0.5)),
    ("cumprod_", lambda L: (L.tensor(X), 0)),
    ("tril_", lambda L: (L.tensor(X), 1)),
    ("triu_", lambda L: (L.tensor(X), -1)),
    ("logical_not_", lambda L: (L.tensor(X),)),
    ("bitwise_not_", lambda L: (L.tensor(I1),)),
    ("ldexp_", lambda L: (L.tensor(X), L.tensor(I2))),
    ("float_power_", lambda L: (L.tensor(X.astype(np.float64)), 2.5)),
    ("addmm_", lambda L: (L.tensor(X), L.tensor(Y), L.tensor(np.eye(4, dtype=np.float32)))),
    ("addmv_", lambda L: (L.tensor(X[0]), L.tensor(Y.T.copy()), L.tensor(X[:, 0].copy()))),
    ("addr_", lambda L: (L.tensor(X), L.tensor(Y[:, 0].copy()), L.tensor(Y[0]))),
    ("baddbmm_", lambda L: (L.tensor(X[None]), L.tensor(Y[None, :, :3]),
                            L.tensor(X[None, :3]))),
    ("addbmm_", lambda L: (L.tensor(X[:3, :3]), L.tensor(Y[None, :3]), L.tensor(X[None]).mT)),
    ("index_fill_", lambda L: (L.tensor(X), 1, L.tensor([0, 3]), -2.0)),
    ("index_copy_", lambda L: (L.tensor(X), 0, L.tensor([2]), L.tensor(Y[:1]))),
    ("index_put_", lambda L: (L.tensor(X), (L.tensor([0, 1]),), L.tensor(Y[0]), True)),
    ("scatter_reduce_", lambda L: (L.tensor(X), 1, L.tensor([[0, 0], [3, 1], [2, 2]]),
                                   L.tensor(Y[:, :2].copy()), "amax")),
    ("put_", lambda L: (L.tensor(X), L.tensor([0, 7]), L.tensor([9.0, 8.0]))),
    ("masked_scatter_", lambda L: (L.tensor(X), L.tensor(X > 0.5), L.tensor(Y))),
    ("t_", lambda L: (L.tensor(X),)),
    ("transpose_", lambda L: (L.tensor(X), 0, 1)),
    ("swapdims_", lambda L: (L.tensor(X), 1, 0)),
    ("swapaxes_", lambda L: (L.tensor(X), 0, 1)),
    ("squeeze_", lambda L: (L.tensor(X[None]),)),
    ("unsqueeze_", lambda L: (L.tensor(X), 1)),
]
CASES = ([(n, lambda L: (L.tensor(X),)) for n in UNARY]
         + [(n, lambda L: (L.tensor(X), L.tensor(Y))) for n in BINARY]
         + [(n, lambda L: (L.tensor(I1), L.tensor(I2))) for n in INT_BINARY] + OTHER)


def test_every_variant_is_tested():
    assert set(IV.TENSOR_METHODS) - {n for n, _ in CASES} == {
        "cauchy_", "log_normal_", "geometric_", "fill_diagonal_"}


@pytest.mark.parametrize("name, make", CASES, ids=[c[0] for c in CASES])
def test_inplace_matches_pytorch(name, make):
    g_args, t_args = make(galton), make(torch)
    g_self, t_self = g_args[0], t_args[0]
    g_out = getattr(g_self, name)(*g_args[1:])
    t_out = getattr(t_self, name)(*t_args[1:])
    assert g_out is g_self and t_out is t_self
    assert tuple(g_self.shape) == tuple(t_self.shape)
    assert str(g_self.dtype).split(".")[-1] == str(t_self.dtype).split(".")[-1]
    np.testing.assert_allclose(g_self.numpy(), t_self.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["acos_", "hypot_", "addcmul_"])
def test_torch_level_spelling(name):
    if name == "addcmul_":  # a Tensor method only, in both libraries
        assert not hasattr(torch, name) and not hasattr(galton, name)
        return
    args = [X] if name == "acos_" else [X, Y]
    g = [galton.tensor(a) for a in args]
    t = [torch.tensor(a) for a in args]
    if hasattr(torch, name):
        assert getattr(galton, name)(*g) is g[0]
        getattr(torch, name)(*t)
    else:
        getattr(g[0], name)(*g[1:])
        getattr(t[0], name)(*t[1:])
    np.testing.assert_allclose(g[0].numpy(), t[0].numpy(), rtol=1e-6)


def test_cast_refused_as_pytorch():
    for lib in (galton, torch):
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                               "output type Long"):
            lib.tensor([1, 2]).atan2_(lib.tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError, match="float_power_ has dtype Float but the operation's "
                                               "result requires dtype Double"):
            lib.tensor([1.0]).float_power_(2)


def test_recorded_inplace_gradient():
    grads = []
    for lib in (galton, torch):
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(Y, requires_grad=True)
        h = a * 1.0
        h.atan2_(b).addmm_(b, lib.ones(4, 4) / 8).asin_()
        h.sum().backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            a.acos_()
    for g, t in zip(*grads):
        np.testing.assert_allclose(g, t, rtol=1e-4, atol=1e-6)


def test_random_fills():
    galton.manual_seed(0)
    x = galton.empty(20000)
    assert x.cauchy_(1.0, 2.0) is x and abs(float(x.median()) - 1.0) < 0.1
    x.log_normal_(0.0, 0.5)
    assert abs(float(x.log().mean())) < 0.02 and abs(float(x.log().std()) - 0.5) < 0.02
    x.geometric_(0.25)
    assert float(x.min()) == 1.0 and abs(float(x.mean()) - 4.0) < 0.15


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 2), False), ((5, 2), True),
                                         ((2, 2, 2), False)])
def test_fill_diagonal(shape, wrap):
    g, t = galton.zeros(*shape), torch.zeros(*shape)
    assert g.fill_diagonal_(7.0, wrap) is g
    t.fill_diagonal_(7.0, wrap)
    np.testing.assert_array_equal(g.numpy(), t.numpy())
