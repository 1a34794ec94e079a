"""nn.utils weight_norm / spectral_norm (hook and parametrization forms) and nn.utils.parametrize,
against torch 2.13 on the same weights."""
import copy
import warnings

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.nn.utils import parametrizations as gP
from galton.nn.utils import parametrize as gpz

tP = torch.nn.utils.parametrizations
tpz = torch.nn.utils.parametrize

LAYERS = {
    "linear": (lambda nn: nn.Linear(5, 4), (3, 5)),
    "conv2d": (lambda nn: nn.Conv2d(2, 3, 3), (2, 2, 5, 5)),
    "convT": (lambda nn: nn.ConvTranspose2d(2, 3, 3), (2, 2, 4, 4)),
}


def _np(t):
    return t.detach().numpy()


def twins(kind, seed=0):
    """A torch layer and a galton layer holding the same parameters, plus an input array."""
    make, shape = LAYERS[kind]
    torch.manual_seed(seed)
    t = make(torch.nn)
    g = make(gnn)
    g.load_state_dict({k: galton.tensor(_np(v)) for k, v in t.state_dict().items()})
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return t, g, x


def copy_state(t, g):
    """Load torch's current state dict (after both were reparametrised) into galton's."""
    g.load_state_dict({k: galton.tensor(_np(v)) for k, v in t.state_dict().items()})


def assert_same_state(t, g, rtol=1e-5, atol=1e-6):
    ts, gs = t.state_dict(), g.state_dict()
    assert list(gs) == list(ts)
    for k in ts:
        assert tuple(gs[k].shape) == tuple(ts[k].shape), k
        np.testing.assert_allclose(_np(gs[k]), _np(ts[k]), rtol=rtol, atol=atol, err_msg=k)


def run_both(t, g, x, seed=1):
    """Forward both on x, backward the same random output gradient; compare the outputs."""
    tx, gx = torch.tensor(x, requires_grad=True), galton.tensor(x, requires_grad=True)
    to, go = t(tx), g(gx)
    np.testing.assert_allclose(_np(go), _np(to), rtol=1e-4, atol=1e-5)
    seed_grad = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(np.float32)
    (to * torch.tensor(seed_grad)).sum().backward()
    (go * galton.tensor(seed_grad)).sum().backward()
    np.testing.assert_allclose(_np(gx.grad), _np(tx.grad), rtol=1e-4, atol=1e-5)


def assert_same_grads(t, g):
    tp, gp = dict(t.named_parameters()), dict(g.named_parameters())
    assert list(gp) == list(tp)
    for k in tp:
        np.testing.assert_allclose(_np(gp[k].grad), _np(tp[k].grad), rtol=1e-4, atol=1e-5,
                                   err_msg=k)


def same_error(tf, gf):
    """Both calls raise the same exception type with the same message (torch -> galton)."""
    with pytest.raises(Exception) as te:
        tf()
    with pytest.raises(type(te.value)) as ge:
        gf()
    assert str(ge.value) == str(te.value).replace("torch.", "galton.")


@pytest.fixture(autouse=True)
def _quiet_torch_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


# --- hook-based weight_norm -------------------------------------------------------------------
@pytest.mark.parametrize("kind,dim", [("linear", 0), ("linear", 1), ("linear", None),
                                      ("conv2d", 0), ("conv2d", 2), ("conv2d", None)])
def test_weight_norm_hook_matches_torch(kind, dim):
    t, g, x = twins(kind)
    torch.nn.utils.weight_norm(t, dim=dim)
    gnn.utils.weight_norm(g, dim=dim)
    assert_same_state(t, g)
    run_both(t, g, x)
    assert_same_grads(t, g)  # weight_g, weight_v and bias


