"""Distances and the margin/ranking/multi-label/likelihood losses against torch; gradcheck."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck

RNG = np.random.default_rng(0)
SIGNS = np.where(RNG.random(6) > 0.5, 1.0, -1.0).astype("f4")


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pairwise_distance(p):
    compare(lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p), [(4, 5), (4, 5)])
    compare(lambda t, a, b: t.nn.PairwiseDistance(p, keepdim=True)(a, b), [(4, 5), (5,)])
    compare(lambda t, a, b: t.nn.functional.pairwise_distance(a, b), [(5,), (5,)])


def test_cosine_similarity():
    compare(lambda t, a, b: t.nn.functional.cosine_similarity(a, b), [(4, 5), (4, 5)])
    compare(lambda t, a, b: t.nn.CosineSimilarity(dim=-1)(a, b), [(2, 3, 5), (3, 5)])
    z = np.zeros((2, 3), "f4")  # a zero vector: the norm is clamped to eps, no NaN
    compare(lambda t, a, b: t.nn.functional.cosine_similarity(a, b), None,
            inputs=[z, RNG.standard_normal((2, 3)).astype("f4")])


def test_pdist():
    compare(lambda t, x: t.nn.functional.pdist(x), [(5, 3)])
    compare(lambda t, x: t.nn.functional.pdist(x, p=1.5), [(4, 3)])


LOSSES = [
    ("MarginRankingLoss", dict(margin=0.3), lambda: [(6,), (6,)], lambda: [SIGNS]),
    ("HingeEmbeddingLoss", dict(margin=0.5), lambda: [(6,)], lambda: [SIGNS]),
    ("SoftMarginLoss", {}, lambda: [(6,)], lambda: [SIGNS]),
    ("MultiLabelSoftMarginLoss", {}, lambda: [(3, 4)],
     lambda: [(RNG.random((3, 4)) > 0.5).astype("f4")]),
    ("MultiLabelMarginLoss", {}, lambda: [(3, 4)],
     lambda: [np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])]),
    ("MultiMarginLoss", {}, lambda: [(3, 4)], lambda: [np.array([0, 3, 1])]),
    ("MultiMarginLoss", dict(p=2, margin=0.7), lambda: [(3, 4)], lambda: [np.array([0, 3, 1])]),
    ("TripletMarginLoss", dict(margin=0.5), lambda: [(4, 3)] * 3, lambda: []),
    ("TripletMarginLoss", dict(p=1, swap=True), lambda: [(4, 3)] * 3, lambda: []),
    ("TripletMarginWithDistanceLoss", dict(swap=True), lambda: [(4, 3)] * 3, lambda: []),
    ("PoissonNLLLoss", {}, lambda: [(6,)], lambda: [RNG.poisson(2, 6).astype("f4")]),
    ("PoissonNLLLoss", dict(log_input=False, full=True), lambda: [(6,)],
     lambda: [RNG.poisson(2, 6).astype("f4")]),
]


@pytest.mark.parametrize("name, kw, shapes, extra", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses(name, kw, shapes, extra, reduction):
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(s).astype("f4") for s in shapes()]
    if name == "PoissonNLLLoss" and not kw.get("log_input", True):
        inputs = [np.abs(a) + 0.1 for a in inputs]
    targets = extra()  # constants: no gradient asked of them
    compare(lambda t, *xs: getattr(t.nn, name)(reduction=reduction, **kw)(
        *xs, *[t.tensor(y) for y in targets]), None, inputs=inputs)


def test_weighted_and_unbatched():
    w = np.array([0.5, 1.0, 2.0, 1.5], "f4")
    compare(lambda t, x: t.nn.MultiMarginLoss(weight=t.tensor(w))(x, t.tensor([2, 0, 1])),
            [(3, 4)])
    compare(lambda t, x, w: t.nn.MultiLabelSoftMarginLoss(weight=w)(
        x, t.tensor([[1., 0, 0, 1], [0, 1, 1, 0]])), None,
        inputs=[RNG.standard_normal((2, 4)).astype("f4"), w])
    compare(lambda t, x: t.nn.MultiMarginLoss()(x, t.tensor(2)), [(4,)])
    compare(lambda t, x: t.nn.MultiLabelMarginLoss()(x, t.tensor([2, 0, -1, 0])), [(4,)])


def test_triplet_with_custom_distance():
    cos = lambda t: (lambda a, b: 1 - t.nn.functional.cosine_similarity(a, b))  # noqa: E731
    compare(lambda t, a, p, n: t.nn.TripletMarginWithDistanceLoss(distance_function=cos(t),
                                                                  margin=0.2)(a, p, n),
            [(4, 3)] * 3)


@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
def test_gaussian_nll(var_shape):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((2, 4, 3)).astype("f4")
    v = (np.abs(rng.standard_normal(var_shape)) + 0.1).astype("f4")
    v.flat[0] = 1e-8  # clamped to eps, the gradient still flows as PyTorch's
    for full in (False, True):
        compare(lambda t, x, y, v: t.nn.GaussianNLLLoss(full=full)(x, y, v), None,
                inputs=[x, y, v], rtol=1e-4, atol=1e-3)


def test_gradcheck_float64():
    s = galton.tensor(SIGNS[:4], dtype=galton.float64)
    gradcheck(lambda t, a, b: t.nn.functional.margin_ranking_loss(a, b, s, margin=0.1),
              [(4,), (4,)])
    gradcheck(lambda t, a, b, c: t.nn.functional.triplet_margin_loss(a, b, c, swap=True),
              [(3, 4)] * 3)
    gradcheck(lambda t, x: t.nn.functional.multilabel_margin_loss(
        x, galton.tensor([[1, 2, -1], [0, -1, 2]])), [(2, 3)])
    gradcheck(lambda t, x: t.nn.functional.multi_margin_loss(x, galton.tensor([1, 2]), p=2),
              [(2, 3)])
    gradcheck(lambda t, a, b: t.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)])
    gradcheck(lambda t, x: t.nn.functional.pdist(x), [(4, 3)])


def test_errors():
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        galton.nn.functional.pdist(galton.randn(3))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        galton.nn.GaussianNLLLoss()(galton.randn(4, 3), galton.randn(4, 3), galton.ones(2, 3))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        galton.nn.TripletMarginLoss()(galton.randn(4, 3), galton.randn(4, 3), galton.randn(3))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        galton.nn.MultiMarginLoss(p=3)
