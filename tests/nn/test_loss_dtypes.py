"""Losses on mixed and integer dtypes, and binary cross-entropy's range checks: the result
dtype, value and gradient, or the exact error, each against PyTorch 2.13 (issue 14)."""
import numpy as np
import pytest
import torch

import galton
import galton.nn.functional as F
from tests.oracle import compare

DTYPES = ["int64", "int32", "uint8", "bool", "float32", "float64"]
LOSSES = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
          "binary_cross_entropy", "binary_cross_entropy_with_logits"]


def _outcome(mod, fn):
    """The result's dtype and values, or the exception's type and message."""
    try:
        out = fn(mod)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e)
    return str(out.dtype).split(".")[-1], out.detach().double().numpy().round(5).tolist()


def _pair(mod, loss, a, b, reduction):
    x = mod.tensor([0.25, 0.75, 1.0]).to(getattr(mod, a))
    t = mod.tensor([1.0, 0.0, 0.5]).to(getattr(mod, b))
    kw = {"reduction": reduction}
    if loss == "kl_div" and reduction == "mean":
        kw["reduction"] = "sum"  # 'mean' only adds PyTorch's deprecation warning
    return getattr(mod.nn.functional, loss)(x, t, **kw)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("a,b", [(a, b) for a in DTYPES for b in DTYPES])
def test_loss_dtype_rules_match_torch(loss, a, b):
    for reduction in ("mean", "sum", "none"):
        g = _outcome(galton, lambda m: _pair(m, loss, a, b, reduction))
        t = _outcome(torch, lambda m: _pair(m, loss, a, b, reduction))
        assert g == t, (reduction, g, t)


def test_mse_loss_of_integers_raises_as_torch():
    with pytest.raises(NotImplementedError, match='"mse_cpu" not implemented for \'Long\''):
        F.mse_loss(galton.tensor([1, 2]), galton.tensor([1, 3]))
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Got: Long"):
        F.l1_loss(galton.tensor([1, 2]), galton.tensor([1, 3]))


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_float32_input_with_int64_target_stays_float32_with_gradient(loss):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(6).astype(np.float32)
    t = rng.integers(-2, 3, 6).astype(np.int64)
    # PyTorch's huber_loss backward refuses mixed dtypes ("Found dtype Long but expected
    # Float"); galton differentiates it, so only its forward is compared
    out, _ = compare(lambda m, a, b: getattr(m.nn.functional, loss)(a, b), None, inputs=[x, t],
                     grad=loss != "huber_loss")
    assert out.dtype == galton.float32


def test_float32_input_with_float64_target_promotes_like_torch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(5).astype(np.float32)
    t = rng.standard_normal(5)  # float64, requires grad in both
    compare(lambda m, a, b: m.nn.functional.mse_loss(a, b), None, inputs=[x, t])
    compare(lambda m, a, b: m.nn.functional.huber_loss(a, b), None, inputs=[x, t], grad=False)
    p = rng.random(5)
    compare(lambda m, a, b: m.nn.functional.binary_cross_entropy_with_logits(a, b), None,
            inputs=[x, p])


def test_class_losses_refuse_integer_scores():
    with pytest.raises(NotImplementedError,
                       match="\"log_softmax_lastdim_kernel_impl\" not implemented for 'Long'"):
        F.cross_entropy(galton.tensor([[1, 0]]), galton.tensor([0]))
    with pytest.raises(NotImplementedError, match="\"nll_loss_out_frame\" not implemented"):
        F.nll_loss(galton.tensor([[1, 0]]), galton.tensor([0]))


def test_cosine_embedding_loss_of_integers_is_floating():
    for mod in (galton, torch):
        out = mod.nn.functional.cosine_embedding_loss(mod.tensor([[1, 0]]), mod.tensor([[1, 0]]),
                                                      mod.tensor([1]))
        assert str(out.dtype).endswith("float32")


BCE_CASES = [
    ([float("nan")], [1.0]),
    ([0.5], [2.0]),
    ([0.5], [-1.0]),
    ([0.5], [float("nan")]),
    ([1.5], [1.0]),
    ([float("inf")], [0.0]),
    ([0.5, float("nan")], [2.0, 1.0]),  # the first bad element decides: the target
    ([float("nan"), 0.5], [1.0, 2.0]),  # here the input
    ([0.0, 1.0], [1.0, 0.0]),  # the bounds themselves are fine (loss clamped at 100)
]


@pytest.mark.parametrize("x,t", BCE_CASES)
def test_binary_cross_entropy_range_checks_match_torch(x, t):
    def fn(mod, module):
        xi, ti = mod.tensor(x), mod.tensor(t)
        return mod.nn.BCELoss()(xi, ti) if module else mod.nn.functional.binary_cross_entropy(xi, ti)
    for module in (False, True):
        assert _outcome(galton, lambda m: fn(m, module)) == _outcome(torch, lambda m: fn(m, module))


def test_binary_cross_entropy_with_logits_accepts_any_target_like_torch():
    x, t = [0.5, 0.5], [1.0, 3.0]  # PyTorch does not range-check the logits variant
    g = _outcome(galton, lambda m: m.nn.functional.binary_cross_entropy_with_logits(
        m.tensor(x), m.tensor(t)))
    assert g == _outcome(torch, lambda m: m.nn.functional.binary_cross_entropy_with_logits(
        m.tensor(x), m.tensor(t)))
