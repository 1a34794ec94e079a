"""galton.optim.lr_scheduler against torch.optim.lr_scheduler: the same learning rates (and
momenta) for 200 steps, state-dict round trips, warnings and error cases."""
import warnings

import numpy as np
import pytest
import torch

import galton

torch.set_num_threads(1)


def _opt(lib, kind="SGD"):
    """An optimizer with two param groups of different lr (no gradients: steps are no-ops)."""
    a = lib.tensor([1.0], requires_grad=True)
    b = lib.tensor([2.0], requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.Adagrad(groups, lr=0.1)


def _record(opt, sched):
    mom = [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]
    return list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], mom


def _run(lib, make, steps=200, kind="SGD", metrics=None):
    opt = _opt(lib, kind)
    sched = make(lib.optim.lr_scheduler, opt)
    out = [_record(opt, sched)]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        out.append(_record(opt, sched))
    return out, opt, sched


def _assert_same_sequence(g, t):
    assert len(g) == len(t)
    for i, (gs, ts) in enumerate(zip(g, t)):
        for gv, tv in zip(gs[0] + gs[1], ts[0] + ts[1]):
            assert gv == pytest.approx(tv, rel=1e-13, abs=1e-16), f"step {i}: lr {gv} vs {tv}"
        for (gm, gb), (tm, tb) in zip(gs[2], ts[2]):
            for gx, tx in ((gm, tm), (gb, tb)):
                assert (gx is None) == (tx is None)
                if tx is not None:
                    assert gx == pytest.approx(tx, rel=1e-13), f"step {i}: momentum {gx} vs {tx}"


# (id, optimizer kind, lambda L, opt: scheduler)
CASES = [
    ("LambdaLR", "SGD", lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e)),
    ("LambdaLR-list", "SGD", lambda L, o: L.LambdaLR(o, [lambda e: 0.95 ** e,
                                                          lambda e: 1 / (1 + e)])),
    ("MultiplicativeLR", "SGD", lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97)),
    ("StepLR", "SGD", lambda L, o: L.StepLR(o, step_size=30, gamma=0.5)),
    ("MultiStepLR", "SGD", lambda L, o: L.MultiStepLR(o, [30, 80, 80, 150], gamma=0.5)),
    ("ExponentialLR", "Adam", lambda L, o: L.ExponentialLR(o, 0.98)),
    ("CosineAnnealingLR", "SGD", lambda L, o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001)),
    ("CosineAnnealingLR-30", "SGD", lambda L, o: L.CosineAnnealingLR(o, T_max=30)),
    ("WarmRestarts-mult2", "SGD",
     lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=1e-4)),
    ("WarmRestarts", "SGD", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7)),
    ("LinearLR", "SGD", lambda L, o: L.LinearLR(o, start_factor=0.1, total_iters=20)),
    ("LinearLR-down", "SGD",
     lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=50)),
    ("ConstantLR", "SGD", lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=10)),
    ("PolynomialLR", "SGD", lambda L, o: L.PolynomialLR(o, total_iters=50, power=2.0)),
    ("SequentialLR", "SGD", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=10), L.CosineAnnealingLR(o, T_max=190)],
        milestones=[10])),
    ("SequentialLR-3", "SGD", lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.1, total_iters=5), L.ExponentialLR(o, 0.9),
            L.StepLR(o, step_size=10)], milestones=[5, 60])),
    ("ChainedScheduler", "SGD", lambda L, o: L.ChainedScheduler(
        [L.ExponentialLR(o, 0.99), L.StepLR(o, step_size=25, gamma=0.5)])),
    ("OneCycleLR", "SGD", lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=200)),
    ("OneCycleLR-linear-3phase", "SGD", lambda L, o: L.OneCycleLR(
        o, max_lr=0.3, total_steps=200, anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR-Adam", "Adam", lambda L, o: L.OneCycleLR(o, max_lr=0.01, epochs=10,
                                                          steps_per_epoch=20, pct_start=0.25)),
    ("CyclicLR", "SGD", lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=15)),
    ("CyclicLR-triangular2", "SGD", lambda L, o: L.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=15, step_size_down=10,
        mode="triangular2")),
    ("CyclicLR-exp_range-Adam", "Adam", lambda L, o: L.CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=12, mode="exp_range", gamma=0.99)),
    ("CyclicLR-scale_fn", "Adagrad", lambda L, o: L.CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=8, scale_fn=lambda x: 0.5 ** x,
        scale_mode="iterations", cycle_momentum=False)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,kind,make", CASES, ids=IDS)
