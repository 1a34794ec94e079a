"""bincount, histc, meshgrid and cdist against PyTorch (values, gradients, errors) and, for
cdist's gradient, float64 finite differences."""
import warnings

import numpy as np
import pytest
import torch

import galton


def _both(fn):
    out = []
    for lib in (galton, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                r = fn(lib)
            except Exception as e:  # the error is part of the answer compared
                out.append(("raises", type(e).__name__, str(e)))
                continue
        rs = r if isinstance(r, tuple) else (r,)
        out.append(("returns", [(str(x.dtype).split(".")[-1], x.detach().numpy()) for x in rs]))
    g, t = out
    assert g[0] == t[0]
    if g[0] == "raises":
        assert g == t
        return
    for (gd, ga), (td, ta) in zip(g[1], t[1]):
        assert gd == td and ga.shape == ta.shape
        np.testing.assert_allclose(ga, ta, rtol=1e-6, atol=1e-9)


COUNTS = [
    lambda t: t.bincount(t.tensor([0, 1, 1, 3])),
    lambda t: t.bincount(t.tensor([0, 1, 1]), weights=t.tensor([0.5, 1.0, 2.0])),
    lambda t: t.bincount(t.tensor([0, 1, 1]), weights=t.tensor([0.5, 1.0, 2.0], dtype=t.float64)),
    lambda t: t.bincount(t.tensor([0, 1, 1]), weights=t.tensor([1, 2, 3])),
    lambda t: t.tensor([1, 4]).bincount(minlength=7),
    lambda t: t.bincount(t.tensor([], dtype=t.long)),
    lambda t: t.bincount(t.tensor([-1])),
    lambda t: t.bincount(t.tensor([[1]])),
    lambda t: t.bincount(t.tensor([1.0])),
    lambda t: t.bincount(t.tensor([1, 2]), weights=t.ones(3)),
    lambda t: t.bincount(t.tensor([1]), minlength=-1),
    lambda t: t.histc(t.tensor([1.0, 2, 1]), bins=4, min=0, max=3),
    lambda t: t.histc(t.tensor([1.0, 2, 1, 5]), bins=4),
    lambda t: t.histc(t.tensor([1.0, 2, 1, 5], dtype=t.float64), bins=4),
    lambda t: t.histc(t.tensor([2.0, 2.0]), bins=3),
    lambda t: t.tensor([0.1, 0.5, 0.99, 1.0, -3.0, 7.0]).histc(bins=5, min=0, max=1),
    lambda t: t.histc(t.tensor(np.random.default_rng(0).standard_normal(500).astype(np.float32))),
    lambda t: t.histc(t.tensor([1, 2])),
    lambda t: t.histc(t.tensor([1.0, 2]), bins=0),
    lambda t: t.histc(t.tensor([1.0, 2]), min=3, max=1),
]


@pytest.mark.parametrize("i", range(len(COUNTS)))
def test_bincount_histc_match_pytorch(i):
    _both(COUNTS[i])


GRIDS = [
    lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="ij"),
    lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="xy"),
    lambda t: t.meshgrid([t.arange(2), t.arange(3), t.arange(4)], indexing="xy"),
    lambda t: t.meshgrid(t.arange(2), t.arange(3)),
    lambda t: t.meshgrid(t.tensor(5), t.arange(3), indexing="ij"),
    lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="bad"),
]


@pytest.mark.parametrize("i", range(len(GRIDS)))
def test_meshgrid_matches_pytorch(i):
    _both(GRIDS[i])


def test_meshgrid_warns_without_indexing_and_backpropagates():
    with pytest.warns(UserWarning, match="indexing argument"):
        galton.meshgrid(galton.arange(2), galton.arange(2))
    grads = []
    for lib in (galton, torch):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0, 5.0], requires_grad=True)
        X, Y = lib.meshgrid(a, b, indexing="xy")
        (X * Y * lib.arange(6.0).reshape(3, 2)).sum().backward()
        grads.append((a.grad.numpy(), b.grad.numpy(), X.grad_fn.name()))
    np.testing.assert_allclose(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1])
    assert grads[0][2] == grads[1][2]


CDIST_SHAPES = [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)), ((2, 4, 3), (5, 3)),
                ((1, 4, 3), (3, 5, 3))]


@pytest.mark.parametrize("shapes", CDIST_SHAPES)
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.5, float("inf")])
def test_cdist_forward_backward_matches_pytorch(shapes, p):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = rng.standard_normal(shapes[1]).astype(np.float32)
    res = []
    for lib in (galton, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        d = lib.cdist(x, y, p=p)
        w = lib.tensor(rng.standard_normal(tuple(d.shape)).astype(np.float32)) if not res else \
            lib.tensor(res[0][3])
        (d * w).sum().backward()
        res.append((d.detach().numpy(), x.grad.numpy(), y.grad.numpy(), w.numpy()))
    for u, v in zip(res[0][:3], res[1][:3]):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-5)
    assert galton.cdist(galton.ones(2, 3, requires_grad=True), galton.ones(1, 3)).grad_fn.name() \
        == "CdistBackward0"


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_cdist_gradcheck(p):
    rng = np.random.default_rng(2)
    x = galton.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    y = galton.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert galton.autograd.gradcheck(lambda a, b: galton.cdist(a, b, p=p), (x, y))


CDIST_ERRORS = [
    lambda t: t.cdist(t.ones(3), t.ones(3)),
    lambda t: t.cdist(t.ones(2, 3), t.ones(2, 4)),
    lambda t: t.cdist(t.ones(2, 3, dtype=t.long), t.ones(2, 3, dtype=t.long)),
    lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), p=-1),
]


@pytest.mark.parametrize("i", range(len(CDIST_ERRORS)))
def test_cdist_errors_match_pytorch(i):
    _both(CDIST_ERRORS[i])
