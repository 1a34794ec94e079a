"""The fused loss ops against torch.nn.functional, forward and backward, and in float64."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import galton
from galton.ops import loss as L
from tests.oracle import compare

REDUCTIONS = ["mean", "sum", "none"]


def both(gfn, tfn):
    """fn(t, *tensors) for oracle.compare: the galton op or the torch function."""
    return lambda t, *a: gfn(*a) if t is galton else tfn(*a)


def _targets(shape, c, seed=0):
    return np.random.default_rng(seed).integers(0, c, shape).astype(np.int64)


def _gradcheck(fn, *arrays):
    """float64 finite differences w.r.t. every float array; integer arrays stay constants."""
    ts = [galton.tensor(np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else a,
                        requires_grad=np.asarray(a).dtype.kind == "f") for a in arrays]
    diff = [t for t in ts if t.requires_grad]

    def f(*d):
        it = iter(d)
        return fn(*[next(it) if t.requires_grad else t for t in ts])
    assert galton.autograd.gradcheck(f, diff)


# --- cross_entropy / nll_loss with class indices -----------------------------------------

CE_SHAPES = [((64, 10), (64,)), ((5, 3), (5,)), ((4, 3, 5), (4, 5)), ((2, 4, 3, 2), (2, 3, 2)),
             ((6,), ())]


@pytest.mark.parametrize("xshape,tshape", CE_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_indices(xshape, tshape, reduction):
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    x = np.random.default_rng(1).standard_normal(xshape).astype(np.float32) * 3
    t = _targets(tshape, c)
    compare(both(lambda a, b: L.cross_entropy(a, b, reduction=reduction),
                 lambda a, b: TF.cross_entropy(a, b, reduction=reduction)), None, inputs=[x, t])


@pytest.mark.parametrize("xshape,tshape", CE_SHAPES[1:])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("ignore", [-100, 1])
def test_cross_entropy_weight_ignore_smoothing(xshape, tshape, reduction, smoothing, ignore):
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    rng = np.random.default_rng(2)
    x = rng.standard_normal(xshape).astype(np.float32)
    t = _targets(tshape, c, seed=3)
    if t.ndim:
        t.reshape(-1)[::3] = ignore  # some targets ignored
    w = (rng.random(c) + 0.5).astype(np.float32)
    for weight in (None, w):
        def g(a, b):
            return L.cross_entropy(a, b, None if weight is None else galton.tensor(weight),
                                   ignore, reduction, smoothing)

        def tt(a, b):
            return TF.cross_entropy(a, b, None if weight is None else torch.tensor(weight),
                                    ignore_index=ignore, reduction=reduction,
                                    label_smoothing=smoothing)
        compare(both(g, tt), None, inputs=[x, t])


def test_cross_entropy_non_contiguous_logits():
    x = np.random.default_rng(0).standard_normal((10, 8)).astype(np.float32)
    t = _targets((8,), 10)
    compare(both(lambda a, b: L.cross_entropy(a.t(), b), lambda a, b: TF.cross_entropy(a.t(), b)),
            None, inputs=[x, t])


def test_cross_entropy_extreme_logits_are_finite():
    x = galton.tensor([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]], requires_grad=True)
    loss = L.cross_entropy(x, galton.tensor([1, 0]))
    loss.backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tl = TF.cross_entropy(tx, torch.tensor([1, 0]))
    tl.backward()
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-6)


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x = galton.randn(3, 4, requires_grad=True)
    t = galton.tensor([-100, -100, -100])
    loss = L.cross_entropy(x, t)
    assert np.isnan(loss.item())
    assert np.isnan(TF.cross_entropy(torch.randn(3, 4), torch.tensor([-100] * 3)).item())
    assert L.cross_entropy(x, t, reduction="sum").item() == 0


def test_cross_entropy_out_of_range_target():
    with pytest.raises(IndexError, match=r"^Target 10 is out of bounds\.$"):
        L.cross_entropy(galton.randn(4, 10), galton.tensor([1, 10, 2, 3]))
    with pytest.raises(IndexError, match=r"^Target -1 is out of bounds\.$"):
        L.cross_entropy(galton.randn(4, 10), galton.tensor([1, -1, -100, 3]))
    with pytest.raises(IndexError, match="Target 3 is out of bounds"):
        L.nll_loss(galton.randn(2, 3), galton.tensor([3, 0]))


@pytest.mark.parametrize("xshape,tshape", [((4, 3), (4,)), ((2, 3, 2), (2, 2)), ((3,), ())])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck(xshape, tshape, reduction):
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    x = np.random.default_rng(0).standard_normal(xshape)
    t = _targets(tshape, c)
    w = np.random.default_rng(1).random(c) + 0.5
    if t.ndim:
        t.reshape(-1)[0] = -100
    wt = galton.tensor(w)  # a constant: PyTorch has no gradient for class weights either
    _gradcheck(lambda a, b: L.cross_entropy(a, b, wt, -100, reduction, 0.2), x, t)


@pytest.mark.parametrize("xshape,tshape", CE_SHAPES[1:])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(xshape, tshape, reduction):
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    rng = np.random.default_rng(4)
    x = rng.standard_normal(xshape).astype(np.float32)
    t = _targets(tshape, c, seed=5)
    if t.ndim:
        t.reshape(-1)[::2] = -100
    w = (rng.random(c) + 0.5).astype(np.float32)
    compare(both(lambda a, b: L.nll_loss(a, b, reduction=reduction),
                 lambda a, b: TF.nll_loss(a, b, reduction=reduction)), None, inputs=[x, t])
    compare(both(lambda a, b: L.nll_loss(a, b, galton.tensor(w), reduction=reduction),
                 lambda a, b: TF.nll_loss(a, b, torch.tensor(w), reduction=reduction)),
            None, inputs=[x, t])
    _gradcheck(lambda a, b: L.nll_loss(a, b, galton.tensor(w * 1.0), reduction=reduction),
               x.astype(np.float64), t)


# --- cross_entropy with class probabilities -------------------------------------------------

@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(shape, reduction, smoothing, weighted):
    rng = np.random.default_rng(6)
    c = shape[1] if len(shape) > 1 else shape[0]
    x = rng.standard_normal(shape).astype(np.float32)
    p = rng.random(shape).astype(np.float32)
    w = (rng.random(c) + 0.5).astype(np.float32) if weighted else None

    def g(a, b):
        return L.cross_entropy_probs(a, b, None if w is None else galton.tensor(w), reduction,
                                     smoothing)

    def tt(a, b):
        return TF.cross_entropy(a, b, None if w is None else torch.tensor(w),
                                reduction=reduction, label_smoothing=smoothing)
    compare(both(g, tt), None, inputs=[x, p])
    _gradcheck(lambda a, b: L.cross_entropy_probs(
        a, b, None if w is None else galton.tensor(w * 1.0), reduction, smoothing), x, p)


# --- binary cross-entropy -------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6,), (4, 3), (2, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(shape, reduction):
    rng = np.random.default_rng(7)
    x = (1 / (1 + np.exp(-2 * rng.standard_normal(shape)))).astype(np.float32)
    t = rng.random(shape).astype(np.float32)
    compare(both(lambda a, b: L.binary_cross_entropy(a, b, reduction=reduction),
                 lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction)),
            None, inputs=[x, t])
    w = (rng.random(shape[-1:]) + 0.5).astype(np.float32)
    compare(both(lambda a, b: L.binary_cross_entropy(a, b, galton.tensor(w), reduction),
                 lambda a, b: TF.binary_cross_entropy(a, b, torch.tensor(w), reduction=reduction)),
            None, inputs=[x, t])
    _gradcheck(lambda a, b: L.binary_cross_entropy(a, b, galton.tensor(w * 1.0), reduction),
               x * 0.9 + 0.05, t)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = galton.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    t = galton.tensor([1.0, 0.0, 0.0, 1.0])
    loss = L.binary_cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [100, 100, 0, 0])
    loss.sum().backward()
    tx = torch.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    TF.binary_cross_entropy(tx, torch.tensor([1.0, 0.0, 0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_binary_cross_entropy_input_outside_unit_interval():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        L.binary_cross_entropy(galton.tensor([0.5, 1.5]), galton.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        L.binary_cross_entropy(galton.tensor([-0.1]), galton.tensor([1.0]))


@pytest.mark.parametrize("shape", [(6,), (4, 3), (2, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits(shape, reduction, weighted):
    rng = np.random.default_rng(8)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    t = rng.random(shape).astype(np.float32)
    pw = (rng.random(shape[-1:]) * 3).astype(np.float32)
    w = (rng.random(shape[-1:]) + 0.5).astype(np.float32)
    if not weighted:
        compare(both(lambda a, b: L.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                     lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction)),
                None, inputs=[x, t])
        return
    gw, gpw = galton.tensor(w), galton.tensor(pw)
    tw, tpw = torch.tensor(w), torch.tensor(pw)
    compare(both(lambda a, b: L.binary_cross_entropy_with_logits(a, b, gw, reduction, gpw),
                 lambda a, b: TF.binary_cross_entropy_with_logits(
                     a, b, tw, reduction=reduction, pos_weight=tpw)),
            None, inputs=[x, t])
    gw, gpw = galton.tensor(w * 1.0), galton.tensor(pw * 1.0)
    _gradcheck(lambda a, b: L.binary_cross_entropy_with_logits(a, b, gw, reduction, gpw), x, t)


def test_bce_with_logits_is_stable():
    x = galton.tensor([-200.0, 200.0, 0.0], requires_grad=True)
    t = galton.tensor([1.0, 0.0, 0.5])
    loss = L.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [200, 200, np.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1, 1, 0], atol=1e-7)


# --- regression losses, kl_div, cosine embedding --------------------------------------------

REGRESSION = [
    (L.mse_loss, TF.mse_loss, {}),
    (L.l1_loss, TF.l1_loss, {}),
    (L.smooth_l1_loss, TF.smooth_l1_loss, {}),
    (L.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.5}),
    (L.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0}),
    (L.huber_loss, TF.huber_loss, {}),
    (L.huber_loss, TF.huber_loss, {"delta": 2.0}),
]


@pytest.mark.parametrize("gf,tf,kw", REGRESSION,
                         ids=[f"{r[0].__name__}{r[2]}" for r in REGRESSION])
@pytest.mark.parametrize("shapes", [[(5,), (5,)], [(3, 4), (3, 4)], [(2, 3, 2), (2, 3, 2)],
                                    [(3, 1), (4,)]])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(gf, tf, kw, shapes, reduction):
    rng = np.random.default_rng(9)
    x, t = (rng.standard_normal(s).astype(np.float32) * 2 for s in shapes)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns on the broadcasting pair
        compare(both(lambda a, b: gf(a, b, reduction, **kw), lambda a, b: tf(a, b, reduction=reduction,
                                                                            **kw)),
                None, inputs=[x, t])
    _gradcheck(lambda a, b: gf(a, b, reduction, **kw), x, t)


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2)])
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(shape, reduction, log_target):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape).astype(np.float32)
    t = rng.standard_normal(shape).astype(np.float32) if log_target else \
        rng.random(shape).astype(np.float32) + 0.05
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about reduction='mean'
        compare(both(lambda a, b: L.kl_div(a, b, reduction, log_target),
                     lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target)),
                None, inputs=[x, t])
    _gradcheck(lambda a, b: L.kl_div(a, b, reduction, log_target), x, t)


def test_kl_div_zero_target():
    x = galton.tensor([-1.0, -2.0], requires_grad=True)
    loss = L.kl_div(x, galton.tensor([0.0, 1.0]), "sum")
    assert loss.item() == pytest.approx(2.0)


@pytest.mark.parametrize("shape", [(5, 4), (4,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(shape, reduction, margin):
    rng = np.random.default_rng(11)
    a, b = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    y = np.array([1, -1, -1, 1, -1][: shape[0]] if len(shape) == 2 else -1, dtype=np.int64)
    compare(both(lambda p, q, r: L.cosine_embedding_loss(p, q, r, margin, reduction),
                 lambda p, q, r: TF.cosine_embedding_loss(p, q, r, margin, reduction=reduction)),
            None, inputs=[a, b, y])
    _gradcheck(lambda p, q, r: L.cosine_embedding_loss(p, q, r, margin, reduction), a, b, y)