def test_matches_torch_for_200_steps(name, kind, make):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right call order must not warn
        g, _, _ = _run(galton, make, kind=kind)
    t, _, _ = _run(torch, make, kind=kind)
    _assert_same_sequence(g, t)


def _plateau_metrics():
    rng = np.random.default_rng(0)
    down = [1.0 / (1 + i) for i in range(30)]
    flat = list(0.03 + 0.01 * rng.standard_normal(100))
    up = [0.5 + 0.01 * i for i in range(70)]
    return down + flat + up


PLATEAU = [
    ("min", lambda L, o: L.ReduceLROnPlateau(o, patience=3, cooldown=2, min_lr=[1e-3, 1e-4])),
    ("max-abs", lambda L, o: L.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=5,
                                                 threshold=0.1, threshold_mode="abs")),
    ("min-abs-eps", lambda L, o: L.ReduceLROnPlateau(o, factor=0.5, patience=0,
                                                     threshold_mode="abs", eps=1e-3)),
    ("max-rel", lambda L, o: L.ReduceLROnPlateau(o, mode="max", patience=2, min_lr=0.01)),
]


@pytest.mark.parametrize("name,make", PLATEAU, ids=[p[0] for p in PLATEAU])
def test_reduce_on_plateau_matches_torch(name, make):
    metrics = _plateau_metrics()
    # a 0-d tensor is a metric too (the loss of the epoch)
    g, _, gs = _run(galton, make, metrics=[galton.from_numpy(np.array(m, dtype=np.float64))
                                           for m in metrics])
    t, _, ts = _run(torch, make, metrics=metrics)
    _assert_same_sequence(g, t)
    assert (gs.best, gs.num_bad_epochs, gs.cooldown_counter) == pytest.approx(
        (ts.best, ts.num_bad_epochs, ts.cooldown_counter))
    assert len({lr for lrs, _, _ in g for lr in lrs}) > 2  # the lr really was reduced


ROUND_TRIP = [c for c in CASES if c[0] in (
    "LambdaLR", "MultiplicativeLR", "MultiStepLR", "CosineAnnealingLR", "WarmRestarts-mult2",
    "LinearLR", "SequentialLR-3", "ChainedScheduler", "OneCycleLR", "CyclicLR-triangular2",
    "CyclicLR-exp_range-Adam", "PolynomialLR")] + [
    ("ReduceLROnPlateau", "SGD", PLATEAU[0][1])]


@pytest.mark.parametrize("name,kind,make", ROUND_TRIP, ids=[c[0] for c in ROUND_TRIP])
def test_state_dict_round_trip(name, kind, make):
    """Save optimizer and scheduler after 70 steps, load both into fresh ones, continue: the
    same lrs as an uninterrupted run."""
    metrics = _plateau_metrics() if name == "ReduceLROnPlateau" else None
    full, _, _ = _run(galton, make, kind=kind, metrics=metrics)
    first, opt, sched = _run(galton, make, steps=70, kind=kind, metrics=metrics)
    opt_sd, sched_sd = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_sd
    opt2 = _opt(galton, kind)
    sched2 = make(galton.optim.lr_scheduler, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    rest = []
    for i in range(70, 200):
        opt2.step()
        sched2.step() if metrics is None else sched2.step(metrics[i])
        rest.append(_record(opt2, sched2))
    assert first == full[:71]
    assert rest == full[71:]


@pytest.mark.parametrize("name,kind,make", CASES[:17:2] + [PLATEAU[0][:1] + ("SGD",)
                                                           + PLATEAU[0][1:]],
                         ids=IDS[:17:2] + ["ReduceLROnPlateau"])
def test_state_dict_keys_match_torch(name, kind, make):
    gs = make(galton.optim.lr_scheduler, _opt(galton, kind)).state_dict()
    ts = make(torch.optim.lr_scheduler, _opt(torch, kind)).state_dict()
    assert set(gs) == set(ts)


def test_initial_lr_and_base_lrs():
    opt = _opt(galton)
    sched = galton.optim.lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.base_lrs == [0.1, 0.05] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.05]
    opt.step(); sched.step(); opt.step(); sched.step()
    assert sched.last_epoch == 2 and sched.get_last_lr() == pytest.approx([0.01, 0.005])


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        galton.optim.lr_scheduler.StepLR(_opt(galton), step_size=2, last_epoch=5)


