"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector against torch.nn.utils."""
import math

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn


def twin_params(shapes=((3, 4), (4,), (2, 2, 2)), seed=0, scale=1.0, dtype=np.float32):
    """The same parameters with the same .grad in torch and galton."""
    rng = np.random.default_rng(seed)
    tp, gp = [], []
    for s in shapes:
        w = rng.standard_normal(s).astype(dtype)
        g = (scale * rng.standard_normal(s)).astype(dtype)
        t = torch.nn.Parameter(torch.tensor(w))
        t.grad = torch.tensor(g)
        p = gnn.Parameter(galton.tensor(w))
        p.grad = galton.tensor(g)
        tp.append(t)
        gp.append(p)
    return tp, gp


def assert_grads_equal(tp, gp, rtol=1e-6):
    for t, g in zip(tp, gp):
        if t.grad is None:
            assert g.grad is None
            continue
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=1e-7)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, math.inf, "inf", -math.inf, 0])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    tp, gp = twin_params()
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    gn_ = gnn.utils.clip_grad_norm_(gp, max_norm, norm_type=norm_type)
    assert isinstance(gn_, galton.Tensor) and gn_.shape == () and gn_.dtype == galton.float32
    np.testing.assert_allclose(gn_.item(), tn.item(), rtol=1e-5)
    assert_grads_equal(tp, gp, rtol=1e-5)


def test_clip_grad_norm_keeps_grad_arrays_and_returns_norm_before_clipping():
    _, gp = twin_params(scale=10)
    arrays = [p.grad._data for p in gp]
    total = gnn.utils.clip_grad_norm_(gp, max_norm=1.0)
    assert total.item() > 1.0
    assert all(p.grad._data is a for p, a in zip(gp, arrays))  # clipped in place
    after = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in gp))
    assert abs(after - 1.0) < 1e-4


def test_clip_grad_norm_single_tensor_generator_and_missing_grads():
    tp, gp = twin_params()
    tp[1].grad = None
    gp[1].grad = None
    tn = torch.nn.utils.clip_grad_norm_((p for p in tp), 0.5)
    gn_ = gnn.utils.clip_grad_norm_((p for p in gp), 0.5)  # a generator is read once, as in torch
    np.testing.assert_allclose(gn_.item(), tn.item(), rtol=1e-6)
    tn = torch.nn.utils.clip_grad_norm_(tp[0], 0.1)
    gn_ = gnn.utils.clip_grad_norm_(gp[0], 0.1)
    np.testing.assert_allclose(gn_.item(), tn.item(), rtol=1e-6)
    assert_grads_equal(tp, gp)
    assert gp[1].grad is None


def test_clip_grad_norm_without_grads_returns_zero():
    p = gnn.Parameter(galton.ones(3))
    total = gnn.utils.clip_grad_norm_([p], 1.0)
    assert total.item() == torch.nn.utils.clip_grad_norm_([torch.nn.Parameter(torch.ones(3))],
                                                          1.0).item() == 0.0
    assert p.grad is None


def test_clip_grad_norm_float64():
    tp, gp = twin_params(dtype=np.float64)
    tn = torch.nn.utils.clip_grad_norm_(tp, 0.3)
    gn_ = gnn.utils.clip_grad_norm_(gp, 0.3)
    assert gn_.dtype == galton.float64
    np.testing.assert_allclose(gn_.item(), tn.item(), rtol=1e-12)
    assert_grads_equal(tp, gp, rtol=1e-12)


