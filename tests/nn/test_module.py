"""nn.Module against torch.nn.Module: registration, names, state_dict, modes, hooks, repr."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn


def make_net(nn, t):
    """The same nested model in either framework (nn = torch.nn or galton.nn, t = the package)."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.register_buffer("running", t.zeros(3))
            self.register_buffer("tmp", t.ones(2), persistent=False)
            self.scale = nn.Parameter(t.ones(3))

        def forward(self, x):
            return self.fc(x) * self.scale + self.running

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2))
            self.head = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1, bias=False)])

        def forward(self, x):
            x = self.layers(self.block(x))
            for m in self.head:
                x = m(x)
            return x

    return Net()


def torch_state_to_galton(model):
    return {k: galton.tensor(v.detach().numpy()) for k, v in model.state_dict().items()}


def twin_nets():
    tn, gn = make_net(torch.nn, torch), make_net(gnn, galton)
    gn.load_state_dict(torch_state_to_galton(tn))
    return tn, gn


def test_named_parameters_buffers_modules_match_torch():
    tn, gn = twin_nets()
    assert [(n, tuple(p.shape)) for n, p in gn.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tn.named_parameters()]
    assert [n for n, _ in gn.named_buffers()] == [n for n, _ in tn.named_buffers()]
    assert [n for n, _ in gn.named_modules()] == [n for n, _ in tn.named_modules()]
    assert [n for n, _ in gn.named_children()] == [n for n, _ in tn.named_children()]
    assert list(gn.state_dict().keys()) == list(tn.state_dict().keys())
    assert "block.tmp" not in gn.state_dict()  # non-persistent buffer
    assert sum(p.numel() for p in gn.parameters()) == sum(p.numel() for p in tn.parameters())


def test_registration_and_shared_parameters():
    m = gnn.Module()
    m.w = gnn.Parameter(galton.ones(2))
    m.sub = gnn.Linear(2, 2)
    m.register_buffer("b", galton.zeros(1))
    m.plain = galton.zeros(1)  # a plain tensor attribute is neither parameter nor buffer
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"]
    assert list(m._buffers) == ["b"]
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    m.sub2 = m.sub  # shared module: its parameters are listed once, as in PyTorch
    assert len(list(m.parameters())) == 3
    assert len(list(m.named_parameters(remove_duplicate=False))) == 5
    assert m.get_submodule("sub") is m.sub
    assert m.get_parameter("sub.bias") is m.sub.bias


def test_forward_and_gradients_after_loading_torch_weights():
    tn, gn = twin_nets()
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    tout, gout = tn(torch.tensor(x)), gn(galton.tensor(x))
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    tout.sum().backward()
    gout.sum().backward()
    for (n, tp), (_, gp) in zip(tn.named_parameters(), gn.named_parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=n)


def test_load_state_dict_strict_missing_and_unexpected():
    _, gn = twin_nets()
    sd = gn.state_dict()
    del sd["layers.1.bias"]
    sd["extra.weight"] = galton.zeros(1)
    with pytest.raises(RuntimeError) as e:
        gn.load_state_dict(sd)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "layers.1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "Net" in msg


def test_load_state_dict_size_mismatch_names_key_and_shapes():
    _, gn = twin_nets()
    sd = gn.state_dict()
    sd["layers.0.weight"] = galton.zeros(7, 3)
    with pytest.raises(RuntimeError) as e:
        gn.load_state_dict(sd)
    msg = str(e.value)
    assert "size mismatch for layers.0.weight" in msg
    assert "[7, 3]" in msg and "[5, 3]" in msg


def test_load_state_dict_non_strict_returns_keys_like_torch():
    tn, gn = twin_nets()
    tsd, gsd = tn.state_dict(), gn.state_dict()
    for sd in (tsd, gsd):
        del sd["head.0.weight"]
    tsd["junk"] = torch.zeros(1)
    gsd["junk"] = galton.zeros(1)
    tr, gr = tn.load_state_dict(tsd, strict=False), gn.load_state_dict(gsd, strict=False)
    assert gr.missing_keys == tr.missing_keys == ["head.0.weight"]
    assert gr.unexpected_keys == tr.unexpected_keys == ["junk"]


def test_load_state_dict_copies_in_place():
    _, gn = twin_nets()
    w = gn.layers[0].weight
    sd = {k: v.clone() if hasattr(v, "clone") else v for k, v in gn.state_dict().items()}
    sd["layers.0.weight"] = galton.ones(5, 3)
    gn.load_state_dict(sd)
    assert gn.layers[0].weight is w  # the same Parameter object, so optimizers stay valid
    assert np.all(w.detach().numpy() == 1)


def test_state_dict_shares_memory_with_parameters():
    m = gnn.Linear(3, 2)
    sd = m.state_dict()
    sd["weight"].data[...] = 0
    assert np.all(m.weight.detach().numpy() == 0)


def test_train_eval_propagates():
    _, gn = twin_nets()
    assert all(m.training for m in gn.modules())
    assert gn.eval() is gn
    assert not any(m.training for m in gn.modules())
    gn.train()
    assert all(m.training for m in gn.modules())
    gn.layers.train(False)
    assert gn.training and not gn.layers[0].training


def test_zero_grad():
    _, gn = twin_nets()
    gn(galton.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in gn.parameters())
    gn.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in gn.parameters())
    gn.zero_grad()
    assert all(p.grad is None for p in gn.parameters())


def test_to_float64_keeps_objects():
    _, gn = twin_nets()
    w = gn.block.fc.weight
    assert gn.to(galton.float64) is gn
    assert gn.block.fc.weight is w
    assert all(p.dtype == galton.float64 for p in gn.parameters())
    assert all(b.dtype == galton.float64 for b in gn.buffers())
    out = gn(galton.randn(2, 4, dtype=galton.float64))
    assert out.dtype == galton.float64
    gn.float()
    assert all(p.dtype == galton.float32 for p in gn.parameters())
    with pytest.raises(TypeError):
        gn.to(galton.int64)


