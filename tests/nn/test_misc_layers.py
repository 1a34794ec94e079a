"""RReLU, Softmax2d, ChannelShuffle, FeatureAlphaDropout, Container, CrossMapLRN2d,
gumbel_softmax against torch (values where deterministic, statistics where random)."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from tests.oracle import compare, gradcheck


def test_rrelu_eval_and_training():
    compare(lambda t, x: t.nn.functional.rrelu(x, 0.1, 0.3), [(3, 4)])
    compare(lambda t, x: t.nn.RReLU().eval()(x), [(3, 4)])
    galton.manual_seed(0)
    x = galton.tensor(-np.ones(20000, "f4"), requires_grad=True)
    y = gnn.RReLU(0.1, 0.3)(x)
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.005
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    pos = galton.ones(5)
    assert (galton.nn.functional.rrelu(pos, training=True) == 1).all()
    z = galton.tensor([-1.0, 2.0])
    galton.nn.functional.rrelu_(z)
    np.testing.assert_allclose(z.numpy(), [-(1 / 8 + 1 / 3) / 2, 2.0], rtol=1e-6)


def test_softmax2d_and_channel_shuffle():
    compare(lambda t, x: t.nn.Softmax2d()(x), [(2, 3, 4, 5)])
    compare(lambda t, x: t.nn.Softmax2d()(x), [(3, 4, 5)])
    compare(lambda t, x: t.nn.ChannelShuffle(3)(x), [(2, 6, 2, 3)])
    compare(lambda t, x: t.nn.functional.channel_shuffle(x, 2), [(1, 4, 3)], grad=False)
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D"):
        gnn.Softmax2d()(galton.randn(2, 3))
    with pytest.raises(RuntimeError, match="divisible by groups. Got 5 channels and 2 groups"):
        galton.nn.functional.channel_shuffle(galton.randn(1, 5, 2, 2), 2)


def test_feature_alpha_dropout():
    galton.manual_seed(1)
    x = galton.randn(64, 32, 3, 3)
    y = gnn.FeatureAlphaDropout(0.3)(x)
    # whole channels share one draw: each (sample, channel) plane is either a*x or the constant
    kept = (y.numpy() - 0).reshape(64 * 32, 9)
    const = np.ptp(kept, axis=1) < 1e-6
    assert 0.2 < const.mean() < 0.4
    assert gnn.FeatureAlphaDropout(0.3).eval()(x) is x
    tx = torch.tensor(x.numpy())
    ty = torch.nn.FeatureAlphaDropout(0.3)(tx)  # same affine constants as PyTorch
    np.testing.assert_allclose(np.unique(ty.numpy().reshape(-1, 9)[np.ptp(
        ty.numpy().reshape(-1, 9), axis=1) < 1e-6][:, 0]),
        np.unique(kept[const][:, 0]), rtol=1e-5)


def test_container_and_cross_map_lrn():
    with pytest.warns(UserWarning, match="nn.Container is deprecated"):
        c = gnn.Container(fc=gnn.Linear(2, 3))
    assert list(c.state_dict()) == ["fc.weight", "fc.bias"]
    for size in (3, 4, 5):
        compare(lambda t, x: t.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)(x),
                [(2, 7, 2, 3)], grad=False)
    gradcheck(lambda t, x: t.nn.CrossMapLRN2d(5, alpha=0.5, k=1.5)(x), [(1, 7, 2, 2)])


def test_gumbel_softmax():
    galton.manual_seed(0)
    logits = galton.tensor(np.log([[0.6, 0.3, 0.1]] * 4000).astype("f4"), requires_grad=True)
    y = galton.nn.functional.gumbel_softmax(logits, tau=0.5, hard=True)
    counts = y.detach().numpy().sum(0) / 4000
    np.testing.assert_allclose(counts, [0.6, 0.3, 0.1], atol=0.03)  # Gumbel-max sampling
    assert set(np.unique(y.detach().numpy())) == {0.0, 1.0}
    (y * galton.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert np.abs(logits.grad.numpy()).sum() > 0  # straight-through: the soft sample's gradient
    soft = galton.nn.functional.gumbel_softmax(logits, dim=1)
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1, rtol=1e-5)


def test_conv_tbc_bilinear_linear_cross_entropy():
    compare(lambda t, x, w, b: t.conv_tbc(x, w, b, 1) if t is torch else
            t.nn.functional.conv_tbc(x, w, b, 1), [(7, 2, 3), (3, 3, 4), (4,)])
    compare(lambda t, a, b, w, bias: t.nn.functional.bilinear(a, b, w, bias),
            [(4, 3), (4, 2), (5, 3, 2), (5,)])
    tgt = np.array([1, 0, 4])
    compare(lambda t, x, w, b: t.nn.functional.linear_cross_entropy(
        x, w, t.tensor(tgt), linear_bias=b, label_smoothing=0.1), [(3, 6), (5, 6), (5,)])
    tgt2 = np.array([[1, 0], [2, 2], [0, 1]])
    compare(lambda t, x, w: t.nn.functional.linear_cross_entropy(
        x, w, t.tensor(tgt2), reduction="none"), [(3, 6), (3, 2, 6)])


def test_linear_cross_entropy_loss_module():
    tm = torch.nn.LinearCrossEntropyLoss(6, 4, out_features=(2,), bias=True, ignore_index=1)
    gm = gnn.LinearCrossEntropyLoss(6, 4, out_features=(2,), bias=True, ignore_index=1)
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict({k: galton.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 6)).astype("f4")
    y = np.array([[0, 1], [3, 2], [1, 1]])
    np.testing.assert_allclose(gm(galton.tensor(x), galton.tensor(y)).item(),
                               tm(torch.tensor(x), torch.tensor(y)).item(), rtol=1e-5)
    assert gnn.LinearCrossEntropyOptions().acc_policy == "auto"
