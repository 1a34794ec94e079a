"""galton's device path on a NumPy-backed stand-in for CuPy (tests/fake_cupy.py).

No GPU here: the stand-in takes CuPy's place in galton.backend, and each case below runs an op
forward and backward on ``device='cuda'`` tensors. It fails where a real cupy.ndarray would: a
host array mixed with a device array, np.asarray on a device array, or a result or gradient that
silently came back as a host array. The numbers are checked against the same code on the CPU.

With ``GALTON_TEST_DEVICE=cuda`` (benchmarks/gpu_check.sh on a GPU machine) the same cases run
on real CuPy instead of the stand-in, and the known failures are not expected there (CuPy may
take what the stand-in refuses; the stand-in's list is for the CPU).

Cases listed in ``KNOWN`` fail today for the reason given there; they run as strict xfails, so
one that starts passing must leave the list.
"""
import os

import numpy as np
import pytest

import galton
import galton.nn as nn
import galton.nn.functional as F

from tests import fake_cupy


def _leaf(shape, seed, device, positive=False):
    r = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    if positive:
        r = np.abs(r) + 0.5
    return galton.tensor(r, device=device, requires_grad=True)


def _labels(n, k, device):
    return galton.tensor(np.arange(n) % k, device=device)


# name -> (input shapes, fn(*tensors, device) -> a tensor)
CASES = {
    "add_mul_broadcast": ([(3, 4), (4,)], lambda a, b, d: (a + b) * b - a / (b * b + 1)),
    "exp_log_sqrt": ([(3, 4)], lambda a, d: (a.exp() + a.abs().add(1).log() + (a * a).sqrt())),
    "tanh_sigmoid": ([(3, 4)], lambda a, d: a.tanh() * a.sigmoid()),
    "relu_gelu_leaky": ([(3, 4)], lambda a, d: F.relu(a) + F.gelu(a) + F.leaky_relu(a, 0.1)),
    "softmax_logsoftmax": ([(3, 5)], lambda a, d: F.softmax(a, 1) * F.log_softmax(a, 1)),
    "pow_clamp_where": ([(3, 4)], lambda a, d: galton.where(a > 0, a ** 2, a.clamp(-0.5, 0.5))),
    "sum_mean": ([(3, 4)], lambda a, d: a.sum(0) + a.mean(0)),
    "max_min_dim": ([(3, 4)], lambda a, d: a.max(1).values + a.min(1).values),
    "var_std": ([(3, 4)], lambda a, d: a.var(1) + a.std(0).sum()),
    "logsumexp": ([(3, 4)], lambda a, d: a.logsumexp(1)),
    "matmul": ([(3, 4), (4, 5)], lambda a, b, d: a @ b),
    "bmm": ([(2, 3, 4), (2, 4, 5)], lambda a, b, d: galton.bmm(a, b)),
    "linear": ([(3, 4), (5, 4), (5,)], lambda x, w, b, d: F.linear(x, w, b)),
    "view_transpose_cat": ([(3, 4), (3, 4)],
                           lambda a, b, d: galton.cat([a.t(), b.t()], 0).reshape(2, -1)),
    "index_stack": ([(4, 3)], lambda a, d: galton.stack([a[1:3], a[[0, 2]]]).flatten()),
    "conv2d": ([(2, 3, 6, 6), (4, 3, 3, 3), (4,)],
               lambda x, w, b, d: F.conv2d(x, w, b, padding=1)),
    "conv2d_stride": ([(2, 3, 7, 7), (4, 3, 3, 3)], lambda x, w, d: F.conv2d(x, w, stride=2)),
    "max_pool2d": ([(2, 3, 6, 6)], lambda x, d: F.max_pool2d(x, 2)),
    "avg_pool2d": ([(2, 3, 6, 6)], lambda x, d: F.avg_pool2d(x, 2)),
    "adaptive_avg_pool2d": ([(2, 3, 6, 6)], lambda x, d: F.adaptive_avg_pool2d(x, 1)),
    "batch_norm": ([(4, 3, 5, 5), (3,), (3,)],
                   lambda x, w, b, d: F.batch_norm(x, None, None, w, b, training=True)),
    "layer_norm": ([(4, 6), (6,), (6,)], lambda x, w, b, d: F.layer_norm(x, (6,), w, b)),
    "dropout_eval": ([(3, 4)], lambda a, d: F.dropout(a, 0.5, training=False)),
    "mse_l1": ([(3, 4), (3, 4)], lambda a, b, d: F.mse_loss(a, b.detach()) + F.l1_loss(a, b)),
    "cross_entropy": ([(6, 5)], lambda a, d: F.cross_entropy(a, _labels(6, 5, d))),
    "nll_loss": ([(6, 5)], lambda a, d: F.nll_loss(F.log_softmax(a, 1), _labels(6, 5, d))),
    "bce_with_logits": ([(3, 4), (3, 4)],
                        lambda a, b, d: F.binary_cross_entropy_with_logits(a, b.detach().sigmoid())),
    "bce": ([(3, 4), (3, 4)], lambda a, b, d: F.binary_cross_entropy(a.sigmoid(),
                                                                      b.detach().sigmoid())),
}

