"""galton.regularization: L1/L2 penalties, forward and gradient against torch; the L2 penalty
against SGD's weight_decay."""
import numpy as np
import pytest
import torch

import galton
from galton.regularization import l1_penalty, l2_penalty


def _params(lib, seed=0):
    rng = np.random.default_rng(seed)
    return [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,), ()]]


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_penalty_and_gradient_match_torch(name):
    gps, tps = _params(galton), _params(torch)
    g = (l1_penalty if name == "l1" else l2_penalty)(gps)
    t = sum(p.abs().sum() if name == "l1" else (p ** 2).sum() for p in tps)
    g.backward()
    t.backward()
    assert g.shape == () and g.requires_grad
    np.testing.assert_allclose(g.item(), t.item(), rtol=1e-12)
    for a, b in zip(gps, tps):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_accepts_module_tensor_and_generator():
    model = galton.nn.Linear(3, 2)
    total = sum(float((p.detach() ** 2).sum()) for p in model.parameters())
    assert l2_penalty(model).item() == pytest.approx(total, rel=1e-6)
    assert l2_penalty(model.parameters()).item() == pytest.approx(total, rel=1e-6)
    w = galton.tensor([-1.0, 2.0], requires_grad=True)
    assert l1_penalty(w).item() == 3.0


def test_half_l2_penalty_is_sgd_weight_decay():
    wd = 0.1
    a, b = _params(galton), _params(galton)
    opt_a = galton.optim.SGD(a, lr=0.05)
    opt_b = galton.optim.SGD(b, lr=0.05, weight_decay=wd)
    for _ in range(5):
        for ps, opt, pen in ((a, opt_a, wd / 2), (b, opt_b, 0.0)):
            opt.zero_grad()
            loss = sum(((p - 1) ** 2).sum() for p in ps)
            if pen:
                loss = loss + pen * l2_penalty(ps)
            loss.backward()
            opt.step()
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="l2_penalty: got no parameters"):
        l2_penalty([])
    with pytest.raises(TypeError, match="l1_penalty: expected tensors, got float"):
        l1_penalty([1.0])
