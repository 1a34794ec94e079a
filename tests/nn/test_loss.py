"""Loss layers and nn.functional's losses: against torch, and PyTorch's error messages."""
import warnings

import numpy as np
import pytest
import torch

import galton
import galton.nn as nn
import galton.nn.functional as F
from tests.oracle import compare

REDUCTIONS = ["mean", "sum", "none"]


def _logits_targets(n=64, c=10, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c)).astype(np.float32),
            rng.integers(0, c, n).astype(np.int64))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_module(reduction):
    x, t = _logits_targets()
    compare(lambda m, a, b: m.nn.CrossEntropyLoss(reduction=reduction)(a, b), None, inputs=[x, t])


def test_cross_entropy_module_weight_buffer_and_options():
    w = np.linspace(0.5, 2.0, 10).astype(np.float32)
    x, t = _logits_targets()
    t[:5] = 3

    def make(m, a, b):
        loss = m.nn.CrossEntropyLoss(weight=m.tensor(w), ignore_index=3, label_smoothing=0.1)
        return loss(a, b)
    compare(make, None, inputs=[x, t])
    g = nn.CrossEntropyLoss(weight=galton.tensor(w))
    assert list(g.state_dict()) == list(torch.nn.CrossEntropyLoss(torch.tensor(w)).state_dict())
    assert repr(g) == "CrossEntropyLoss()"
    assert nn.CrossEntropyLoss().ignore_index == -100


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_after_log_softmax_equals_cross_entropy(reduction):
    x, t = _logits_targets(8, 5)
    compare(lambda m, a, b: m.nn.NLLLoss(reduction=reduction)(m.nn.LogSoftmax(dim=1)(a), b),
            None, inputs=[x, t])
    gx, gt = galton.tensor(x), galton.tensor(t)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(gx, 1), gt, reduction=reduction).numpy(),
                               F.cross_entropy(gx, gt, reduction=reduction).numpy(), rtol=1e-5)


def test_cross_entropy_spatial_and_probabilities_via_module():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    t = rng.integers(0, 4, (2, 3, 3)).astype(np.int64)
    compare(lambda m, a, b: m.nn.CrossEntropyLoss()(a, b), None, inputs=[x, t])
    p = rng.random((2, 4, 3, 3)).astype(np.float32)
    compare(lambda m, a, b: m.nn.CrossEntropyLoss(label_smoothing=0.2)(a, b), None, inputs=[x, p])


def test_cross_entropy_unbatched():
    x = np.random.default_rng(2).standard_normal(5).astype(np.float32)
    compare(lambda m, a, b: m.nn.functional.cross_entropy(a, b, reduction="none"), None,
            inputs=[x, np.array(3, dtype=np.int64)])


# --- PyTorch's errors ------------------------------------------------------------------------

def test_cross_entropy_target_out_of_range():
    x = galton.randn(64, 10)
    with pytest.raises(IndexError, match=r"^Target 10 is out of bounds\.$"):
        F.cross_entropy(x, galton.full((64,), 10, dtype=galton.int64))
    with pytest.raises(IndexError, match=r"Target 12 is out of bounds\."):
        nn.NLLLoss()(x, galton.full((64,), 12, dtype=galton.int64))


def test_cross_entropy_float_class_targets_say_so():
    x = galton.randn(64, 10)
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                                           r"Float: cross_entropy takes class indices as an "
                                           r"integer tensor \(use target.long\(\)\)"):
        F.cross_entropy(x, galton.zeros(64))
    with pytest.raises(RuntimeError, match="but got Float"):
        F.nll_loss(x, galton.zeros(64))


def test_cross_entropy_integer_probabilities_rejected():
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class "
                                           "probabilities, got Long"):
        F.cross_entropy(galton.randn(4, 3), galton.zeros(4, 3, dtype=galton.int64))


def test_cross_entropy_batch_size_mismatch():
    with pytest.raises(ValueError, match=r"^Expected input batch_size \(64\) to match target "
                                         r"batch_size \(32\)\.$"):
        F.cross_entropy(galton.randn(64, 10), galton.zeros(32, dtype=galton.int64))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target "
                                         r"batch_size \(3\)"):
        nn.CrossEntropyLoss()(galton.randn(4, 3, 5), galton.zeros(3, 5, dtype=galton.int64))


def test_cross_entropy_other_shape_errors():
    with pytest.raises(RuntimeError, match=r"Expected target size \[4, 5\], got \[4, 6\]"):
        F.cross_entropy(galton.randn(4, 3, 5), galton.zeros(4, 6, dtype=galton.int64))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not "
                                           "supported"):
        F.cross_entropy(galton.randn(4, 3), galton.zeros(4, 2, dtype=galton.int64))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 10 "
                                           r"classes or no classes but got weight tensor of "
                                           r"shape: \[3\]"):
        F.cross_entropy(galton.randn(4, 10), galton.zeros(4, dtype=galton.int64),
                        weight=galton.ones(3))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.cross_entropy(galton.randn(4, 10), galton.zeros(4, dtype=galton.int64),
                        reduction="foo")
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(galton.randn(4, 10), galton.zeros(4, dtype=galton.int64),
                        label_smoothing=1.5)


def test_bce_input_outside_unit_interval():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        nn.BCELoss()(galton.tensor([0.2, 1.5]), galton.tensor([1.0, 0.0]))