def test_weight_norm_hook_recomputes_before_forward():
    t, g, x = twins("linear")
    torch.nn.utils.weight_norm(t)
    gnn.utils.weight_norm(g)
    with torch.no_grad():
        t.weight_g.mul_(2.5)
    g.weight_g.data *= 2.5
    run_both(t, g, x)
    np.testing.assert_allclose(_np(g.weight), _np(t.weight), rtol=1e-5, atol=1e-6)
    assert not isinstance(g.weight, gnn.Parameter)


def test_weight_norm_hook_warns_deprecated():
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        gnn.utils.weight_norm(gnn.Linear(2, 2))


def test_remove_weight_norm_restores_a_parameter():
    t, g, x = twins("linear")
    torch.nn.utils.weight_norm(t, dim=None)
    gnn.utils.weight_norm(g, dim=None)
    with torch.no_grad():
        t.weight_g.fill_(3.0)
    g.weight_g.data[...] = 3.0
    assert torch.nn.utils.remove_weight_norm(t) is t
    assert gnn.utils.remove_weight_norm(g) is g
    assert isinstance(g.weight, gnn.Parameter) and not g._forward_pre_hooks
    assert_same_state(t, g)  # keys 'bias', 'weight'
    run_both(t, g, x)
    assert_same_grads(t, g)


def test_weight_norm_hook_errors():
    same_error(lambda: torch.nn.utils.weight_norm(torch.nn.Linear(3, 4), name="foo"),
               lambda: gnn.utils.weight_norm(gnn.Linear(3, 4), name="foo"))
    tw = torch.nn.utils.weight_norm
    same_error(lambda: tw(tw(torch.nn.Linear(3, 4))),
               lambda: gnn.utils.weight_norm(gnn.utils.weight_norm(gnn.Linear(3, 4))))
    same_error(lambda: torch.nn.utils.remove_weight_norm(torch.nn.Linear(3, 4)),
               lambda: gnn.utils.remove_weight_norm(gnn.Linear(3, 4)))
    same_error(lambda: torch.nn.utils.weight_norm(torch.nn.Linear(3, 4), dim=2),
               lambda: gnn.utils.weight_norm(gnn.Linear(3, 4), dim=2))


