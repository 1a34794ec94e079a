"""Empty batches through layers and losses, forward and backward, against PyTorch 2.13: an
empty batch gives an empty result, zero parameter gradients, untouched running statistics,
and PyTorch's error where PyTorch refuses (issue 14)."""
import numpy as np
import pytest
import torch

import galton

LAYERS = {
    "BatchNorm1d eval": (lambda m: m.nn.BatchNorm1d(3).eval(), (0, 3)),
    "BatchNorm1d train": (lambda m: m.nn.BatchNorm1d(3), (0, 3)),
    "BatchNorm1d train (N, C, 0)": (lambda m: m.nn.BatchNorm1d(3), (2, 3, 0)),
    "BatchNorm1d train 3d": (lambda m: m.nn.BatchNorm1d(3), (0, 3, 5)),
    "BatchNorm2d train": (lambda m: m.nn.BatchNorm2d(3), (0, 3, 4, 4)),
    "BatchNorm2d eval": (lambda m: m.nn.BatchNorm2d(3).eval(), (0, 3, 4, 4)),
    "MaxPool2d": (lambda m: m.nn.MaxPool2d(2), (0, 3, 4, 4)),
    "MaxPool2d 3/2": (lambda m: m.nn.MaxPool2d(3, 2, 1), (0, 3, 5, 5)),
    "MaxPool1d": (lambda m: m.nn.MaxPool1d(2), (0, 3, 4)),
    "AvgPool2d": (lambda m: m.nn.AvgPool2d(2), (0, 3, 4, 4)),
    "AvgPool2d 3/2/1": (lambda m: m.nn.AvgPool2d(3, 2, 1), (0, 3, 5, 5)),
    "AvgPool1d": (lambda m: m.nn.AvgPool1d(2), (0, 3, 4)),
    "AdaptiveAvgPool2d": (lambda m: m.nn.AdaptiveAvgPool2d(1), (0, 3, 4, 4)),
    "AdaptiveAvgPool2d 3": (lambda m: m.nn.AdaptiveAvgPool2d(3), (0, 3, 5, 5)),
    "AdaptiveMaxPool2d": (lambda m: m.nn.AdaptiveMaxPool2d(2), (0, 3, 4, 4)),
    "Conv2d": (lambda m: m.nn.Conv2d(3, 4, 3), (0, 3, 8, 8)),
    "Conv2d padded strided": (lambda m: m.nn.Conv2d(3, 4, 3, padding=1, stride=2), (0, 3, 8, 8)),
    "Conv1d": (lambda m: m.nn.Conv1d(3, 4, 3), (0, 3, 8)),
    "ConvTranspose2d": (lambda m: m.nn.ConvTranspose2d(3, 2, 3), (0, 3, 4, 4)),
    "Linear": (lambda m: m.nn.Linear(3, 4), (0, 3)),
    "Linear 3d": (lambda m: m.nn.Linear(3, 4), (2, 0, 3)),
    "LayerNorm": (lambda m: m.nn.LayerNorm(3), (0, 3)),
    "GroupNorm": (lambda m: m.nn.GroupNorm(2, 4), (0, 4, 2)),
    "InstanceNorm2d": (lambda m: m.nn.InstanceNorm2d(3), (0, 3, 4, 4)),
    "ReLU": (lambda m: m.nn.ReLU(), (0, 3)),
    "Softmax": (lambda m: m.nn.Softmax(1), (0, 3)),
    "LogSoftmax": (lambda m: m.nn.LogSoftmax(1), (0, 3)),
    "Flatten": (lambda m: m.nn.Flatten(), (0, 3, 2)),
    "seed-000 Net": (lambda m: m.nn.Sequential(
        m.nn.Conv2d(1, 32, 3), m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Conv2d(32, 64, 3),
        m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Flatten(), m.nn.Linear(1600, 128), m.nn.ReLU(),
        m.nn.Linear(128, 10)), (0, 1, 28, 28)),
}


def _run(mod, make, shape):
    layer = make(mod)
    x = mod.zeros(*shape, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    grads = {n: p.grad for n, p in layer.named_parameters()}
    return y, x.grad, grads, dict(layer.named_buffers())


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_empty_batch_forward_backward_like_torch(name):
    make, shape = LAYERS[name]
    gy, gx, gg, gb = _run(galton, make, shape)
    ty, tx, tg, tb = _run(torch, make, shape)
    assert tuple(gy.shape) == tuple(ty.shape) and gy.numel() == 0
    assert str(gy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    assert tuple(gx.shape) == tuple(tx.shape) == shape
    assert gg.keys() == tg.keys()
    for key, t in tg.items():  # PyTorch: zero gradients, not None
        assert gg[key] is not None, key
        np.testing.assert_array_equal(gg[key].numpy(), t.numpy(), err_msg=key)
    assert gb.keys() == tb.keys()
    for key, t in tb.items():  # running statistics untouched, the batch counted
        np.testing.assert_array_equal(gb[key].numpy(), t.numpy(), err_msg=key)


def test_adaptive_avg_pool_of_no_channels_like_torch():
    # PyTorch accepts this forward (only spatial dims must be non-empty); its backward refuses
    for mod in (galton, torch):
        assert tuple(mod.nn.AdaptiveAvgPool2d(2)(mod.zeros(3, 0, 4, 4)).shape) == (3, 0, 2, 2)


REFUSED = {
    "BatchNorm1d train one value": (lambda m: m.nn.BatchNorm1d(3), (1, 3)),
    "BatchNorm2d train one value": (lambda m: m.nn.BatchNorm2d(3), (1, 3, 1, 1)),
    "MaxPool2d empty channels": (lambda m: m.nn.MaxPool2d(2), (3, 0, 4, 4)),
    "MaxPool2d empty height": (lambda m: m.nn.MaxPool2d(2), (2, 3, 0, 4)),
    "MaxPool2d unbatched empty": (lambda m: m.nn.MaxPool2d(2), (0, 4, 4)),
    "AvgPool2d empty channels": (lambda m: m.nn.AvgPool2d(2), (3, 0, 4, 4)),
    "AdaptiveAvgPool2d empty height": (lambda m: m.nn.AdaptiveAvgPool2d(2), (2, 3, 0, 4)),
    "AdaptiveMaxPool2d empty channels": (lambda m: m.nn.AdaptiveMaxPool2d(2), (3, 0, 4, 4)),
    "MaxPool1d empty channels": (lambda m: m.nn.MaxPool1d(2), (3, 0, 4)),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_empty_non_batch_dims_refused_like_torch(name):
    make, shape = REFUSED[name]
    with pytest.raises(Exception) as t:
        make(torch)(torch.zeros(*shape))
    with pytest.raises(type(t.value)) as g:
        make(galton)(galton.zeros(*shape))
    assert str(g.value).replace("galton", "torch") == str(t.value)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_empty_batch_like_torch(reduction):
    out = {}
    for mod in (galton, torch):
        x = mod.zeros(0, 5, requires_grad=True)
        loss = mod.nn.CrossEntropyLoss(reduction=reduction)(x, mod.zeros(0, dtype=mod.long))
        loss.sum().backward()
        out[mod.__name__] = (tuple(loss.shape), loss.detach().numpy().tolist(), tuple(x.grad.shape))
    np.testing.assert_equal(out["galton"], out["torch"])