def test_step_with_epoch_uses_closed_form_and_warns():
    results = []
    for lib in (galton, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(7)
        results.append(sched.get_last_lr())
    assert results[0] == pytest.approx(results[1]) and results[0][0] == pytest.approx(0.025)


def test_warm_restarts_fractional_epochs_match_torch():
    results = []
    for lib in (galton, torch):
        opt = _opt(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2)
        lrs = []
        for e in np.arange(0, 40, 0.25):
            opt.step()
            sched.step(float(e))
            lrs.append(sched.get_last_lr()[0])
        results.append(lrs)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-13)


def test_warns_when_stepped_before_optimizer():
    opt = _opt(galton)
    sched = galton.optim.lr_scheduler.ExponentialLR(opt, 0.9)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = galton.optim.lr_scheduler.ExponentialLR(_opt(galton), 0.9)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


def test_callable_object_lambda_state_is_saved():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate ** epoch

    fn = Decay()
    sched = galton.optim.lr_scheduler.LambdaLR(_opt(galton), [fn, lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    fn2 = Decay()
    fn2.rate = 0.1
    sched2 = galton.optim.lr_scheduler.LambdaLR(_opt(galton), [fn2, lambda e: 1.0])
    sched2.load_state_dict(sd)
    assert fn2.rate == 0.5


def test_one_cycle_past_total_steps_raises():
    opt = _opt(galton)
    sched = galton.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total "
                                         "steps is 3"):
        sched.step()


@pytest.mark.parametrize("make,exc,msg", [
    (lambda L, o: L.StepLR("not an optimizer", 3), TypeError, "str is not an Optimizer"),
    (lambda L, o: L.ConstantLR(o, factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda L, o: L.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor"),
    (lambda L, o: L.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative factor"),
    (lambda L, o: L.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda L, o: L.MultiplicativeLR(o, 0.9), TypeError, "lr_lambda should be a function"),
    (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0), ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    (lambda L, o: L.OneCycleLR(o, max_lr=0.1), ValueError,
     "You must define either total_steps OR \\(epochs AND steps_per_epoch\\)"),
    (lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=0), ValueError,
     "Expected positive integer total_steps"),
    (lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), ValueError,
     "Expected float between 0 and 1 pct_start"),
    (lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
     ValueError, "anneal_strategy must be one of 'cos' or 'linear'"),
    (lambda L, o: L.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10), ValueError,
     "max_lr must have the same length as optimizer.param_groups"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="square"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda L, o: L.SequentialLR(o, [L.StepLR(o, 3), L.StepLR(o, 4)], milestones=[]),
     ValueError, "expects number of schedulers provided to be one more than the number of "
                 "milestone points"),
    (lambda L, o: L.SequentialLR(o, [], milestones=[]), ValueError,
     "expects at least one scheduler"),
    (lambda L, o: L.SequentialLR(o, [L.StepLR(o, 3), L.ReduceLROnPlateau(o)], milestones=[3]),
     ValueError, "does not support `ReduceLROnPlateau`"),
    (lambda L, o: L.ChainedScheduler([L.StepLR(o, 3), L.StepLR(_opt(galton), 3)]), ValueError,
     "expects all schedulers to belong to the same optimizer"),
    (lambda L, o: L.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda L, o: L.ReduceLROnPlateau(o, mode="median"), ValueError, "mode median is unknown!"),
    (lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError,
     "threshold mode pct is unknown!"),
    (lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
])
def test_errors(make, exc, msg):
    with pytest.raises(exc, match=msg):
        make(galton.optim.lr_scheduler, _opt(galton))


def test_cycle_momentum_needs_momentum():
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        galton.optim.lr_scheduler.CyclicLR(_opt(galton, "Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        galton.optim.lr_scheduler.OneCycleLR(_opt(galton, "Adagrad"), 0.1, total_steps=10)


def test_scheduler_drives_training():
    """The lr a scheduler sets is the one the optimizer uses on its next step."""
    p = galton.tensor([0.0], requires_grad=True)
    opt = galton.optim.SGD([p], lr=1.0)
    sched = galton.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = galton.tensor([-1.0])
        opt.step()
        sched.step()
    assert p.item() == pytest.approx(1.0 + 0.5 + 0.25)