# --- hook-based spectral_norm -----------------------------------------------------------------
@pytest.mark.parametrize("kind", ["linear", "conv2d", "convT"])
def test_spectral_norm_hook_power_iteration_matches_torch(kind):
    t, g, x = twins(kind)
    torch.nn.utils.spectral_norm(t, n_power_iterations=2)
    gnn.utils.spectral_norm(g, n_power_iterations=2)
    assert list(g.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert g.weight_u.shape == t.weight_u.shape and g.weight_v.shape == t.weight_v.shape
    copy_state(t, g)  # same random start for u and v
    for step in range(2):  # training: each forward iterates and updates the buffers
        run_both(t, g, x, seed=step)
        assert_same_state(t, g)
        np.testing.assert_allclose(_np(g.weight), _np(t.weight), rtol=1e-5, atol=1e-6)
    assert_same_grads(t, g)  # accumulated over both forwards


def test_spectral_norm_hook_eval_does_not_iterate():
    t, g, x = twins("conv2d")
    torch.nn.utils.spectral_norm(t)
    gnn.utils.spectral_norm(g)
    copy_state(t, g)
    t.eval(), g.eval()
    u0 = _np(g.weight_u).copy()
    run_both(t, g, x)
    np.testing.assert_array_equal(_np(g.weight_u), u0)
    assert_same_state(t, g)
    assert_same_grads(t, g)


def test_remove_spectral_norm_restores_a_parameter():
    t, g, x = twins("linear")
    torch.nn.utils.spectral_norm(t)
    gnn.utils.spectral_norm(g)
    copy_state(t, g)
    torch.nn.utils.remove_spectral_norm(t)
    assert gnn.utils.remove_spectral_norm(g) is g
    assert isinstance(g.weight, gnn.Parameter) and not g._forward_pre_hooks
    assert_same_state(t, g)  # keys 'bias', 'weight'; the weight divided by sigma, no iteration
    run_both(t, g, x)


def test_spectral_norm_hook_errors():
    lin = torch.nn.Linear
    same_error(lambda: torch.nn.utils.spectral_norm(lin(3, 4), name="foo"),
               lambda: gnn.utils.spectral_norm(gnn.Linear(3, 4), name="foo"))
    same_error(lambda: torch.nn.utils.spectral_norm(torch.nn.utils.spectral_norm(lin(3, 4))),
               lambda: gnn.utils.spectral_norm(gnn.utils.spectral_norm(gnn.Linear(3, 4))))
    same_error(lambda: torch.nn.utils.remove_spectral_norm(lin(3, 4)),
               lambda: gnn.utils.remove_spectral_norm(gnn.Linear(3, 4)))
    same_error(lambda: torch.nn.utils.spectral_norm(lin(3, 4), n_power_iterations=0),
               lambda: gnn.utils.spectral_norm(gnn.Linear(3, 4), n_power_iterations=0))


# --- parametrizations.weight_norm ---------------------------------------------------------
@pytest.mark.parametrize("kind,dim", [("linear", 0), ("linear", 1), ("linear", None),
                                      ("conv2d", 0), ("conv2d", None)])
def test_weight_norm_parametrization_matches_torch(kind, dim):
    t, g, x = twins(kind)
    tP.weight_norm(t, dim=dim)
    gP.weight_norm(g, dim=dim)
    assert type(g).__name__ == type(t).__name__  # ParametrizedLinear
    assert repr(g) == repr(t)
    assert_same_state(t, g)  # parametrizations.weight.original0 / original1
    run_both(t, g, x)
    assert_same_grads(t, g)


def test_weight_norm_parametrization_is_computed_on_access():
    t, g, _ = twins("linear")
    tP.weight_norm(t)
    gP.weight_norm(g)
    with torch.no_grad():
        t.parametrizations.weight.original0.mul_(-2.0)
    g.parametrizations.weight.original0.data *= -2.0
    np.testing.assert_allclose(_np(g.weight), _np(t.weight), rtol=1e-5, atol=1e-6)
    assert g.weight.requires_grad and g.weight.grad_fn is not None


@pytest.mark.parametrize("leave", [True, False])
def test_remove_weight_norm_parametrization(leave):
    t, g, x = twins("linear")
    tP.weight_norm(t)
    gP.weight_norm(g)
    g.parametrizations.weight.original0.data *= 2.0
    with torch.no_grad():
        t.parametrizations.weight.original0.mul_(2.0)
    if not leave:
        same_error(lambda: tpz.remove_parametrizations(t, "weight", leave_parametrized=False),
                   lambda: gpz.remove_parametrizations(g, "weight", leave_parametrized=False))
        return
    tpz.remove_parametrizations(t, "weight")
    assert gpz.remove_parametrizations(g, "weight") is g
    assert type(g) is gnn.Linear and not gpz.is_parametrized(g)
    assert "parametrizations" not in g._modules and isinstance(g.weight, gnn.Parameter)
    assert_same_state(t, g)
    run_both(t, g, x)
    assert_same_grads(t, g)


# --- parametrizations.spectral_norm -------------------------------------------------------
def spectral_twins(kind, **kw):
    t, g, x = twins(kind)
    tP.spectral_norm(t, **kw)
    gP.spectral_norm(g, **kw)
    assert list(g.state_dict()) == list(t.state_dict())  # ..original, ..0._u, ..0._v
    copy_state(t, g)  # the random start and the 15 warm-up iterations differ: take torch's
    return t, g, x


@pytest.mark.parametrize("kind", ["linear", "conv2d", "convT"])
def test_spectral_norm_parametrization_each_access_iterates(kind):
    t, g, x = spectral_twins(kind, n_power_iterations=2)
    for _ in range(2):
        gw, tw = _np(g.weight), _np(t.weight)
        np.testing.assert_allclose(gw, tw, rtol=1e-5, atol=1e-6)
        assert_same_state(t, g)  # u and v after each iteration
        # sigma, the factor the original was divided by
        g_sigma = np.linalg.norm(_np(g.parametrizations.weight.original)) / np.linalg.norm(gw)
        t_sigma = np.linalg.norm(_np(t.parametrizations.weight.original)) / np.linalg.norm(tw)
        assert g_sigma == pytest.approx(t_sigma, rel=1e-5)


def test_spectral_norm_parametrization_forward_and_grads_conv():
    t, g, x = spectral_twins("conv2d")
    run_both(t, g, x)
    assert_same_state(t, g)
    assert_same_grads(t, g)  # reach parametrizations.weight.original and bias


def test_spectral_norm_parametrization_cached_linear():
    # inside cached() each forward computes the weight once, in both frameworks
    t, g, x = spectral_twins("linear")
    with tpz.cached(), gpz.cached():
        run_both(t, g, x)
    assert_same_state(t, g)
    assert_same_grads(t, g)


def test_spectral_norm_parametrization_eval_does_not_iterate():
    t, g, x = spectral_twins("linear")
    t.eval(), g.eval()
    assert not g.parametrizations.weight[0].training
    u0 = _np(g.parametrizations.weight[0]._u).copy()
    run_both(t, g, x)
    np.testing.assert_array_equal(_np(g.parametrizations.weight[0]._u), u0)
    assert_same_grads(t, g)


def test_spectral_norm_parametrization_vector_is_normalised():
    t, g, x = twins("linear")
    tP.spectral_norm(t, name="bias")
    gP.spectral_norm(g, name="bias")
    assert_same_state(t, g)  # no _u/_v for a 1-d tensor
    run_both(t, g, x)
    assert_same_grads(t, g)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_spectral_norm_parametrization_keeps_the_parameter(leave):
    t, g, x = spectral_twins("linear")
    t.eval(), g.eval()
    param = g.parametrizations.weight.original
    tpz.remove_parametrizations(t, "weight", leave_parametrized=leave)
    gpz.remove_parametrizations(g, "weight", leave_parametrized=leave)
    assert g.weight is param  # an optimizer holding it stays valid
    assert type(g) is gnn.Linear
    assert_same_state(t, g)
    run_both(t, g, x)


def test_spectral_norm_parametrization_errors():
    lin = torch.nn.Linear
    same_error(lambda: tP.spectral_norm(lin(3, 4), name="foo"),
               lambda: gP.spectral_norm(gnn.Linear(3, 4), name="foo"))
    same_error(lambda: tP.spectral_norm(lin(3, 4), n_power_iterations=0),
               lambda: gP.spectral_norm(gnn.Linear(3, 4), n_power_iterations=0))
    same_error(lambda: tP.spectral_norm(lin(3, 4), dim=2),
               lambda: gP.spectral_norm(gnn.Linear(3, 4), dim=2))
    same_error(lambda: tP.weight_norm(lin(3, 4), name="foo"),
               lambda: gP.weight_norm(gnn.Linear(3, 4), name="foo"))


def test_parametrized_state_dict_round_trip():
    t, g, x = twins("linear")
    tP.weight_norm(t)
    tP.spectral_norm(t, name="bias")
    gP.weight_norm(g)
    gP.spectral_norm(g, name="bias")
    with torch.no_grad():
        for p in t.parameters():
            p.mul_(0.5)
    copy_state(t, g)
    assert_same_state(t, g)
    run_both(t, g, x)


# --- parametrize with a user parametrization ------------------------------------------------
def make_symmetric(nn):
    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(0, 1)
    return Symmetric()


def make_scale(nn):
    class Scale(nn.Module):
        def forward(self, X):
            return X * 3.0

        def right_inverse(self, X):
            return X / 3.0
    return Scale()


def user_twins(*makers):
    torch.manual_seed(0)
    t, g = torch.nn.Linear(4, 4), gnn.Linear(4, 4)
    copy_state(t, g)
    for make in makers:
        tpz.register_parametrization(t, "weight", make(torch.nn))
        gpz.register_parametrization(g, "weight", make(gnn))
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    return t, g, x


def test_user_parametrization_forward_and_gradients():
    t, g, x = user_twins(make_symmetric)
    w = _np(g.weight)
    np.testing.assert_allclose(w, w.T)
    assert list(g.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert gpz.is_parametrized(g) and gpz.is_parametrized(g, "weight")
    assert not gpz.is_parametrized(g, "bias") and not gpz.is_parametrized(gnn.Linear(2, 2))
    assert gpz.type_before_parametrizations(g) is gnn.Linear
    run_both(t, g, x)
    assert_same_grads(t, g)  # the gradient reaches the original through the parametrization


def test_chained_parametrizations():
    t, g, x = user_twins(make_scale, make_symmetric)
    assert len(g.parametrizations.weight) == 2
    assert_same_state(t, g)  # Scale.right_inverse divided the stored original by 3
    run_both(t, g, x)
    assert_same_grads(t, g)
    # assigning goes through every right_inverse, and Symmetric has none
    same_error(lambda: setattr(t, "weight", torch.zeros(4, 4)),
               lambda: setattr(g, "weight", galton.zeros(4, 4)))


def test_assignment_goes_through_right_inverse():
    t, g, x = user_twins(make_scale)
    X = np.arange(16, dtype=np.float32).reshape(4, 4)
    param = g.parametrizations.weight.original
    t.weight = torch.tensor(X)
    g.weight = galton.tensor(X)
    assert g.parametrizations.weight.original is param  # same object, new values
    assert_same_state(t, g)
    np.testing.assert_allclose(_np(g.weight), X, rtol=1e-6)
    run_both(t, g, x)
    assert_same_grads(t, g)


def test_cached_computes_once():
    calls = []

    class Counting(gnn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 2.0

    g = gpz.register_parametrization(gnn.Linear(3, 3), "weight", Counting())
    calls.clear()
    with gpz.cached():
        a, b = g.weight, g.weight
        assert a is b and len(calls) == 1
    g.weight
    assert len(calls) == 2  # the cache ends with the block


def test_parametrized_module_copies_and_refuses_a_parameter():
    g = gpz.register_parametrization(gnn.Linear(3, 3), "weight", make_symmetric(gnn))
    c = copy.deepcopy(g)
    c.parametrizations.weight.original.data[...] = 0
    assert np.abs(_np(g.weight)).sum() > 0 and np.abs(_np(c.weight)).sum() == 0
    t = tpz.register_parametrization(torch.nn.Linear(3, 3), "weight", make_symmetric(torch.nn))
    same_error(lambda: setattr(t, "weight", torch.nn.Parameter(torch.zeros(3, 3))),
               lambda: setattr(g, "weight", gnn.Parameter(galton.zeros(3, 3))))


def test_register_parametrization_errors():
    class Shrink:
        @staticmethod
        def make(nn):
            class Shrink(nn.Module):
                def forward(self, X):
                    return X[:1]
            return Shrink()

    same_error(lambda: tpz.register_parametrization(torch.nn.Linear(3, 3), "foo",
                                                    make_symmetric(torch.nn)),
               lambda: gpz.register_parametrization(gnn.Linear(3, 3), "foo",
                                                    make_symmetric(gnn)))
    same_error(lambda: tpz.register_parametrization(torch.nn.Linear(3, 3), "weight",
                                                    Shrink.make(torch.nn)),
               lambda: gpz.register_parametrization(gnn.Linear(3, 3), "weight",
                                                    Shrink.make(gnn)))
    t, g, _ = user_twins(make_symmetric)
    same_error(lambda: tpz.register_parametrization(t, "weight", Shrink.make(torch.nn)),
               lambda: gpz.register_parametrization(g, "weight", Shrink.make(gnn)))
    same_error(lambda: tpz.remove_parametrizations(t, "bias"),
               lambda: gpz.remove_parametrizations(g, "bias"))
