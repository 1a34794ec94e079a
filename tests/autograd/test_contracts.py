"""Contracts PyTorch programs rely on: 0-d results and gradients are arrays (they can be
written in place), and ``grad_fn.next_functions`` has PyTorch's shape, order and names."""
import numpy as np
import pytest
import torch

import galton

F = galton.nn.functional

# ops whose result is 0-d; each entry is evaluated with t = galton and t = torch
ZERO_D = [
    "x.sum()", "x.mean()", "x.max()", "x.min()", "x.std()", "x.var()", "x.prod()", "x.norm()",
    "x[0, 1]", "x.sum() * 2", "w * 2", "w + w", "w - 1", "1 - w", "w / 3", "3 / w", "-w",
    "w ** 2", "w.exp()", "w.log()", "w.sin()", "w.tanh()", "w.sigmoid()", "w.relu()", "w.abs()",
    "w.sqrt()", "t.dot(x[0], x[0])", "x[0] @ x[0]", "x.argmax()", "x.amax()", "t.clamp(w, 0, 1)",
    "t.where(w > 0, w, w * 2)", "t.stack([w, w])[0]", "x.flatten()[0]", "w.float()", "w.double()",
    "w.clone()", "w.detach()", "w.reshape(())", "t.tensor(3.0) * t.tensor(2.0)",
    "t.nn.functional.mse_loss(x, x * 2)", "t.nn.functional.l1_loss(x, x * 2)",
    "t.nn.functional.cross_entropy(x, t.tensor([0, 1, 2]))",
    "t.nn.functional.binary_cross_entropy_with_logits(x, t.ones(3, 4))",
    "t.logsumexp(x, (0, 1))", "(x > 0).any()", "(x > 0).all()", "x.max(dim=0)[0][0]",
]


def _inputs(t):
    rng = np.random.default_rng(0)
    x = t.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    w = t.tensor(0.7, requires_grad=True)
    return x, w


@pytest.mark.parametrize("expr", ZERO_D)
def test_zero_d_results_are_arrays(expr):
    x, w = _inputs(galton)
    r = eval(expr, {"t": galton, "x": x, "w": w})
    tx, tw = _inputs(torch)
    tr = eval(expr, {"t": torch, "x": tx, "w": tw})
    assert r.shape == () == tuple(tr.shape)
    assert type(r._data) is np.ndarray
    np.testing.assert_allclose(r.detach().numpy(), tr.detach().numpy(), rtol=1e-5, atol=1e-6)
    if tr.requires_grad:
        r.backward()
        tr.backward()
        for leaf, tleaf in ((x, tx), (w, tw)):
            if tleaf.grad is None:
                continue
            assert type(leaf.grad._data) is np.ndarray
            np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-5,
                                       atol=1e-6)


def test_gradient_descent_by_hand_on_one_weight():
    # the book's worked example: x=2, y=6, w=1, lr 0.1 -> loss 16, gradient -16, w becomes 2.6
    x, y = galton.tensor(2.0), galton.tensor(6.0)
    w = galton.tensor(1.0, requires_grad=True)
    loss = (w * x - y) ** 2
    loss.backward()
    assert loss.item() == 16.0 and w.grad.item() == -16.0
    grad_ref = w.grad
    with galton.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
    assert w.item() == pytest.approx(2.6) and w.grad.item() == 0.0 and w.grad is grad_ref
    # a second step accumulates into the same zeroed 0-d gradient
    ((w * x - y) ** 2).backward()
    assert w.grad is grad_ref and w.grad.item() == pytest.approx(2 * (2.6 * 2 - 6) * 2)


def test_hooks_and_autograd_grad_see_arrays():
    w = galton.tensor(1.5, requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(type(g._data)))
    (g,) = galton.autograd.grad(w * w, w, retain_graph=True)
    assert type(g._data) is np.ndarray and g.item() == 3.0
    (w * w).backward()
    assert seen and all(s is np.ndarray for s in seen)
    w.grad.add_(1.0).mul_(2.0)
    assert w.grad.item() == 8.0


def _chain(fn):
    """(name, [(child name, index), ...]) of a grad_fn, as strings comparable across libraries."""
    return fn.name(), [(None if n is None else n.name(), i) for n, i in fn.next_functions]


