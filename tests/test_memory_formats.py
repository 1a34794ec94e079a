"""Memory formats (galton/memory_formats.py): strides and contiguity after each conversion
equal PyTorch's, values never change, and layers run on channels-last tensors as on NCHW."""
import numpy as np
import pytest
import torch

import galton

SHAPES = [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 4, 1)]


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return galton.tensor(a), torch.tensor(a)


def _same(g, t):
    assert tuple(g.shape) == tuple(t.shape)
    assert g.stride() == t.stride(), (g.stride(), t.stride())
    for fmt in ("contiguous_format", "channels_last", "channels_last_3d"):
        assert g.is_contiguous(memory_format=getattr(galton, fmt)) == \
            t.is_contiguous(memory_format=getattr(torch, fmt)), fmt
    assert g.is_contiguous() == t.is_contiguous()
    np.testing.assert_array_equal(g.numpy(), t.detach().numpy())


def test_names():
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert repr(getattr(galton, name)) == repr(getattr(torch, name)).replace("torch", "galton")
        assert isinstance(getattr(galton, name), galton.memory_format)


@pytest.mark.parametrize("shape", SHAPES)
def test_conversions_as_torch(shape):
    g, t = _pair(shape)
    cl_g, cl_t = g.to(memory_format=galton.channels_last), t.to(memory_format=torch.channels_last)
    _same(cl_g, cl_t)
    _same(g.contiguous(memory_format=galton.channels_last),
          t.contiguous(memory_format=torch.channels_last))
    _same(cl_g.contiguous(), cl_t.contiguous())
    _same(cl_g.to(memory_format=galton.contiguous_format),
          cl_t.to(memory_format=torch.contiguous_format))
    for fmt in ("contiguous_format", "channels_last", "preserve_format"):
        _same(cl_g.clone(memory_format=getattr(galton, fmt)),
              cl_t.clone(memory_format=getattr(torch, fmt)))
        _same(g.clone(memory_format=getattr(galton, fmt)),
              t.clone(memory_format=getattr(torch, fmt)))
    _same(cl_g.clone(), cl_t.clone())
    # elementwise ops keep the layout, as PyTorch's (NumPy chooses the strides of sizes of 1)
    for a, b in ((cl_g + 1, cl_t + 1), (galton.relu(cl_g), torch.relu(cl_t))):
        assert a.is_contiguous(memory_format=galton.channels_last) == \
            b.is_contiguous(memory_format=torch.channels_last)
        assert a.is_contiguous() == b.is_contiguous()
        if 1 not in shape:
            assert a.stride() == b.stride()
    if 1 not in shape:
        assert cl_g.dim_order() == cl_t.dim_order()
    # already in the layout: the same tensor back
    assert cl_g.contiguous(memory_format=galton.channels_last) is cl_g
    assert cl_g.to(memory_format=galton.channels_last) is cl_g


@pytest.mark.parametrize("shape", [(2, 3, 4, 5, 6), (1, 2, 1, 3, 1)])
def test_channels_last_3d_as_torch(shape):
    g, t = _pair(shape)
    _same(g.to(memory_format=galton.channels_last_3d),
          t.to(memory_format=torch.channels_last_3d))
    _same(g.contiguous(memory_format=galton.channels_last_3d).clone(),
          t.contiguous(memory_format=torch.channels_last_3d).clone())


@pytest.mark.parametrize("fn", ["empty_like", "zeros_like", "ones_like", "rand_like",
                                "randn_like"])
def test_like_constructors_as_torch(fn):
    g, t = _pair((2, 3, 4, 5))
    cl_g, cl_t = g.to(memory_format=galton.channels_last), t.to(memory_format=torch.channels_last)
    for src_g, src_t in ((g, t), (cl_g, cl_t)):
        for fmt in (None, "contiguous_format", "channels_last", "preserve_format"):
            kw_g = {} if fmt is None else {"memory_format": getattr(galton, fmt)}
            kw_t = {} if fmt is None else {"memory_format": getattr(torch, fmt)}
            a, b = getattr(galton, fn)(src_g, **kw_g), getattr(torch, fn)(src_t, **kw_t)
            assert a.stride() == b.stride(), (fn, fmt, a.stride(), b.stride())
    assert galton.full_like(cl_g, 2.0).stride() == torch.full_like(cl_t, 2.0).stride()
    assert galton.zeros_like(cl_g).sum().item() == 0
    assert galton.empty(2, 3, 4, 5, memory_format=galton.channels_last).stride() == \
        torch.empty(2, 3, 4, 5, memory_format=torch.channels_last).stride()


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are compared
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize("case", [
    lambda lib: lib.zeros(2, 3, 4).to(memory_format=lib.channels_last),
    lambda lib: lib.zeros(2, 3, 4, 5).contiguous(memory_format=lib.channels_last_3d),
    lambda lib: lib.zeros(2, 3, 4, 5).clone(memory_format=lib.channels_last_3d),
])
def test_errors_as_torch(case):
    theirs = _error(lambda: case(torch))
    assert theirs is not None
    assert _error(lambda: case(galton)) == theirs
    assert not galton.zeros(2, 3).is_contiguous(memory_format=galton.channels_last)
    cl = galton.zeros(2, 3, 4, 5).to(memory_format=galton.channels_last)
    assert not cl.is_contiguous(memory_format=galton.preserve_format)  # as torch: no error


def test_gradient_through_a_layout_change():
    g, t = _pair((2, 3, 4, 5))
    for x, lib in ((g, galton), (t, torch)):
        x.requires_grad_()
        y = x.to(memory_format=lib.channels_last) * 2
        y.contiguous(memory_format=lib.channels_last).sum().backward()
    np.testing.assert_array_equal(g.grad.numpy(), t.grad.numpy())


def test_module_to_channels_last_runs_as_torch():
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                               torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 2 * 2, 3))
    gnet = galton.nn.Sequential(galton.nn.Conv2d(3, 4, 3, padding=1), galton.nn.BatchNorm2d(4),
                                galton.nn.ReLU(), galton.nn.MaxPool2d(2), galton.nn.Flatten(),
                                galton.nn.Linear(4 * 2 * 2, 3))
    gnet.load_state_dict({k: galton.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    assert gnet.to(memory_format=galton.channels_last) is gnet
    tnet.to(memory_format=torch.channels_last)
    assert gnet[0].weight.stride() == tnet[0].weight.stride()
    assert gnet[0].weight.is_contiguous(memory_format=galton.channels_last)
    assert gnet[5].weight.stride() == tnet[5].weight.stride()  # 2-d: untouched
    x, xt = _pair((2, 3, 4, 4), seed=1)
    x = x.to(memory_format=galton.channels_last)
    xt = xt.to(memory_format=torch.channels_last)
    opt_g = galton.optim.SGD(gnet.parameters(), lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        for net, opt, inp in ((gnet, opt_g, x), (tnet, opt_t, xt)):
            opt.zero_grad()
            (net(inp) ** 2).mean().backward()
            opt.step()
    for (k, v), (_, w) in zip(tnet.state_dict().items(), gnet.state_dict().items()):
        np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    # a checkpoint of a channels-last model loads into an NCHW one
    import io
    buf = io.BytesIO()
    galton.save(gnet.state_dict(), buf)
    buf.seek(0)
    back = galton.load(buf)
    np.testing.assert_array_equal(back["0.weight"].numpy(), gnet[0].weight.detach().numpy())