def test_bce_size_mismatch():
    with pytest.raises(ValueError, match="Using a target size .* that is different to the input "
                                         "size .* is deprecated"):
        F.binary_cross_entropy(galton.tensor([0.5, 0.2]), galton.tensor([1.0]))
    with pytest.raises(ValueError, match=r"Target size \(galton.Size\(\[1\]\)\) must be the same "
                                         r"as input size \(galton.Size\(\[2\]\)\)"):
        F.binary_cross_entropy_with_logits(galton.tensor([0.5, 0.2]), galton.tensor([1.0]))


def test_bce_weights_cannot_require_grad():
    w = galton.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument "
                                           "'pos_weight'"):
        F.binary_cross_entropy_with_logits(galton.zeros(2), galton.zeros(2), pos_weight=w)


def test_mse_shape_mismatch_warns_and_broadcasts():
    x = np.random.default_rng(3).standard_normal((3, 1)).astype(np.float32)
    y = np.random.default_rng(4).standard_normal(3).astype(np.float32)
    with pytest.warns(UserWarning, match=r"Using a target size \(galton.Size\(\[3\]\)\) that is "
                                         r"different to the input size \(galton.Size\(\[3, 1\]\)\)"):
        g = F.mse_loss(galton.tensor(x), galton.tensor(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(g.item(), t.item(), rtol=1e-6)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match=r"size of tensor a \(2\) "
                                                                      r"must match"):
        F.mse_loss(galton.ones(3, 2), galton.ones(4))


# --- the other losses as modules --------------------------------------------------------------

@pytest.mark.parametrize("name,kw", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}),
                                     ("SmoothL1Loss", {"beta": 0.3}), ("HuberLoss", {}),
                                     ("HuberLoss", {"delta": 0.5})])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_modules(name, kw, reduction):
    compare(lambda m, a, b: getattr(m.nn, name)(reduction=reduction, **kw)(a, b),
            [(6, 3), (6, 3)])


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_weight_argument(fn, reduction):
    w = np.random.default_rng(5).random((4, 3)).astype(np.float32)
    compare(lambda m, a, b: getattr(m.nn.functional, fn)(a, b, reduction=reduction,
                                                         weight=m.tensor(w)),
            [(4, 3), (4, 3)])


def test_seed_worked_example():
    # x=2, y=6, w=1: loss 16, gradient -16 (seed 002's gradient-descent example)
    w = galton.tensor(1.0, requires_grad=True)
    loss = nn.MSELoss()(w * 2.0, galton.tensor(6.0))
    loss.backward()
    assert loss.item() == 16.0 and w.grad.item() == -16.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_modules(reduction):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    t = (rng.random((5, 3)) > 0.5).astype(np.float32)
    compare(lambda m, a, b: m.nn.BCELoss(reduction=reduction)(m.sigmoid(a), b), None,
            inputs=[x, t])
    pw = np.array([1.0, 2.0, 0.5], np.float32)
    compare(lambda m, a, b: m.nn.BCEWithLogitsLoss(reduction=reduction,
                                                   pos_weight=m.tensor(pw))(a, b),
            None, inputs=[x, t])
    g = nn.BCEWithLogitsLoss(pos_weight=galton.tensor(pw))
    assert list(g.state_dict()) == ["pos_weight"]
    assert list(nn.BCELoss(weight=galton.ones(3)).state_dict()) == ["weight"]


def test_kl_div_module_and_mean_warning():
    rng = np.random.default_rng(7)
    x = np.log(rng.random((4, 5)) + 0.1).astype(np.float32)
    t = rng.random((4, 5)).astype(np.float32)
    compare(lambda m, a, b: m.nn.KLDivLoss(reduction="batchmean")(a, b), None, inputs=[x, t])
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        nn.KLDivLoss()(galton.tensor(x), galton.tensor(t))


def test_cosine_embedding_module():
    rng = np.random.default_rng(8)
    a, b = (rng.standard_normal((4, 3)).astype(np.float32) for _ in range(2))
    y = np.array([1, -1, 1, -1], np.int64)
    compare(lambda m, p, q, r: m.nn.CosineEmbeddingLoss(margin=0.1)(p, q, r), None,
            inputs=[a, b, y])


def test_legacy_size_average_and_reduce():
    x, t = _logits_targets(6, 4)
    for sa, rd in [(False, None), (None, False), (True, True)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tl = torch.nn.CrossEntropyLoss(size_average=sa, reduce=rd)
        gl = nn.CrossEntropyLoss(size_average=sa, reduce=rd)
        assert gl.reduction == tl.reduction
        np.testing.assert_allclose(gl(galton.tensor(x), galton.tensor(t)).numpy(),
                                   tl(torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-5)


# --- one_hot (nn/functional/sparse.py): the helper that turns class targets into rows --------

@pytest.mark.parametrize("shape,n", [((5,), 4), ((2, 3), -1), ((), 3), ((0,), 2)])
def test_one_hot_against_torch(shape, n):
    idx = np.random.default_rng(9).integers(0, 3, shape).astype(np.int64)
    g = F.one_hot(galton.tensor(idx), n)
    t = torch.nn.functional.one_hot(torch.tensor(idx), n)
    assert g.dtype == galton.int64 and tuple(g.shape) == tuple(t.shape)
    np.testing.assert_array_equal(g.numpy(), t.numpy())


def test_one_hot_errors():
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor"):
        F.one_hot(galton.tensor([1.0, 2.0]), 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(galton.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(galton.tensor([-1, 1]), 3)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty"):
        F.one_hot(galton.zeros(0, dtype=galton.int64))
