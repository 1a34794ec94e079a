"""galton.linalg qr, eigh, eigvalsh, svd, svdvals (and torch.svd / torch.qr) against PyTorch:
values, the gradients of every output, float64 finite differences, errors."""
import numpy as np
import pytest
import torch

import galton
from tests.oracle import compare, gradcheck


def _sym(t, x):
    return x + x.mT


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)], ids=str)
def test_qr_reduced(shape):
    compare(lambda t, x: t.linalg.qr(x), [shape], rtol=1e-4, atol=1e-4)
    gradcheck(lambda t, x: t.linalg.qr(x), [shape])
    gradcheck(lambda t, x: t.linalg.qr(x).R, [shape])


def test_qr_modes():
    compare(lambda t, x: t.linalg.qr(x, mode="complete"), [(3, 5)], rtol=1e-4, atol=1e-4)
    compare(lambda t, x: t.linalg.qr(x, mode="complete"), [(5, 3)], grad=False, atol=1e-5)
    compare(lambda t, x: t.linalg.qr(x, mode="r")[1], [(5, 3)], grad=False, atol=1e-5)
    compare(lambda t, x: t.qr(x), [(5, 3)], atol=1e-4)
    compare(lambda t, x: t.qr(x, some=False), [(3, 5)], atol=1e-4)
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        galton.linalg.qr(galton.randn(5, 3, requires_grad=True), mode="complete").Q.sum().backward()
    with pytest.raises(RuntimeError, match="unrecognized mode 'x'"):
        galton.linalg.qr(galton.randn(3, 3), mode="x")


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)], ids=str)
def test_eigh(shape, uplo):
    # eigenvectors are defined up to sign: compare sign-free functions of them
    compare(lambda t, x: t.linalg.eigh(_sym(t, x), UPLO=uplo)[0], [shape], atol=1e-4)
    compare(lambda t, x: t.linalg.eigh(_sym(t, x), UPLO=uplo)[1] ** 2, [shape], atol=1e-4)
    compare(lambda t, x: t.linalg.eigvalsh(x, UPLO=uplo), [shape], atol=1e-4)
    gradcheck(lambda t, x: t.linalg.eigh(_sym(t, x), UPLO=uplo)[1] ** 2, [shape])
    gradcheck(lambda t, x: t.linalg.eigh(_sym(t, x), UPLO=uplo)[0], [shape])


def test_eigh_with_both_outputs_used():
    def fn(t, x):
        w, v = t.linalg.eigh(_sym(t, x))
        return (v ** 2 * w.unsqueeze(-2)).sum(-1) + w
    compare(fn, [(2, 4, 4)], atol=1e-4)
    gradcheck(fn, [(2, 4, 4)])


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 3)], ids=str)
def test_svd(shape, full):
    # singular vectors come in sign pairs: U diag(s) Vh, U^2 and Vh^2 are free of the signs
    def fn(t, x):
        u, s, vh = t.linalg.svd(x, full_matrices=full)
        return s, u ** 2, vh ** 2
    if not full or shape[-1] == shape[-2]:  # a full U (Vh) of a non-square A is not unique
        compare(fn, [shape], atol=1e-4, rtol=1e-3)
    k = min(shape[-2:])

    def reduced(t, x):
        u, s, vh = t.linalg.svd(x, full_matrices=full)
        return s, u[..., :k] ** 2, vh[..., :k, :] ** 2
    compare(reduced, [shape], atol=1e-4, rtol=1e-3)
    gradcheck(reduced, [shape])


def test_svdvals_and_old_svd():
    compare(lambda t, x: t.linalg.svdvals(x), [(2, 4, 3)], atol=1e-5)
    gradcheck(lambda t, x: t.linalg.svdvals(x), [(2, 4, 3)])

    def old(t, x):
        u, s, v = t.svd(x)
        return u ** 2, s, v ** 2
    compare(old, [(5, 3)], atol=1e-4)
    g = galton.svd(galton.randn(4, 3), some=False)
    assert g.U.shape == (4, 4) and g.V.shape == (3, 3)
    g = galton.svd(galton.randn(4, 3), compute_uv=False)
    t = torch.svd(torch.randn(4, 3), compute_uv=False)
    assert g.U.shape == t.U.shape and g.V.shape == t.V.shape and float(g.U.abs().sum()) == 0
    u, s, v = galton.randn(2, 3).svd()
    assert v.shape == (3, 2)


def test_errors_match_pytorch():
    for name, shape in [("svd", (3,)), ("qr", (3,)), ("eigh", (2, 3)), ("eigvalsh", (2, 3))]:
        with pytest.raises(RuntimeError) as g:
            getattr(galton.linalg, name)(galton.ones(*shape))
        with pytest.raises(RuntimeError) as t:
            getattr(torch.linalg, name)(torch.ones(*shape))
        assert str(g.value) == str(t.value)
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        galton.linalg.eigh(galton.eye(3), UPLO="X")


def test_outputs_are_named_tuples():
    q, r = galton.linalg.qr(galton.eye(3))
    assert galton.linalg.qr(galton.eye(3)).R.shape == (3, 3)
    assert galton.linalg.eigh(galton.eye(3)).eigenvectors.shape == (3, 3)
    assert galton.linalg.svd(galton.eye(3)).Vh.shape == (3, 3)
    assert "LinalgSvdBackward0" in repr(
        galton.linalg.svd(galton.eye(3, requires_grad=True)).S.grad_fn)
    assert np.allclose((q @ r).numpy(), np.eye(3))
