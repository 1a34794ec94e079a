"""Check galton against PyTorch (the oracle) and against finite differences.

    compare(lambda t, x, y: t.add(x, y), [(3, 4), (4,)])

runs the same function with ``t`` = galton and ``t`` = torch on the same random inputs,
compares outputs, then backpropagates the same random output gradient through both and
compares the input gradients.
"""
import numpy as np
import torch

import galton

torch.set_num_threads(1)


def _to_np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, galton.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def compare(fn, shapes, *, dtype="float32", grad=True, rtol=1e-4, atol=1e-5, seed=0,
            inputs=None, positive=False):
    """Run fn(module, *tensors) in galton and torch; compare forward and backward."""
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if positive:
            inputs = [np.abs(a) + 0.1 for a in inputs]
    g_in = [galton.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in inputs]
    t_in = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in inputs]
    g_out = fn(galton, *g_in)
    t_out = fn(torch, *t_in)
    g_outs = g_out if isinstance(g_out, (tuple, list)) else [g_out]
    t_outs = t_out if isinstance(t_out, (tuple, list)) else [t_out]
    for go, to in zip(g_outs, t_outs):
        assert tuple(go.shape) == tuple(to.shape), f"shape {tuple(go.shape)} vs torch {tuple(to.shape)}"
        assert str(go.dtype).split(".")[-1] == str(to.dtype).split(".")[-1], (go.dtype, to.dtype)
        np.testing.assert_allclose(_to_np(go), _to_np(to), rtol=rtol, atol=atol)
    if not grad:
        return g_out, t_out
    seeds = [rng.standard_normal(tuple(to.shape)).astype(_to_np(to).dtype) for to in t_outs]
    g_total = sum((go * galton.tensor(s)).sum() for go, s, to in zip(g_outs, seeds, t_outs)
                  if to.requires_grad)
    t_total = sum((to * torch.tensor(s)).sum() for to, s in zip(t_outs, seeds) if to.requires_grad)
    if isinstance(t_total, int):
        return g_out, t_out
    g_total.backward()
    t_total.backward()
    for i, (gi, ti) in enumerate(zip(g_in, t_in)):
        if ti.grad is None:
            assert gi.grad is None or np.allclose(gi.grad.numpy(), 0), f"input {i}: unexpected grad"
            continue
        assert gi.grad is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(gi.grad.numpy(), ti.grad.numpy(), rtol=rtol, atol=atol * 10,
                                   err_msg=f"gradient of input {i}")
    return g_out, t_out


def gradcheck(fn, shapes, seed=0, positive=False, **kw):
    """float64 finite-difference check of fn(galton, *tensors)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    xs = [galton.tensor(a, dtype=galton.float64, requires_grad=True) for a in arrays]
    assert galton.autograd.gradcheck(lambda *t: fn(galton, *t), xs, **kw)