NEXT = {
    "add": lambda t, x, c, W, b: x + c,
    "radd": lambda t, x, c, W, b: c + x,
    "mul": lambda t, x, c, W, b: x * x,
    "scalar_mul": lambda t, x, c, W, b: 2 * x,
    "sub": lambda t, x, c, W, b: x - 1,
    "mm": lambda t, x, c, W, b: x @ W.t(),
    "bmm": lambda t, x, c, W, b: t.bmm(x.view(1, 3, 4), x.view(1, 4, 3)),
    "mv": lambda t, x, c, W, b: x @ W[0],
    "dot": lambda t, x, c, W, b: x[0] @ W[0],
    "t": lambda t, x, c, W, b: x.t(),
    "pow": lambda t, x, c, W, b: x ** 2,
    "pow_tensor": lambda t, x, c, W, b: x ** c,
    "sum": lambda t, x, c, W, b: x.sum(),
    "mean_dim": lambda t, x, c, W, b: x.mean(1),
    "relu_exp": lambda t, x, c, W, b: x.exp().relu(),
    "view": lambda t, x, c, W, b: x.view(12),
    "squeeze": lambda t, x, c, W, b: x.view(1, 3, 4).squeeze(),
    "squeeze_dim": lambda t, x, c, W, b: x.view(1, 3, 4).squeeze(0),
    "select": lambda t, x, c, W, b: x[0],
    "cat": lambda t, x, c, W, b: t.cat([x, c, x]),
    "stack": lambda t, x, c, W, b: t.stack([x, x]),
    "where": lambda t, x, c, W, b: t.where(c > 0, x, c),
    "mse": lambda t, x, c, W, b: t.nn.functional.mse_loss(x, c),
    "softmax": lambda t, x, c, W, b: t.softmax(x, 1),
    "log_softmax": lambda t, x, c, W, b: t.log_softmax(x, 1),
    "sigmoid_tanh": lambda t, x, c, W, b: t.tanh(t.sigmoid(x)),
    "max_all": lambda t, x, c, W, b: x.max(),
    "permute": lambda t, x, c, W, b: x.permute(1, 0),
    "conv2d": lambda t, x, c, W, b: t.nn.functional.conv2d(x.view(1, 1, 3, 4), W[:2, :4].reshape(2, 1, 2, 2), b[:2]),
    "layer_norm": lambda t, x, c, W, b: t.nn.functional.layer_norm(x, (4,), W[0], b[:4]),
    # a number on the left: one entry (RsubBackward1, PowBackward2), not a None beside it
    "rsub_number": lambda t, x, c, W, b: 1.5 - x,
    "rsub_int": lambda t, x, c, W, b: 3 - x,
    "tensor_minus_tensor": lambda t, x, c, W, b: c - x,
    "pow_number_base": lambda t, x, c, W, b: 2 ** x,
    "pow_const_tensor_base": lambda t, x, c, W, b: c.abs() ** x,
    # targets, class weights and indices are not differentiable: no entries for them
    "nll_loss": lambda t, x, c, W, b: t.nn.functional.nll_loss(x, t.tensor([0, 3, 1])),
    "nll_loss_weight": lambda t, x, c, W, b: t.nn.functional.nll_loss(
        x, t.tensor([0, 3, 1]), weight=c[0].abs()),
    "bce": lambda t, x, c, W, b: t.nn.functional.binary_cross_entropy(
        x.sigmoid(), c.sigmoid(), weight=c.abs()),
    "bce_logits": lambda t, x, c, W, b: t.nn.functional.binary_cross_entropy_with_logits(
        x, c.sigmoid(), weight=c.abs(), pos_weight=c[0].abs()),
    "bce_logits_grad_target": lambda t, x, c, W, b: t.nn.functional.binary_cross_entropy_with_logits(
        x, x.sigmoid()),
    "embedding": lambda t, x, c, W, b: t.nn.functional.embedding(t.tensor([[0, 4], [2, 2]]), W),
}


def _leaves(t):
    rng = np.random.default_rng(1)
    x = t.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    c = t.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    W = t.tensor(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    b = t.tensor(rng.standard_normal(5).astype(np.float32), requires_grad=True)
    return x, c, W, b


@pytest.mark.parametrize("case", sorted(NEXT))
def test_next_functions_match_pytorch(case):
    g = NEXT[case](galton, *_leaves(galton)).grad_fn
    tt = NEXT[case](torch, *_leaves(torch)).grad_fn
    assert _chain(g) == _chain(tt)
    for (gn, gi), (tn, ti) in zip(g.next_functions, tt.next_functions):
        assert gi == ti == 0
        if tn is not None and tn.name() != "torch::autograd::AccumulateGrad":
            assert _chain(gn) == _chain(tn)


def test_linear_lists_bias_input_weight_like_addmm():
    # PyTorch's linear is addmm(bias, input, weight.t()): the weight sits behind a TBackward0.
    # galton's linear is one fused node, so its weight entry is the weight's AccumulateGrad
    # itself (a deliberate departure: one node less per layer on the hot path)
    for bias in (True, False):
        gl, tl = _leaves(galton), _leaves(torch)
        g = galton.nn.functional.linear(gl[0], gl[2], gl[3] if bias else None).grad_fn
        t = torch.nn.functional.linear(tl[0], tl[2], tl[3] if bias else None).grad_fn
        assert g.name() == t.name() == ("AddmmBackward0" if bias else "MmBackward0")
        assert len(g.next_functions) == len(t.next_functions)
        assert t.next_functions[-1][0].name() == "TBackward0"
        assert g.next_functions[-1][0].variable is gl[2]
        if bias:
            assert g.next_functions[0][0].variable is gl[3]
            assert t.next_functions[0][0].variable is tl[3]


def test_accumulate_grad_nodes_hold_their_leaf():
    x, c, W, b = _leaves(galton)
    y = galton.nn.functional.linear(x, W, b)
    acc = [n for n, _ in y.grad_fn.next_functions]
    assert [a.variable for a in acc] == [b, x, W]
    assert all(type(a).__name__ == "AccumulateGrad" for a in acc)
    loss = y.relu().sum()
    assert loss.grad_fn.next_functions[0][0].next_functions[0][0] is y.grad_fn
    assert x.grad_fn is None and x.is_leaf
