"""galton.utils.checkpoint: the same outputs and gradients as a plain call and as PyTorch's
checkpoint, dropout included (the random state is replayed for the recomputation)."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint  # noqa: F401

import galton


def _grads(lib, mode):
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((8, 4)).astype(np.float32)
    w2 = rng.standard_normal((3, 8)).astype(np.float32)
    x = lib.tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    net = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Dropout(0.5),
                            lib.nn.Linear(8, 3))
    with lib.no_grad():
        net[0].weight.copy_(lib.tensor(w1))
        net[3].weight.copy_(lib.tensor(w2))
        net[0].bias.zero_()
        net[3].bias.zero_()
    lib.manual_seed(2)
    y = net(x) if mode == "plain" else lib.utils.checkpoint.checkpoint(net, x, use_reentrant=mode)
    (y ** 2).sum().backward()
    return y.detach().numpy(), x.grad.numpy(), net[0].weight.grad.numpy(), net[3].bias.grad.numpy()


@pytest.mark.parametrize("mode", [True, False])
def test_checkpoint_gradients_equal_a_plain_call(mode):
    plain, ckpt = _grads(galton, "plain"), _grads(galton, mode)
    for a, b in zip(plain, ckpt):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_checkpoint_matches_pytorch_without_dropout_randomness():
    def run(lib):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        with lib.no_grad():
            for p in net.parameters():
                p.copy_(lib.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape)),
                                   dtype=lib.float32))
        x = lib.tensor(np.linspace(-2, 2, 12).reshape(3, 4), dtype=lib.float32,
                       requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(net, x, use_reentrant=True)
        y.pow(2).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), net[0].weight.grad.numpy()
    for a, b in zip(run(galton), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_checkpoint_sequential_and_warnings():
    for lib in (galton, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(*[lib.nn.Linear(4, 4) for _ in range(4)])
        x = lib.ones(2, 4, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint_sequential(net, 2, x, use_reentrant=True)
        y.sum().backward()
        assert all(p.grad is not None for p in net.parameters())
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
            lib.utils.checkpoint.checkpoint(net, x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
                lib.utils.checkpoint.checkpoint(net, x, use_reentrant=True, foo=1)
