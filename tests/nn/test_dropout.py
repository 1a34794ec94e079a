"""Dropout layers and functions: statistics, masks, gradients, eval mode and PyTorch's errors."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as nn
import galton.nn.functional as F


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scale(p):
    x = galton.ones(200, 100)
    y = F.dropout(x, p).numpy()
    zero = (y == 0).mean()
    assert abs(zero - p) < 0.02
    np.testing.assert_allclose(np.unique(y[y != 0]), [1 / (1 - p)], rtol=1e-6)
    assert y.dtype == np.float32


def test_dropout_gradient_is_the_mask():
    x = galton.randn(30, 20, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.6, rtol=1e-6)
    assert y.grad_fn is not None


def test_dropout_gradcheck_with_fixed_mask():
    x = galton.randn(4, 5, dtype=galton.float64, requires_grad=True)

    def f(a):
        galton.manual_seed(3)  # the same mask on every evaluation
        return F.dropout(a, 0.5)
    assert galton.autograd.gradcheck(f, [x])


def test_dropout_edge_probabilities():
    x = galton.randn(5, requires_grad=True)
    assert F.dropout(x, 0.0) is x
    y = F.dropout(x, 1.0)
    np.testing.assert_array_equal(y.detach().numpy(), np.zeros(5))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(5))
    assert F.dropout(x, 0.5, training=False) is x


@pytest.mark.parametrize("fn", [F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout])
def test_bad_probability(fn):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got "
                                         "1.5"):
        fn(galton.ones(2, 3, 4, 4), 1.5, True)
    with pytest.raises(ValueError, match="but got -0.1"):
        nn.Dropout(-0.1)


def test_seeded_masks_repeat():
    galton.manual_seed(7)
    a = F.dropout(galton.ones(50)).numpy()
    galton.manual_seed(7)
    b = F.dropout(galton.ones(50)).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls,shape,lead", [("Dropout1d", (4, 6, 5), 2), ("Dropout1d", (6, 5), 1),
                                            ("Dropout2d", (4, 6, 3, 3), 2),
                                            ("Dropout2d", (4, 6, 3), 2),
                                            ("Dropout3d", (3, 4, 2, 2, 2), 2),
                                            ("Dropout3d", (4, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels(cls, shape, lead):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Dropout2d warns about 3-D inputs, as in PyTorch
        y = getattr(nn, cls)(0.5)(galton.ones(*shape)).numpy()
    per_channel = y.reshape(int(np.prod(shape[:lead])), -1)
    for row in per_channel:
        assert (row == 0).all() or np.allclose(row, 2.0)
    assert 0 < (per_channel[:, 0] == 0).sum() < per_channel.shape[0]


def test_dropout2d_warns_on_3d_like_torch():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(galton.ones(2, 3, 4))


def test_dropout1d_rejects_4d():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D "
                                           "input"):
        F.dropout1d(galton.ones(2, 3, 4, 4))


def test_channel_dropout_gradient():
    x = galton.randn(3, 4, 5, 5, requires_grad=True)
    y = F.dropout2d(x, 0.25)
    (y * 2).sum().backward()
    mask = (y.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy(), mask * 2 / 0.75, rtol=1e-6)


@pytest.mark.parametrize("cls", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"])
def test_eval_mode_is_identity_and_repr(cls):
    m = getattr(nn, cls)(0.3)
    m.eval()
    x = galton.randn(2, 3, 4) if cls == "Dropout1d" else galton.randn(2, 3, 4, 4)
    assert m(x) is x
    assert repr(m) == repr(getattr(torch.nn, cls)(0.3))
    assert repr(getattr(nn, cls)(0.2, inplace=True)) == repr(getattr(torch.nn, cls)(0.2, True))


def test_inplace_dropout():
    x = galton.ones(100)
    assert F.dropout(x, 0.5, inplace=True) is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
    leaf = galton.randn(10, requires_grad=True)
    h = leaf * 1.0
    out = nn.Dropout(0.5, inplace=True)(h)
    assert out is h
    out.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), (out.detach().numpy() != 0) * 2.0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.dropout(leaf, 0.5, inplace=True)


def test_alpha_dropout_keeps_mean_and_variance():
    x = galton.randn(400, 250)
    assert F.alpha_dropout(x, 0.2) is x  # training=False by default, as in PyTorch
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    # dropped units all take the same value: a * (-alpha') + b
    values, counts = np.unique(y, return_counts=True)
    assert abs(counts.max() / y.size - 0.2) < 0.01


def test_alpha_dropout_gradient():
    x = galton.randn(50, requires_grad=True)
    y = F.alpha_dropout(x, 0.3, training=True)
    y.sum().backward()
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.3 + 1) * 0.7)
    g = x.grad.numpy()
    assert np.all(np.isclose(g, 0) | np.isclose(g, a, rtol=1e-6))
    dropped = g == 0
    assert np.allclose(y.detach().numpy()[dropped], y.detach().numpy()[dropped][0])


def test_dropout_module_training_flag():
    m = nn.Dropout(0.5)
    x = galton.ones(1000)
    assert (m(x).numpy() == 0).any()
    m.train(False)
    assert m(x) is x