# name -> why it fails on a device today (strict xfail: remove the entry once it passes)
KNOWN = {
    "relu_gelu_leaky": "gelu's erf is galton's own float64 NumPy routine (ops/_erf.py, "
                       "np.asarray(a, float64)); on CuPy it needs cupyx.scipy.special.erf",
    "index_stack": "a[[0, 2]]'s backward scatters with add.at using the host index array "
                   "galton built from the list; the index must be moved to the device first",
}


def _run(name, device):
    shapes, fn = CASES[name]
    leaves = [_leaf(s, i, device) for i, s in enumerate(shapes)]
    out = fn(*leaves, device)
    out.sum().backward() if out.numel() > 1 else out.backward()
    return out, leaves


REAL_GPU = os.environ.get("GALTON_TEST_DEVICE", "cpu") == "cuda"
_DEVICE_ARRAY = [fake_cupy.DeviceArray]


def _assert_on_device(arr, what):
    assert isinstance(arr, _DEVICE_ARRAY[0]), f"{what} left the device: {type(arr)}"


@pytest.fixture
def fake_gpu(monkeypatch):
    if REAL_GPU:  # the real thing: CuPy must be there (gpu_check.sh installs it)
        from galton import backend
        cupy = backend.cupy_module()
        monkeypatch.setitem(_DEVICE_ARRAY, 0, cupy.ndarray)
        fake_cupy.violations.clear()
        return cupy
    return fake_cupy.install(monkeypatch)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(
    strict=True, raises=(fake_cupy.DeviceError, AssertionError), reason=KNOWN[n]))
    if n in KNOWN and not REAL_GPU else n for n in CASES])
def test_op_on_device(name, fake_gpu):
    want, want_leaves = _run(name, "cpu")
    got, got_leaves = _run(name, "cuda")
    assert got.device.type == "cuda"
    _assert_on_device(got._data, "the output")
    np.testing.assert_allclose(got._data.get(), want._data, rtol=1e-5, atol=1e-6)
    for i, (g, w) in enumerate(zip(got_leaves, want_leaves)):
        if w.grad is None:  # an input the case detaches
            assert g.grad is None
            continue
        _assert_on_device(g.grad._data, f"the gradient of input {i}")
        np.testing.assert_allclose(g.grad._data.get(), w.grad._data, rtol=1e-4, atol=1e-5)
    assert fake_cupy.violations == []


def _cnn_step(device, opt_name):
    galton.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 5)).to(device)
    opt = (galton.optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if opt_name == "sgd"
           else galton.optim.Adam(model.parameters(), lr=0.01))
    x = galton.tensor(np.random.default_rng(1).standard_normal((6, 1, 8, 8)).astype(np.float32),
                      device=device)
    y = _labels(6, 5, device)
    for _ in range(2):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return loss, list(model.parameters())


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_cnn_training_step_on_device(opt_name, fake_gpu):
    want, want_params = _cnn_step("cpu", opt_name)
    got, got_params = _cnn_step("cuda", opt_name)
    _assert_on_device(got._data, "the loss")
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-5)
    for g, w in zip(got_params, want_params):
        _assert_on_device(g._data, "a parameter")
        np.testing.assert_allclose(g._data.get(), w._data, rtol=1e-4, atol=1e-5)
    assert fake_cupy.violations == []


@pytest.mark.skipif(REAL_GPU, reason="checks the stand-in itself")
def test_stand_in_refuses_what_cupy_refuses(fake_gpu):
    # the checks themselves: a host array mixed in, np.asarray on a device array
    a = galton.ones(3, device="cuda")._data
    with pytest.raises(fake_cupy.DeviceError):
        a + np.ones(3)
    with pytest.raises(fake_cupy.DeviceError):
        np.asarray(a)
    assert isinstance(np.exp(a), fake_cupy.DeviceArray) and "exp" in fake_cupy.dispatched
    assert isinstance(a.sum(), fake_cupy.DeviceArray)  # 0-d, as CuPy
    assert isinstance(galton.ones(3, device="cuda").cpu()._data, np.ndarray)
