"""Second derivatives of galton against PyTorch: the helper the create_graph tests share."""
import numpy as np
import torch

import galton


def second_derivatives(lib, fn, arrays, seed):
    """First derivatives of sum(fn(inputs) * v) with create_graph, then the derivatives of
    sum_i sum(grad_i * w_i): the Hessian-vector products every double backward must give."""
    rng = np.random.default_rng(seed)
    ins = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    diff = [x for x in ins if x.requires_grad]
    out = fn(lib, *ins)
    outs = out if isinstance(out, (tuple, list)) else [out]
    outs = [o for o in outs if o.requires_grad]
    vs = [lib.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    total = sum((o * v.to(o.dtype)).sum() for o, v in zip(outs, vs))
    firsts = lib.autograd.grad(total, diff, create_graph=True, allow_unused=True)
    ws = [lib.tensor(rng.standard_normal(tuple(x.shape))) for x in diff]
    s = sum((f * w.to(f.dtype)).sum() for f, w in zip(firsts, ws) if f is not None)
    if not getattr(s, "requires_grad", False):
        return [f.detach().numpy() if f is not None else None for f in firsts], [None] * len(diff)
    seconds = lib.autograd.grad(s, diff, allow_unused=True)
    return ([f.detach().numpy() if f is not None else None for f in firsts],
            [g.detach().numpy() if g is not None else None for g in seconds])


def compare_twice(fn, shapes=None, *, inputs=None, dtype="float64", seed=0, rtol=1e-6,
                  atol=1e-8, positive=False):
    """Compare the first and second derivatives of fn(lib, *tensors) in galton and torch."""
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if positive:
            inputs = [np.abs(a) + 0.5 for a in inputs]
    g1, g2 = second_derivatives(galton, fn, inputs, seed + 1)
    t1, t2 = second_derivatives(torch, fn, inputs, seed + 1)
    for name, gs, ts in (("first", g1, t1), ("second", g2, t2)):
        for i, (a, b) in enumerate(zip(gs, ts)):
            if b is None or a is None:
                assert (a is None or np.allclose(a, 0)) and (b is None or np.allclose(b, 0)), \
                    f"{name} derivative of input {i}: {a} vs torch {b}"
                continue
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol,
                                       err_msg=f"{name} derivative of input {i}")
