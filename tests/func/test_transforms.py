"""galton.func against torch.func on the same functions."""
import numpy as np
import pytest
import torch

import galton


def _np(x):
    if isinstance(x, (tuple, list)):
        return [_np(v) for v in x]
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    return x.detach().numpy()


def _same(a, b):
    if isinstance(b, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=1e-9)


def run_both(body):
    return body(galton), body(torch)


X = np.random.default_rng(0).standard_normal((3, 4))
Y = np.random.default_rng(1).standard_normal(4)


def f(lib, x, y):
    return ((x @ y).tanh() ** 2).sum() + (x ** 3).sum() * y.sum()


CASES = {
    "grad": lambda lib: lib.func.grad(lambda x, y: f(lib, x, y))(lib.tensor(X), lib.tensor(Y)),
    "grad_argnums": lambda lib: lib.func.grad(lambda x, y: f(lib, x, y), argnums=(0, 1))(
        lib.tensor(X), lib.tensor(Y)),
    "grad_of_grad": lambda lib: lib.func.grad(lambda y: lib.func.grad(
        lambda y2: (y2.sin() ** 3).sum())(y).sum())(lib.tensor(Y)),
    "grad_and_value_aux": lambda lib: lib.func.grad_and_value(
        lambda x: ((x * x).sum(), x.mean()), has_aux=True)(lib.tensor(X)),
    "vjp": lambda lib: (lambda o, fn: (o, fn(lib.ones(3, dtype=lib.float64))))(
        *lib.func.vjp(lambda x: (x.exp() @ lib.tensor(Y)), lib.tensor(X))),
    "jvp": lambda lib: lib.func.jvp(lambda x: x.sin() * x, (lib.tensor(Y),), (lib.tensor(Y),)),
    "jacrev": lambda lib: lib.func.jacrev(lambda y: (lib.tensor(X) @ y).sin())(lib.tensor(Y)),
    "jacfwd": lambda lib: lib.func.jacfwd(lambda x, y: x @ y, argnums=1)(lib.tensor(X),
                                                                           lib.tensor(Y)),
    "jacrev_argnums_tuple": lambda lib: lib.func.jacrev(lambda x, y: (x @ y).exp(),
                                                        argnums=(0, 1))(lib.tensor(X),
                                                                        lib.tensor(Y)),
    "hessian": lambda lib: lib.func.hessian(lambda y: f(lib, lib.tensor(X), y))(lib.tensor(Y)),
    "vmap": lambda lib: lib.func.vmap(lambda r, y: (r * y).sum(), in_dims=(0, None))(
        lib.tensor(X), lib.tensor(Y)),
    "vmap_out_dims": lambda lib: lib.func.vmap(lambda c: (c.exp(), c * 2), in_dims=1,
                                               out_dims=(0, 1))(lib.tensor(X)),
    "vmap_of_grad": lambda lib: lib.func.vmap(lib.func.grad(lambda r: (r.sin() * r).sum()))(
        lib.tensor(X)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform_matches_torch(name):
    g, t = run_both(CASES[name])
    _same(g, t)


def test_outermost_results_carry_no_graph_and_inner_levels_do():
    g = galton.func.grad(lambda y: (y ** 3).sum())(galton.tensor(Y))
    assert not g.requires_grad
    y = galton.tensor(Y, requires_grad=True)
    g = galton.func.grad(lambda y: (y ** 3).sum())(y)
    assert g.requires_grad  # the caller's graph is kept
    (d,) = galton.autograd.grad(g.sum(), y)
    np.testing.assert_allclose(d.numpy(), 6 * Y)


def test_functional_call_matches_torch_and_restores_the_module():
    results, state = [], None
    for lib in (galton, torch):
        net = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
        if state is None:
            state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        net.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
        params = {"0.weight": lib.tensor(np.ones((3, 4)) * 0.1, dtype=lib.float32),
                  "2.bias": lib.tensor([0.5], dtype=lib.float32)}
        before = net[0].weight.detach().clone()
        out = lib.func.functional_call(net, params, (lib.tensor(X, dtype=lib.float32),))
        assert lib.equal(net[0].weight.detach(), before)
        # gradients flow to the given tensors (the MAML idiom)
        w = lib.tensor(np.ones((3, 4)) * 0.1, dtype=lib.float32, requires_grad=True)
        loss = lib.func.functional_call(net, {"0.weight": w},
                                        lib.tensor(X, dtype=lib.float32)).sum()
        (gw,) = lib.autograd.grad(loss, w)
        results.append((out, gw))
    np.testing.assert_allclose(_np(results[0][1]), _np(results[1][1]), rtol=1e-5)
    np.testing.assert_allclose(_np(results[0][0][0]), _np(results[1][0][0]), rtol=1e-5)


def test_functional_call_ties_shared_weights_and_strict_names_keys():
    lin = galton.nn.Linear(2, 2, bias=False)
    net = galton.nn.Sequential(lin, lin)
    out = galton.func.functional_call(net, {"0.weight": galton.eye(2)}, galton.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), [[1.0, 1.0]])
    with pytest.raises(RuntimeError, match="missing keys"):
        galton.func.functional_call(net, {}, galton.ones(1, 2), strict=True)


def test_vmap_size_mismatch_is_one_clear_error():
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        galton.func.vmap(lambda a, b: a + b)(galton.ones(2, 3), galton.ones(3, 3))
