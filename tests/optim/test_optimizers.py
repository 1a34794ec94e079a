"""galton.optim optimizers against torch.optim: the same problem, the same steps, the same
parameters at the end; state dicts; error cases."""
import math

import numpy as np
import pytest
import torch

import galton

torch.set_num_threads(1)

SHAPES = {"W": (3, 4), "b": (3,), "s": (), "V": (2, 5)}


def _problem(seed=0):
    """Start values of four parameters of different shapes, and the data of a smooth loss."""
    rng = np.random.default_rng(seed)
    start = {k: rng.standard_normal(s) for k, s in SHAPES.items()}
    data = {"X": rng.standard_normal((4, 6)), "Y": rng.standard_normal((3, 6)),
            "T": rng.standard_normal((2, 5))}
    return start, data


def _grads(vals, data):
    """Gradient of sum((W@X + b - Y)^2) + sum((s*V - T)^2) + sum(V^4)/4 at vals (NumPy)."""
    r = vals["W"] @ data["X"] + vals["b"][:, None] - data["Y"]
    q = vals["s"] * vals["V"] - data["T"]
    return {"W": 2 * r @ data["X"].T, "b": 2 * r.sum(1), "s": np.asarray(2 * (q * vals["V"]).sum()),
            "V": 2 * vals["s"] * q + vals["V"] ** 3}


def _make(lib, start, dtype, groups=None):
    """Parameters as leaf tensors of lib, and the params argument of the optimizer."""
    if lib is galton:
        ps = {k: galton.tensor(v.astype(dtype), requires_grad=True) for k, v in start.items()}
    else:
        ps = {k: torch.tensor(v.astype(dtype), requires_grad=True) for k, v in start.items()}
    if groups is None:
        return ps, list(ps.values())
    return ps, [dict(g, params=[ps[k] for k in g["params"]]) for g in groups]


def _numpy(t):
    return t.detach().numpy().copy()


def _set_grads(lib, ps, data, skip=(), sign=1.0):
    """Gradients computed in NumPy from the parameters' current values (sign=-1: of -loss,
    so that maximize=True climbs towards the same optimum)."""
    vals = {k: _numpy(p).astype(np.float64) for k, p in ps.items()}
    g = _grads(vals, data)
    for k, p in ps.items():
        if k in skip:
            p.grad = None
        else:
            p.grad = lib.tensor(np.asarray(sign * g[k], dtype=_numpy(p).dtype))


def _run(name, kwargs, steps=50, dtype="float64", groups=None, skip_every=0):
    """Run galton's and torch's optimizer `name` side by side; return both parameter sets."""
    start, data = _problem()
    gp, gargs = _make(galton, start, dtype, groups)
    tp, targs = _make(torch, start, dtype, groups)
    gopt = getattr(galton.optim, name)(gargs, **kwargs)
    topt = getattr(torch.optim, name)(targs, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    for i in range(steps):
        # every skip_every-th step "b" has no gradient: both must leave it (and its state) alone
        skip = ("b",) if skip_every and i % skip_every == 0 else ()
        _set_grads(galton, gp, data, skip, sign)
        _set_grads(torch, tp, data, skip, sign)
        gopt.step()
        topt.step()
    return gp, tp, gopt, topt


def _assert_same(gp, tp, rtol, atol=1e-12):
    for k in gp:
        np.testing.assert_allclose(_numpy(gp[k]), _numpy(tp[k]), rtol=rtol, atol=atol,
                                   err_msg=f"parameter {k}")


CASES = [
    ("SGD", {"lr": 0.01}),
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.005, "weight_decay": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.005, "momentum": 0.8, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.8), "eps": 1e-3}),
    ("Adam", {"lr": 0.01, "maximize": True, "amsgrad": True, "weight_decay": 0.01}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.0}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_torch_float64(name, kwargs):
    gp, tp, _, _ = _run(name, kwargs)
    _assert_same(gp, tp, rtol=1e-9)


