"""nn.RMSNorm, nn.PixelShuffle / PixelUnshuffle and nn.DataParallel against PyTorch."""
import numpy as np
import pytest
import torch

import galton


def _run(lib, make, a, gout):
    m = make(lib)
    x = lib.tensor(a, requires_grad=True)
    y = m(x)
    (y * lib.tensor(gout)).sum().backward()
    grads = {n: p.grad.numpy() for n, p in m.named_parameters()}
    return m, y.detach().numpy(), x.grad.numpy(), grads


RMS = [
    (lambda t: t.nn.RMSNorm(8), (2, 3, 8)),
    (lambda t: t.nn.RMSNorm([3, 8], eps=1e-3), (2, 3, 8)),
    (lambda t: t.nn.RMSNorm(8, elementwise_affine=False), (4, 8)),
    (lambda t: t.nn.PixelShuffle(2), (1, 8, 2, 3)),
    (lambda t: t.nn.PixelShuffle(3), (2, 3, 9, 2, 2)),
    (lambda t: t.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
]


@pytest.mark.parametrize("i", range(len(RMS)))
def test_layers_match_pytorch(i):
    make, shape = RMS[i]
    rng = np.random.default_rng(i)
    a = rng.standard_normal(shape).astype(np.float32)
    gm, gy, gx, gg = _run(galton, make, a, rng.standard_normal(_out_shape(make, a)).astype(np.float32))
    rng = np.random.default_rng(i)
    a = rng.standard_normal(shape).astype(np.float32)
    tm, ty, tx, tg = _run(torch, make, a, rng.standard_normal(_out_shape(make, a)).astype(np.float32))
    assert repr(gm) == repr(tm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    np.testing.assert_allclose(gy, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx, tx, rtol=1e-4, atol=1e-5)
    assert gg.keys() == tg.keys()
    for k in gg:
        np.testing.assert_allclose(gg[k], tg[k], rtol=1e-4, atol=1e-5)


def _out_shape(make, a):
    return tuple(make(torch)(torch.tensor(a)).shape)


def test_rms_norm_gradcheck():
    rng = np.random.default_rng(0)
    x = galton.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    w = galton.tensor(rng.standard_normal(5), requires_grad=True)
    assert galton.autograd.gradcheck(
        lambda a, b: galton.nn.functional.rms_norm(a, (5,), b, eps=1e-6), (x, w))


ERRORS = [
    lambda t: t.nn.functional.pixel_shuffle(t.ones(2, 3), 2),
    lambda t: t.nn.functional.pixel_shuffle(t.ones(1, 5, 2, 2), 2),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(1, 1, 5, 4), 2),
    lambda t: t.nn.functional.pixel_unshuffle(t.ones(1, 1, 4, 5), 2),
    lambda t: t.nn.functional.rms_norm(t.ones(2, 3), (3,), t.ones(4)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_pytorch(i):
    msgs = []
    for lib in (galton, torch):
        with pytest.raises(RuntimeError) as e:
            ERRORS[i](lib)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_data_parallel_is_a_pass_through_with_pytorch_surface():
    import galton.nn.parallel  # noqa: F401  (the import form programs use)
    out = []
    for lib in (galton, torch):
        lib.manual_seed(0)
        inner = lib.nn.Linear(2, 3)
        with lib.no_grad():
            inner.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
            inner.bias.fill_(0.5)
        m = lib.nn.DataParallel(inner)
        assert m.module is inner and isinstance(m, lib.nn.Module)
        y = m(lib.ones(4, 2))
        y.sum().backward()
        out.append((repr(m), list(m.state_dict()), m.device_ids, y.detach().numpy(),
                    inner.weight.grad.numpy(), lib.nn.parallel.DataParallel is lib.nn.DataParallel))
    g, t = out
    assert g[0] == t[0] and g[1] == t[1] == ["module.weight", "module.bias"]
    if not galton.cuda.is_available():
        assert g[2] == t[2] == []
    np.testing.assert_allclose(g[3], t[3])
    np.testing.assert_allclose(g[4], t[4])
    assert g[5] and t[5]
    y = galton.nn.parallel.data_parallel(galton.nn.Identity(), galton.ones(2))
    assert y.tolist() == [1.0, 1.0]
