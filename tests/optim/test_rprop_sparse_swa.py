"""Rprop, SparseAdam and swa_utils (AveragedModel, SWALR, update_bn, the averaging functions)
against torch.optim: same trajectories, same state_dict layouts, same errors."""
import copy

import numpy as np
import pytest
import torch

import galton
from tests.optim.test_optimizers import _assert_same, _comparable, _run

torch.set_num_threads(1)

RPROP = [{}, {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
         {"lr": 0.02, "maximize": True}]


@pytest.mark.parametrize("kwargs", RPROP)
def test_rprop_matches_torch(kwargs):
    gp, tp, gopt, topt = _run("Rprop", kwargs, steps=60, skip_every=4)
    _assert_same(gp, tp, rtol=1e-9)
    g, t = _comparable(gopt.state_dict()), _comparable(topt.state_dict())
    assert g["param_groups"] == t["param_groups"]
    for k in t["state"]:
        assert list(g["state"][k]) == list(t["state"][k])
        for key in t["state"][k]:
            np.testing.assert_allclose(g["state"][k][key], t["state"][k][key], rtol=1e-9)
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 2"):
        galton.optim.Rprop([galton.zeros(1, requires_grad=True)], etas=(1.5, 2))


def _embedding_run(lib, steps, padding_idx=None, maximize=False):
    lib.manual_seed(0)
    emb = lib.nn.Embedding(12, 3, sparse=True, padding_idx=padding_idx)
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(np.arange(36, dtype="f4").reshape(12, 3) / 10))
    opt = lib.optim.SparseAdam(emb.parameters(), lr=0.1, betas=(0.8, 0.9), maximize=maximize)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        idx = lib.tensor(rng.integers(0, 12, (4, 2)))
        opt.zero_grad()
        out = emb(idx)
        (out ** 2 * lib.tensor([1.0, 0.0, 2.0])).sum().backward()  # column 1: zero gradient
        opt.step()
    return emb.weight.detach().numpy(), opt


@pytest.mark.parametrize("padding_idx, maximize", [(None, False), (3, False), (None, True)])
def test_sparse_adam_matches_torch_on_sparse_embedding(padding_idx, maximize):
    gw, gopt = _embedding_run(galton, 15, padding_idx, maximize)
    tw, topt = _embedding_run(torch, 15, padding_idx, maximize)
    np.testing.assert_allclose(gw, tw, rtol=1e-5, atol=1e-6)
    g, t = _comparable(gopt.state_dict()), _comparable(topt.state_dict())
    assert g["param_groups"] == t["param_groups"]
    assert list(g["state"][0]) == list(t["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert g["state"][0]["step"] == t["state"][0]["step"] == 15
    np.testing.assert_allclose(g["state"][0]["exp_avg_sq"], t["state"][0]["exp_avg_sq"],
                               rtol=1e-5, atol=1e-7)


def test_sparse_adam_refuses_dense_gradients():
    lin = galton.nn.Linear(2, 2)
    opt = galton.optim.SparseAdam(lin.parameters())
    lin(galton.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()
    emb = galton.nn.Embedding(4, 2)  # sparse=False: a dense gradient, as in PyTorch
    emb(galton.tensor([1])).sum().backward()
    with pytest.raises(RuntimeError, match="does not support dense gradients"):
        galton.optim.SparseAdam(emb.parameters()).step()


def _swa_run(lib, kw):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 1))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.tensor(np.linspace(-1, 1, p.numel(), dtype="f4").reshape(p.shape) + i))
    avg = lib.optim.swa_utils.AveragedModel(model, **kw(lib))
    opt = lib.optim.SGD(model.parameters(), lr=0.5)
    sched = lib.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear")
    rng = np.random.default_rng(0)
    lrs = []
    for _ in range(6):
        x = lib.tensor(rng.standard_normal((8, 3)).astype("f4"))
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
        avg.update_parameters(model)
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    data = [lib.tensor(rng.standard_normal((5, 3)).astype("f4")) for _ in range(3)]
    lib.optim.swa_utils.update_bn([(d, 0) for d in data], avg)
    return avg, lrs


@pytest.mark.parametrize("kw", [lambda lib: {}, lambda lib: {
    "multi_avg_fn": lib.optim.swa_utils.get_ema_multi_avg_fn(0.7)},
    lambda lib: {"avg_fn": lib.optim.swa_utils.get_ema_avg_fn(0.6), "use_buffers": True},
    lambda lib: {"avg_fn": lib.optim.swa_utils.get_swa_avg_fn()}])
def test_averaged_model_swalr_update_bn(kw):
    gavg, glrs = _swa_run(galton, kw=kw)
    tavg, tlrs = _swa_run(torch, kw=kw)
    np.testing.assert_allclose(glrs, tlrs, rtol=1e-12)
    gsd, tsd = gavg.state_dict(), tavg.state_dict()
    assert list(gsd) == list(tsd)
    for k in tsd:
        np.testing.assert_allclose(gsd[k].numpy(), tsd[k].numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=k)


def test_swalr_cosine_state_dict_and_errors():
    def lrs(lib):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        s = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.1], anneal_epochs=4)
        out = []
        for _ in range(6):
            opt.step()
            s.step()
            out.append(s.get_last_lr()[0])
        return out, s
    g, gs = lrs(galton)
    t, ts = lrs(torch)
    np.testing.assert_allclose(g, t, rtol=1e-12)
    assert sorted(gs.state_dict()) == sorted(ts.state_dict())
    opt = galton.optim.SGD([galton.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        galton.optim.swa_utils.SWALR(opt, 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="Invalid decay value"):
        galton.optim.swa_utils.get_ema_multi_avg_fn(1.5)