def test_apply_visits_children_first_like_torch():
    tn, gn = twin_nets()
    t_order, g_order = [], []
    tn.apply(lambda m: t_order.append(type(m).__name__))
    assert gn.apply(lambda m: g_order.append(type(m).__name__)) is gn
    assert g_order == t_order


def test_apply_initialises():
    _, gn = twin_nets()

    def init_fn(m):
        if isinstance(m, gnn.Linear):
            gnn.init.constant_(m.weight, 0.5)

    gn.apply(init_fn)
    assert all(np.all(m.weight.detach().numpy() == 0.5) for m in gn.modules()
               if isinstance(m, gnn.Linear))


def _relu_class():
    """galton's nn.ReLU when it exists; otherwise a module that prints the same way."""
    if hasattr(gnn, "ReLU"):
        return gnn.ReLU

    class ReLU(gnn.Module):
        def forward(self, x):
            return galton.relu(x)
    return ReLU


def test_repr_matches_torch():
    relu = _relu_class()
    g = gnn.Sequential(gnn.Flatten(), gnn.Linear(784, 128), relu(), gnn.Linear(128, 10))
    t = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10))
    assert repr(g) == repr(t)
    tn, gn = twin_nets()
    assert repr(gn) == repr(tn)
    assert repr(gnn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))
    assert repr(gnn.Module()) == repr(torch.nn.Module())


def test_setattr_errors():
    m = gnn.Linear(2, 2)
    with pytest.raises(TypeError):
        m.weight = galton.zeros(2, 2)  # a plain tensor cannot replace a parameter
    m.weight = None
    assert m.weight is None and "weight" not in dict(m.named_parameters())

    class Early(gnn.Module):
        def __init__(self):
            self.p = gnn.Parameter(galton.zeros(1))
    with pytest.raises(AttributeError):
        Early()
    with pytest.raises(KeyError):
        gnn.Module().register_parameter("a.b", gnn.Parameter(galton.zeros(1)))
    with pytest.raises(AttributeError):
        gnn.Module().missing  # noqa: B018


def test_forward_hook_sees_and_replaces_output():
    m = gnn.Linear(3, 2)
    seen = []

    def hook(mod, args, out):
        seen.append((mod, args[0].shape, out.shape))
        return out * 0

    h = m.register_forward_hook(hook)
    out = m(galton.randn(4, 3))
    assert seen == [(m, (4, 3), (4, 2))]
    assert not out.detach().numpy().any()
    h.remove()
    assert m(galton.randn(4, 3)).detach().numpy().any()
    assert len(seen) == 1


def test_forward_pre_hook_replaces_input():
    m = gnn.Identity()
    h = m.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
    out = m(galton.zeros(2))
    np.testing.assert_array_equal(out.numpy(), [1, 1])
    h.remove()
    np.testing.assert_array_equal(m(galton.zeros(2)).numpy(), [0, 0])


def _backward_hook_run(nn, t, x, w, b, x_requires_grad=True):
    lin = nn.Linear(3, 2)
    lin.load_state_dict({"weight": t.tensor(w), "bias": t.tensor(b)})
    got = []
    lin.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
    xt = t.tensor(x, requires_grad=x_requires_grad)
    out = lin(xt)
    (out * t.tensor(np.arange(out.numel(), dtype=np.float32).reshape(out.shape))).sum().backward()
    assert len(got) == 1
    gi, go = got[0]
    return gi, go


@pytest.mark.filterwarnings("ignore:Full backward hook")
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_full_backward_hook_matches_torch(x_requires_grad):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    w = rng.standard_normal((2, 3)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32)
    tgi, tgo = _backward_hook_run(torch.nn, torch, x, w, b, x_requires_grad)
    ggi, ggo = _backward_hook_run(gnn, galton, x, w, b, x_requires_grad)
    assert len(ggi) == len(tgi) and len(ggo) == len(tgo)
    for g, t in zip(list(ggi) + list(ggo), list(tgi) + list(tgo)):
        if t is None:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_requires_grad_and_parameter_basics():
    m = gnn.Linear(2, 2)
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    p = gnn.Parameter(galton.zeros(3))
    assert p.requires_grad and p.is_leaf and isinstance(p, galton.Tensor)
    assert not gnn.Parameter(galton.zeros(3), requires_grad=False).requires_grad


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        gnn.Module()(galton.zeros(1))


def test_reassigning_keeps_state_dict_order_like_torch():
    def build(nn, t):
        m = nn.Module()
        m.a = nn.Linear(1, 1)
        m.p = nn.Parameter(t.zeros(1))
        m.register_buffer("buf", t.zeros(1))
        m.b = nn.Linear(1, 1)
        m.a = nn.Linear(1, 2)          # replaced: keeps its place
        m.register_buffer("buf", t.ones(2))
        m.register_parameter("q", nn.Parameter(t.zeros(1)))
        m.p = nn.Parameter(t.ones(3))
        return m
    g, t = build(gnn, galton), build(torch.nn, torch)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert repr(g) == repr(t)


def test_deepcopy_gives_independent_parameters():
    import copy
    import galton.nn as gnn
    m = gnn.Sequential(gnn.Linear(3, 2), gnn.ReLU())
    c = copy.deepcopy(m)
    assert isinstance(c[0].weight, gnn.Parameter) and c[0].weight.requires_grad
    np.testing.assert_array_equal(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    with galton.no_grad():
        c[0].weight.add_(1)
    assert not np.allclose(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    y = m[0](galton.ones(1, 3)) * 2
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(y)