def test_clip_grad_norm_nonfinite():
    tp, gp = twin_params()
    tp[0].grad[0, 0] = float("nan")
    gp[0].grad._data[0, 0] = np.nan
    with pytest.raises(RuntimeError, match="non-finite"):
        gnn.utils.clip_grad_norm_(gp, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.nn.utils.clip_grad_norm_(tp, 1.0, error_if_nonfinite=True)
    tn = torch.nn.utils.clip_grad_norm_(tp, 1.0)
    gn_ = gnn.utils.clip_grad_norm_(gp, 1.0)
    assert math.isnan(tn.item()) and math.isnan(gn_.item())
    for t, g in zip(tp, gp):  # the nan spreads into every gradient, as in torch
        np.testing.assert_array_equal(np.isnan(g.grad.numpy()), np.isnan(t.grad.numpy()))


def test_clip_grad_norm_after_backward_on_a_model():
    m = gnn.Linear(5, 3)
    (m(galton.randn(4, 5)) ** 2).sum().backward()
    before = [p.grad.numpy().copy() for p in m.parameters()]
    total = gnn.utils.clip_grad_norm_(m.parameters(), max_norm=0.1)
    expect = math.sqrt(sum(float((b.astype(np.float64) ** 2).sum()) for b in before))
    np.testing.assert_allclose(total.item(), expect, rtol=1e-5)
    coef = min(0.1 / (expect + 1e-6), 1.0)
    for p, b in zip(m.parameters(), before):
        np.testing.assert_allclose(p.grad.numpy(), b * coef, rtol=1e-5)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    tp, gp = twin_params()
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], norm_type=3)
    gn_ = gnn.utils.get_total_norm([p.grad for p in gp], norm_type=3)
    np.testing.assert_allclose(gn_.item(), tn.item(), rtol=1e-6)
    torch.nn.utils.clip_grads_with_norm_(tp, 0.2, tn)
    gnn.utils.clip_grads_with_norm_(gp, 0.2, gn_)
    assert_grads_equal(tp, gp)


def test_deprecated_clip_grad_norm_warns():
    _, gp = twin_params()
    with pytest.warns(FutureWarning):
        gnn.utils.clip_grad_norm(gp, 1.0)


@pytest.mark.parametrize("clip_value", [0.1, 1, 5.0])
def test_clip_grad_value_matches_torch(clip_value):
    tp, gp = twin_params(scale=2)
    arrays = [p.grad._data for p in gp]
    assert torch.nn.utils.clip_grad_value_(tp, clip_value) is None
    assert gnn.utils.clip_grad_value_(gp, clip_value) is None
    assert_grads_equal(tp, gp)
    assert all(p.grad._data is a for p, a in zip(gp, arrays))


def test_clip_grad_value_single_tensor_and_missing_grad():
    p, q = gnn.Parameter(galton.zeros(3)), gnn.Parameter(galton.zeros(2))
    p.grad = galton.tensor([-3.0, 0.5, 2.0])
    gnn.utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.5, 1.0])
    gnn.utils.clip_grad_value_([q], 1.0)
    assert q.grad is None


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    tm, gm = torch.nn.Linear(3, 2), gnn.Linear(3, 2)
    gm.load_state_dict({k: galton.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    gv = gnn.utils.parameters_to_vector(gm.parameters())
    assert gv.shape == (8,)
    np.testing.assert_array_equal(gv.detach().numpy(), tv.detach().numpy())
    seed = np.arange(8, dtype=np.float32)
    (tv * torch.tensor(seed)).sum().backward()
    (gv * galton.tensor(seed)).sum().backward()
    for tp, gp in zip(tm.parameters(), gm.parameters()):
        np.testing.assert_array_equal(gp.grad.numpy(), tp.grad.numpy())


def test_vector_to_parameters_matches_torch():
    tm, gm = torch.nn.Linear(3, 2), gnn.Linear(3, 2)
    vec = np.arange(8, dtype=np.float32)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), tm.parameters())
    gvec = galton.tensor(vec)
    gnn.utils.vector_to_parameters(gvec, gm.parameters())
    for tp, gp in zip(tm.parameters(), gm.parameters()):
        assert tuple(gp.shape) == tuple(tp.shape)
        np.testing.assert_array_equal(gp.detach().numpy(), tp.detach().numpy())
    gvec._data[0] = 100  # like torch, the parameters are views of the vector
    assert gm.weight.detach().numpy()[0, 0] == 100
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        gnn.utils.vector_to_parameters(vec, gm.parameters())
    with pytest.raises(RuntimeError, match="too few"):
        gnn.utils.vector_to_parameters(galton.zeros(5), gm.parameters())
