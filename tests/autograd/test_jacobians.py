"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) and forward_ad against PyTorch."""
import numpy as np
import pytest
import torch

import galton
import galton.autograd.forward_ad as fwAD


def _np(x):
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    return x.detach().numpy()


def _both(make):
    rng = np.random.default_rng(0)
    arrays = make(rng)
    return ([galton.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays])


def _assert_tree(a, b):
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_tree(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-9)


def f_one(t, x):
    return (x.sin() * x.sum()).exp()


def f_two(t, x, y):
    return (x @ y).tanh(), (x * x).sum(1)


def f_scalar(t, x, y):
    return ((x.sin() @ y) ** 2).sum() + (x ** 3).sum()


@pytest.mark.parametrize("name", ["jacobian", "vjp", "jvp"])
def test_jacobian_vjp_jvp_match_torch(name):
    (gx, gy, gv, gu), (tx, ty, tv, tu) = _both(lambda r: [r.standard_normal((2, 3)),
                                                          r.standard_normal((3, 2)),
                                                          r.standard_normal((2, 2)),
                                                          r.standard_normal((2, 3))])
    for lib, x, y, v, u in ((galton, gx, gy, gv, gu), (torch, tx, ty, tv, tu)):
        F = lib.autograd.functional
        if name == "jacobian":
            r = (F.jacobian(lambda a: f_one(lib, a), x),
                 F.jacobian(lambda a, b: f_two(lib, a, b), (x, y)))
        elif name == "vjp":
            r = F.vjp(lambda a, b: f_two(lib, a, b)[0], (x, y), v)
        else:
            r = F.jvp(lambda a: f_one(lib, a), x, u)
        if lib is galton:
            g_res = r
        else:
            _assert_tree(g_res, r)


@pytest.mark.parametrize("name", ["hessian", "hvp", "vhp"])
def test_hessian_products_match_torch(name):
    (gx, gy, gvx, gvy), (tx, ty, tvx, tvy) = _both(lambda r: [r.standard_normal((2, 3)),
                                                              r.standard_normal(3),
                                                              r.standard_normal((2, 3)),
                                                              r.standard_normal(3)])
    results = []
    for lib, x, y, vx, vy in ((galton, gx, gy, gvx, gvy), (torch, tx, ty, tvx, tvy)):
        F = lib.autograd.functional
        fn = lambda a, b: f_scalar(lib, a, b)  # noqa: E731
        if name == "hessian":
            results.append((F.hessian(fn, (x, y)), F.hessian(lambda a: fn(a, y), x)))
        else:
            results.append(getattr(F, name)(fn, (x, y), (vx, vy)))
    _assert_tree(*results)


def test_create_graph_keeps_the_graph_and_strict_refuses_independence():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    h = galton.autograd.functional.hessian(lambda a: (a ** 3).sum(), x, create_graph=True)
    assert h.requires_grad
    (d,) = galton.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(d.numpy(), [6.0, 6.0])
    plain = galton.autograd.functional.jacobian(lambda a: a * 2, x)
    assert not plain.requires_grad
    with pytest.raises(RuntimeError, match="independent of input 1"):
        galton.autograd.functional.jacobian(lambda a, b: a * 2, (x, x.detach()), strict=True)
    z = galton.autograd.functional.jacobian(lambda a, b: a * 2, (x, x.detach()))
    np.testing.assert_allclose(z[1].numpy(), np.zeros((2, 2)))


def test_forward_ad_matches_torch():
    rng = np.random.default_rng(3)
    a, t, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    out = []
    for lib in (galton, torch):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.tensor(a), lib.tensor(t))
            y = lib.nn.functional.gelu(d @ lib.tensor(w)).softmax(1)
            p, tangent = fw.unpack_dual(y)
            out.append((p, tangent))
    _assert_tree(out[0], out[1])


def test_forward_ad_without_a_dual_has_no_tangent():
    with fwAD.dual_level():
        p, tangent = fwAD.unpack_dual(galton.ones(2) * 3)
    assert tangent is None and p.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="dual level"):
        fwAD.make_dual(galton.ones(2), galton.ones(2))


def test_custom_function_differentiates_twice_and_once_differentiable_refuses():
    class Cube(galton.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class Once(Cube):
        @staticmethod
        @galton.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = galton.tensor([2.0], requires_grad=True)
    (g,) = galton.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert galton.autograd.grad(g.sum(), x)[0].item() == 12.0
    (g,) = galton.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
    assert g.item() == 12.0
    with pytest.raises(RuntimeError, match="OnceBackward: galton cannot differentiate"):
        galton.autograd.grad(g.sum(), x)