# float32 rounding differs from torch's in the last bit (torch fuses some multiply-adds), and
# Adam-like steps near the optimum amplify that; these settings stay in the smooth regime
F32_CASES = [("SGD", {"lr": 0.01, "momentum": 0.9}), ("Adam", {"lr": 0.01, "amsgrad": True}),
             ("AdamW", {"lr": 0.01, "weight_decay": 0.5}),
             ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}),
             ("Adagrad", {"lr": 0.1, "lr_decay": 0.01})]


@pytest.mark.parametrize("name,kwargs", F32_CASES)
def test_matches_torch_float32(name, kwargs):
    gp, tp, _, _ = _run(name, kwargs, dtype="float32")
    assert gp["W"].dtype == galton.float32
    _assert_same(gp, tp, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", [CASES[1], CASES[9], CASES[17], CASES[22]])
def test_params_without_grad_are_skipped(name, kwargs):
    gp, tp, _, _ = _run(name, kwargs, steps=20, skip_every=3)
    _assert_same(gp, tp, rtol=1e-9)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_param_groups_with_own_options(name):
    extra = {"SGD": {"momentum": 0.9}, "Adam": {"betas": (0.5, 0.9)}, "RMSprop": {"alpha": 0.9},
             "Adagrad": {"lr_decay": 0.1}}[name]
    groups = [{"params": ["W", "b"]}, dict({"params": ["s", "V"], "lr": 0.002}, **extra)]
    gp, tp, gopt, topt = _run(name, {"lr": 0.01}, groups=groups)
    _assert_same(gp, tp, rtol=1e-9)
    assert gopt.param_groups[1]["lr"] == 0.002 and gopt.param_groups[0]["lr"] == 0.01
    assert set(gopt.param_groups[0]) == set(topt.param_groups[0])


def _comparable(sd):
    """A state dict with tensors turned into arrays, for comparing galton's with torch's."""
    if isinstance(sd, (galton.Tensor, torch.Tensor)):
        return _numpy(sd)
    if isinstance(sd, dict):
        return {k: _comparable(v) for k, v in sd.items()}
    if isinstance(sd, (list, tuple)):
        return type(sd)(_comparable(v) for v in sd)
    return sd


@pytest.mark.parametrize("name,kwargs", [CASES[1], CASES[10], CASES[14], CASES[19], CASES[23]])
def test_state_dict_layout_matches_torch(name, kwargs):
    _, _, gopt, topt = _run(name, kwargs, steps=3)
    g, t = _comparable(gopt.state_dict()), _comparable(topt.state_dict())
    assert g["param_groups"] == t["param_groups"]
    assert g["state"].keys() == t["state"].keys()
    for k in t["state"]:
        assert g["state"][k].keys() == t["state"][k].keys()
        for key, tv in t["state"][k].items():
            gv = g["state"][k][key]
            assert gv.dtype == tv.dtype, (key, gv.dtype, tv.dtype)
            np.testing.assert_allclose(gv, tv, rtol=1e-9, err_msg=key)


@pytest.mark.parametrize("name,kwargs", [CASES[3], CASES[12], CASES[14], CASES[19], CASES[22]])
def test_state_dict_round_trip(name, kwargs):
    """Save after 20 steps, load into a fresh optimizer, continue: same as never stopping."""
    start, data = _problem()
    ref, ref_args = _make(galton, start, "float64")
    ref_opt = getattr(galton.optim, name)(ref_args, **kwargs)
    for _ in range(50):
        _set_grads(galton, ref, data)
        ref_opt.step()

    ps, args = _make(galton, start, "float64")
    opt = getattr(galton.optim, name)(args, **kwargs)
    for _ in range(20):
        _set_grads(galton, ps, data)
        opt.step()
    saved = opt.state_dict()
    ps2, args2 = _make(galton, {k: _numpy(p) for k, p in ps.items()}, "float64")
    opt2 = getattr(galton.optim, name)(args2, lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    assert opt2.param_groups[0]["params"][0] is ps2["W"]
    for _ in range(30):
        _set_grads(galton, ps, data)  # the first optimizer goes on: the two must not share buffers
        opt.step()
        _set_grads(galton, ps2, data)
        opt2.step()
    for k in ref:
        np.testing.assert_array_equal(_numpy(ps2[k]), _numpy(ref[k]), err_msg=k)
        np.testing.assert_array_equal(_numpy(ps[k]), _numpy(ref[k]), err_msg=k)


def test_load_state_dict_casts_buffers_to_param_dtype_but_not_step():
    p = galton.tensor(np.ones(3, dtype="float32"), requires_grad=True)
    opt = galton.optim.Adam([p])
    state = {"state": {0: {"step": galton.tensor(4.0),
                           "exp_avg": galton.tensor(np.ones(3)),
                           "exp_avg_sq": galton.tensor(np.ones(3))}},
             "param_groups": [dict(opt.state_dict()["param_groups"][0])]}
    opt.load_state_dict(state)
    st = opt.state[p]
    assert st["exp_avg"].dtype == galton.float32
    assert st["step"].dtype == galton.float32 and st["step"].item() == 4.0
    assert st["exp_avg"]._data is not state["state"][0]["exp_avg"]._data


def test_load_state_dict_accepts_json_style_keys_and_numbers():
    p = galton.tensor(np.ones(3), requires_grad=True)
    opt = galton.optim.Adam([p], lr=0.1)
    sd = opt.state_dict()
    saved = {"state": {"0": {"step": 2.0, "exp_avg": np.full(3, 0.5),
                             "exp_avg_sq": np.full(3, 0.25)}},
             "param_groups": [dict(sd["param_groups"][0], betas=[0.9, 0.999])]}
    opt.load_state_dict(saved)
    assert opt.state[p]["step"].item() == 2.0
    assert isinstance(opt.state[p]["exp_avg"], galton.Tensor)
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    p.grad = galton.tensor(np.ones(3))
    opt.step()
    assert opt.state[p]["step"].item() == 3.0


def test_closure_and_galton_autograd():
    """A closure that computes the loss with galton ops; the same run in torch."""
    start, data = _problem()
    results = []
    for lib in (galton, torch):
        ps, args = _make(lib, start, "float64")
        opt = lib.optim.SGD(args, lr=0.01, momentum=0.9)
        X, Y = lib.tensor(data["X"]), lib.tensor(data["Y"])

        def closure():
            opt.zero_grad()
            loss = ((ps["W"] @ X + ps["b"].reshape(3, 1) - Y) ** 2).sum()
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(30)]
        results.append((losses, _numpy(ps["W"])))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    assert results[0][0][-1] < results[0][0][0]


def test_step_updates_in_place():
    p = galton.tensor([1.0, 2.0], requires_grad=True)
    arr = p._data
    opt = galton.optim.SGD([p], lr=0.5)
    p.grad = galton.tensor([1.0, 1.0])
    opt.step()
    assert p._data is arr and p.tolist() == [0.5, 1.5]
    assert p.grad.tolist() == [1.0, 1.0]  # the gradient itself is left alone
    assert p.is_leaf and p.requires_grad


def test_momentum_buffer_does_not_alias_grad():
    p = galton.tensor([1.0, 2.0], requires_grad=True)
    opt = galton.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = galton.tensor([1.0, 1.0])
    opt.step()
    p.grad._data[...] = 5.0
    assert opt.state[p]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_zero_grad():
    p = galton.tensor([1.0, 2.0], requires_grad=True)
    q = galton.tensor([3.0], requires_grad=True)
    opt = galton.optim.SGD([p, q], lr=0.1)
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and g.tolist() == [0.0, 0.0] and q.grad is None
    opt.zero_grad()
    assert p.grad is None


def test_named_parameters_and_add_param_group():
    w = galton.tensor([1.0], requires_grad=True)
    b = galton.tensor([2.0], requires_grad=True)
    opt = galton.optim.Adagrad([("w", w)], lr=0.5)
    assert opt.param_groups[0]["param_names"] == ["w"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [b]})
    opt2 = galton.optim.Adagrad([w], lr=0.5)
    opt2.add_param_group({"params": b, "lr": 0.1})
    assert opt2.param_groups[1]["lr"] == 0.1 and opt2.param_groups[1]["lr_decay"] == 0
    b.grad = galton.tensor([1.0])
    opt2.step()  # state of a late group is made on first use
    assert b.item() == pytest.approx(2.0 - 0.1 / (1 + 1e-10))


