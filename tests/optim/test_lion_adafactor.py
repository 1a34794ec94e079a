"""Lion against the paper's algorithm written in NumPy; Adafactor against torch.optim.Adafactor."""
import math

import numpy as np
import pytest
import torch

import galton
from tests.optim.test_optimizers import _assert_same, _comparable, _grads, _make, _numpy, \
    _problem, _run, _set_grads

torch.set_num_threads(1)


# --- Lion ------------------------------------------------------------------------------------
def _lion_reference(start, data, steps, lr=3e-4, beta1=0.9, beta2=0.99, wd=0.0):
    """Algorithm 2 of Chen et al. (2023), "Symbolic Discovery of Optimization Algorithms"."""
    theta = {k: v.astype(np.float64).copy() for k, v in start.items()}
    m = {k: np.zeros_like(v) for k, v in theta.items()}
    for _ in range(steps):
        grads = _grads(theta, data)
        for k in theta:
            g = grads[k]
            c = beta1 * m[k] + (1 - beta1) * g            # update interpolation
            theta[k] = theta[k] - lr * (np.sign(c) + wd * theta[k])  # sign, decoupled decay
            m[k] = beta2 * m[k] + (1 - beta2) * g          # momentum update
    return theta


@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.01}, {"lr": 0.01, "weight_decay": 0.5},
                                    {"lr": 0.02, "betas": (0.5, 0.9), "weight_decay": 0.1},
                                    {"lr": 0.01, "maximize": True}])
def test_lion_matches_the_paper(kwargs):
    start, data = _problem()
    ps, args = _make(galton, start, "float64")
    opt = galton.optim.Lion(args, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    for _ in range(100):
        _set_grads(galton, ps, data, sign=sign)
        opt.step()
    beta1, beta2 = kwargs.get("betas", (0.9, 0.99))
    # maximize on the gradients of -loss is descent on loss: the reference descends
    ref = _lion_reference(start, data, 100, kwargs.get("lr", 3e-4), beta1, beta2,
                          kwargs.get("weight_decay", 0.0))
    for k in ref:
        np.testing.assert_allclose(_numpy(ps[k]), ref[k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_lion_defaults_and_state():
    p = galton.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = galton.optim.Lion([p])
    assert opt.defaults["lr"] == 3e-4 and opt.defaults["betas"] == (0.9, 0.99)
    assert opt.defaults["weight_decay"] == 0.0
    p.grad = galton.tensor([0.5, -1e-6, 0.0])
    opt.step()
    # every coordinate moves by exactly lr, against the sign of its gradient (0 stays)
    np.testing.assert_allclose(p.detach().numpy(), [1.0 - 3e-4, -2.0 + 3e-4, 0.5], rtol=1e-7)
    assert list(opt.state[p]) == ["exp_avg"]
    np.testing.assert_allclose(opt.state[p]["exp_avg"].numpy(), [0.005, -1e-8, 0.0])


def test_lion_loss_goes_down_and_state_round_trip():
    start, data = _problem()
    ps, args = _make(galton, start, "float64")
    opt = galton.optim.Lion(args, lr=0.01, weight_decay=0.01)
    for _ in range(10):
        _set_grads(galton, ps, data)
        opt.step()
    ps2, args2 = _make(galton, {k: _numpy(p) for k, p in ps.items()}, "float64")
    opt2 = galton.optim.Lion(args2, lr=5.0)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.01
    for _ in range(10):
        for p_, o_ in ((ps, opt), (ps2, opt2)):
            _set_grads(galton, p_, data)
            o_.step()
    for k in ps:
        np.testing.assert_array_equal(_numpy(ps2[k]), _numpy(ps[k]))


@pytest.mark.parametrize("kwargs,msg", [({"lr": -1e-4}, "Invalid learning rate: -0.0001"),
                                        ({"lr": math.nan}, "Invalid learning rate: nan"),
                                        ({"betas": (1.0, 0.99)}, "Invalid beta parameter at index 0"),
                                        ({"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1"),
                                        ({"weight_decay": -1}, "Invalid weight_decay value: -1")])
def test_lion_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        galton.optim.Lion([galton.tensor([1.0], requires_grad=True)], **kwargs)
    with pytest.raises(TypeError, match="unexpected keyword argument 'eps'"):
        galton.optim.Lion([galton.tensor([1.0], requires_grad=True)], eps=1e-8)


# --- Adafactor -------------------------------------------------------------------------------
ADAFACTOR = [{}, {"lr": 0.05}, {"lr": 0.05, "beta2_decay": -0.5, "d": 2.0},
             {"lr": 0.05, "weight_decay": 0.1}, {"lr": 0.02, "eps": (1e-20, 1e-2)},
             {"lr": 0.05, "maximize": True}]


@pytest.mark.parametrize("kwargs", ADAFACTOR)
def test_adafactor_matches_torch_float64(kwargs):
    gp, tp, _, _ = _run("Adafactor", kwargs, steps=100)
    _assert_same(gp, tp, rtol=1e-9)


def test_adafactor_matches_torch_float32():
    gp, tp, _, _ = _run("Adafactor", {"lr": 0.01}, steps=30, dtype="float32")
    _assert_same(gp, tp, rtol=1e-5, atol=1e-6)


def test_adafactor_skips_params_without_grad_and_groups():
    gp, tp, _, _ = _run("Adafactor", {"lr": 0.05}, steps=30, skip_every=3)
    _assert_same(gp, tp, rtol=1e-9)
    groups = [{"params": ["W", "b"]}, {"params": ["s", "V"], "lr": 0.002, "d": 1.5}]
    gp, tp, _, _ = _run("Adafactor", {"lr": 0.05}, steps=30, groups=groups)
    _assert_same(gp, tp, rtol=1e-9)


def test_adafactor_state_is_factored_like_torch():
    _, _, gopt, topt = _run("Adafactor", {"lr": 0.05}, steps=5)
    g, t = _comparable(gopt.state_dict()), _comparable(topt.state_dict())
    assert g["param_groups"] == t["param_groups"]
    for k in t["state"]:
        assert g["state"][k].keys() == t["state"][k].keys()
        for key, tv in t["state"][k].items():
            assert g["state"][k][key].shape == tv.shape and g["state"][k][key].dtype == tv.dtype
            np.testing.assert_allclose(g["state"][k][key], tv, rtol=1e-9, err_msg=key)
    assert g["state"][0]["row_var"].shape == (3, 1) and g["state"][0]["col_var"].shape == (1, 4)


def test_adafactor_3d_parameter():
    """Batched matrices: the factored moments live on the last two dims."""
    rng = np.random.default_rng(3)
    x0, g = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    out = []
    for lib in (galton, torch):
        x = lib.tensor(x0, requires_grad=True)
        opt = lib.optim.Adafactor([x], lr=0.05)
        for i in range(5):
            x.grad = lib.tensor(g * (i + 1))
            opt.step()
        out.append(_numpy(x))
    np.testing.assert_allclose(out[0], out[1], rtol=1e-9)


@pytest.mark.parametrize("kwargs,msg", [
    ({"lr": -0.1}, "Learning rate should be >= 0 but is: -0.1"),
    ({"lr": math.nan}, "Learning rate should be >= 0 but is: nan"),
    ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
    ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
    ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
    ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
    ({"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
])
def test_adafactor_errors_like_torch(kwargs, msg):
    for lib in (galton, torch):
        with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
            lib.optim.Adafactor([lib.tensor([1.0], requires_grad=True)], **kwargs)
