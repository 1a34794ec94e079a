"""Normalisation layers and functions against torch.nn: training steps, running statistics,
eval mode, state_dict keys, reprs, errors."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck


def twin(t_module, g_module):
    g_module.load_state_dict({k: galton.tensor(v.numpy()) for k, v in t_module.state_dict().items()})
    return t_module, g_module


def step(tm, gm, shape, seed):
    """One forward/backward of both modules; compares output, input and parameter grads."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2 + 1).astype("f4")
    tx, gx = torch.tensor(x, requires_grad=True), galton.tensor(x, requires_grad=True)
    tout, gout = tm(tx), gm(gx)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    seed_grad = rng.standard_normal(tuple(tout.shape)).astype("f4")
    (tout * torch.tensor(seed_grad)).sum().backward()
    (gout * galton.tensor(seed_grad)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    tp = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-4, atol=1e-4)


def same_state(tm, gm):
    ts, gs = tm.state_dict(), gm.state_dict()
    assert list(gs) == list(ts)
    for k in ts:
        np.testing.assert_allclose(gs[k].numpy(), ts[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


BN = [
    ("BatchNorm2d", (3,), {}, (4, 3, 5, 5)),
    ("BatchNorm2d", (3,), dict(momentum=None), (4, 3, 2, 3)),
    ("BatchNorm2d", (3,), dict(affine=False, eps=1e-3, momentum=0.5), (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), dict(track_running_stats=False), (4, 3, 3, 3)),
    ("BatchNorm1d", (5,), {}, (8, 5)),
    ("BatchNorm1d", (5,), dict(bias=False), (4, 5, 6)),
    ("BatchNorm3d", (2,), {}, (2, 2, 3, 2, 2)),
]


@pytest.mark.parametrize("name, args, kw, shape", BN)
def test_batch_norm_training_then_eval(name, args, kw, shape):
    tm, gm = twin(getattr(torch.nn, name)(*args, **kw), getattr(gnn, name)(*args, **kw))
    assert repr(gm) == repr(tm)
    if tm.affine:  # make the affine parameters non-trivial
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
        twin(tm, gm)
    for s in range(3):
        step(tm, gm, shape, s)
        same_state(tm, gm)  # running_mean, running_var (unbiased), num_batches_tracked
    tm.eval()
    gm.eval()
    step(tm, gm, shape, 7)
    same_state(tm, gm)


def test_batch_norm_state_dict_keys_and_buffers():
    bn = gnn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.num_batches_tracked.dtype == galton.int64
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert list(gnn.BatchNorm2d(4, track_running_stats=False).state_dict()) == ["weight", "bias"]


def test_batch_norm_loads_torch_state_dict():
    tm = torch.nn.BatchNorm2d(3)
    tm(torch.randn(4, 3, 2, 2) * 3 + 2)
    tm.eval()
    gm = twin(tm, gnn.BatchNorm2d(3))[1].eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype("f4")
    np.testing.assert_allclose(gm(galton.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert gm.num_batches_tracked.item() == 1


def test_batch_norm_errors():
    with pytest.raises(RuntimeError, match=r"BatchNorm2d\(3\) got input of shape \(2, 4, 3, 3\).*"
                       r"running_mean should contain 4 elements not 3"):
        gnn.BatchNorm2d(3)(galton.ones(2, 4, 3, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training, "
                       r"got input size galton.Size\(\[1, 3\]\)"):
        gnn.BatchNorm1d(3)(galton.ones(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        gnn.BatchNorm2d(3)(galton.ones(2, 3, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        gnn.BatchNorm1d(3)(galton.ones(2, 3, 3, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        GF.batch_norm(galton.ones(2, 4), galton.zeros(3), galton.ones(3))
    # a batch of one is fine in eval mode
    bn = gnn.BatchNorm1d(3).eval()
    assert bn(galton.ones(1, 3)).shape == (1, 3)


def test_functional_batch_norm_against_torch():
    rm, rv = galton.zeros(3), galton.ones(3)
    trm, trv = torch.zeros(3), torch.ones(3)
    compare(lambda t, x, w, b: GF.batch_norm(x, rm, rv, w, b, True, 0.2) if t is galton
            else torch.nn.functional.batch_norm(x, trm, trv, w, b, True, 0.2),
            [(5, 3, 4), (3,), (3,)])
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-5)


@pytest.mark.parametrize("args, kw, shape", [((5,), {}, (3, 5)), (((4, 5),), {}, (2, 3, 4, 5)),
                                             ((6,), dict(elementwise_affine=False), (2, 6)),
                                             ((6,), dict(bias=False, eps=1e-3), (4, 2, 6))])
def test_layer_norm_module(args, kw, shape):
    tm, gm = twin(torch.nn.LayerNorm(*args, **kw), gnn.LayerNorm(*args, **kw))
    assert repr(gm) == repr(tm)
    if tm.elementwise_affine:
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
        twin(tm, gm)
    step(tm, gm, shape, 0)


@pytest.mark.parametrize("args, kw, shape", [((2, 4), {}, (3, 4, 5, 2)), ((3, 6), dict(affine=False), (2, 6, 4)),
                                             ((1, 3), dict(bias=False), (2, 3, 3, 3))])
def test_group_norm_module(args, kw, shape):
    tm, gm = twin(torch.nn.GroupNorm(*args, **kw), gnn.GroupNorm(*args, **kw))
    assert repr(gm) == repr(tm)
    step(tm, gm, shape, 1)


@pytest.mark.parametrize("name, kw, shape", [("InstanceNorm2d", {}, (2, 3, 4, 5)),
                                             ("InstanceNorm2d", dict(affine=True), (3, 4, 5)),
                                             ("InstanceNorm2d", dict(track_running_stats=True), (2, 3, 4, 4)),
                                             ("InstanceNorm1d", dict(affine=True), (2, 3, 7))])
def test_instance_norm_module(name, kw, shape):
    tm, gm = twin(getattr(torch.nn, name)(3, **kw), getattr(gnn, name)(3, **kw))
    assert repr(gm) == repr(tm)
    step(tm, gm, shape, 2)
    same_state(tm, gm)
    tm.eval()
    gm.eval()
    step(tm, gm, shape, 3)


def test_local_response_norm_module():
    tm, gm = torch.nn.LocalResponseNorm(3, alpha=0.1), gnn.LocalResponseNorm(3, alpha=0.1)
    assert repr(gm) == repr(tm)
    step(tm, gm, (2, 5, 3, 3), 0)
    step(tm, gm, (2, 4, 6), 1)


def test_normalize():
    compare(lambda t, x: t.nn.functional.normalize(x), [(4, 5)])
    compare(lambda t, x: t.nn.functional.normalize(x, p=1.0, dim=-1), [(3, 4, 5)])
    compare(lambda t, x: t.nn.functional.normalize(x, dim=0), [(4, 5)],
            inputs=[np.zeros((4, 5), np.float32)])  # eps keeps a zero vector at zero


def test_gradchecks():
    gradcheck(lambda t, x, w, b: GF.layer_norm(x, (3,), w, b), [(2, 3), (3,), (3,)])
    gradcheck(lambda t, x: GF.instance_norm(x), [(2, 2, 3)])
    gradcheck(lambda t, x: GF.local_response_norm(x, 2, 0.5), [(1, 3, 2)])


def test_other_errors():
    with pytest.raises(ValueError, match=r"num_channels \(3\) must be divisible by num_groups \(2\)"):
        gnn.GroupNorm(2, 3)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\]"):
        gnn.LayerNorm(5)(galton.ones(2, 3))
    with pytest.raises(ValueError, match=r"Expected more than 1 spatial element when training"):
        gnn.InstanceNorm1d(3)(galton.ones(2, 3, 1))