def test_repr_lists_group_options():
    opt = galton.optim.SGD([galton.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    momentum: 0.9\n" in text


# --- errors ----------------------------------------------------------------------------------
def _p():
    return galton.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("make,exc,msg", [
    (lambda: galton.optim.SGD([]), ValueError, "optimizer got an empty parameter list"),
    (lambda: galton.optim.SGD(_p()), TypeError, "should be an iterable of Tensors or dicts"),
    (lambda: galton.optim.SGD([1.0]), TypeError, "can only optimize Tensors, but one of the "
                                                 "params is float"),
    (lambda: galton.optim.SGD([_p() * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda: galton.optim.SGD([_p()], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda: galton.optim.SGD([_p()], lr=math.nan), ValueError, "Invalid learning rate: nan"),
    (lambda: galton.optim.Adam([_p()], lr=-1), ValueError, "Invalid learning rate: -1"),
    (lambda: galton.optim.SGD([_p()], momentum=-0.5), ValueError, "Invalid momentum value"),
    (lambda: galton.optim.SGD([_p()], weight_decay=-1), ValueError, "Invalid weight_decay"),
    (lambda: galton.optim.SGD([_p()], nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: galton.optim.SGD([_p()], momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: galton.optim.Adam([_p()], betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda: galton.optim.Adam([_p()], betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    (lambda: galton.optim.AdamW([_p()], eps=-1e-8), ValueError, "Invalid epsilon value"),
    (lambda: galton.optim.RMSprop([_p()], alpha=-0.1), ValueError, "Invalid alpha value"),
    (lambda: galton.optim.Adagrad([_p()], lr_decay=-0.1), ValueError, "Invalid lr_decay value"),
    (lambda: galton.optim.Adagrad([_p()], initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value"),
    (lambda: galton.optim.SGD([_p()], lr=0.1, foo=1), TypeError, "unexpected keyword argument"),
    (lambda: galton.optim.Adam([_p()], differentiable=True), NotImplementedError,
     "differentiable"),
    (lambda: galton.optim.SGD([{"params": {_p()}}]), TypeError, "ordered collections"),
])
def test_errors(make, exc, msg):
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_error_parameter_in_two_groups():
    p = _p()
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                         "group"):
        galton.optim.SGD([{"params": [p]}, {"params": [p, _p()]}], lr=0.1)
    opt = galton.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_error_required_option_missing():
    from galton.optim.optimizer import Optimizer, required

    class Mine(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Mine([_p()])
    assert Mine([{"params": [_p()], "lr": 0.3}]).param_groups[0]["lr"] == 0.3


def test_errors_load_state_dict_mismatch():
    a, b, c = _p(), _p(), _p()
    opt = galton.optim.SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        galton.optim.SGD([a, b, c], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that "
                                         "doesn't match the size of optimizer's group"):
        galton.optim.SGD([{"params": [a]}, {"params": [b, c]}], lr=0.1).load_state_dict(sd)


def test_base_step_is_abstract():
    from galton.optim import Optimizer
    with pytest.raises(NotImplementedError):
        Optimizer([_p()], {"lr": 0.1}).step()
