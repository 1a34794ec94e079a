"""The fused recurrent kernels (galton/ops/rnn.py) in the cases tests/nn/test_rnn.py does not
reach: the forward without a graph (the GRU kernel then skips its backward factors), weights
that need no gradient with packed inputs and no biases, and a second backward through the
same graph (the kernels' saved arrays come from a reused pool and must survive the first)."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.nn.utils import rnn as grnn

RNG = np.random.default_rng(0)
KINDS = [("RNN", {}), ("RNN", dict(nonlinearity="relu")), ("GRU", {}), ("LSTM", {})]


def twin(kind, *args, **kw):
    """A torch layer and a galton one with the same weights."""
    t = getattr(torch.nn, kind)(*args, **kw)
    g = getattr(gnn, kind)(*args, **kw)
    g.load_state_dict({k: galton.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, g


def first(out):
    """The output sequence's data (a PackedSequence's too)."""
    out = out[0]
    return out.data if hasattr(out, "batch_sizes") else out


@pytest.mark.parametrize("kind, extra", KINDS)
@pytest.mark.parametrize("packed", [False, True])
def test_forward_without_graph(kind, extra, packed):
    t, g = twin(kind, 3, 5, 2, bidirectional=True, **extra)
    x = RNG.standard_normal((6, 4, 3)).astype("f4")
    tx, gx = torch.tensor(x), galton.tensor(x, requires_grad=True)
    if packed:
        lengths = [6, 5, 3, 1]
        tx = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths)
        gx = grnn.pack_padded_sequence(gx, lengths)
    with torch.no_grad():
        tout = t(tx)
    with galton.no_grad():
        gout = g(gx)
    assert first(gout).grad_fn is None
    np.testing.assert_allclose(first(gout).numpy(), first(tout).numpy(), rtol=1e-4, atol=1e-5)
    th, gh = (tout[1][0], gout[1][0]) if kind == "LSTM" else (tout[1], gout[1])
    np.testing.assert_allclose(gh.numpy(), th.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind, extra", KINDS)
def test_frozen_weights_packed_without_bias(kind, extra):
    t, g = twin(kind, 3, 5, bidirectional=True, bias=False, **extra)
    for p in list(t.parameters()) + list(g.parameters()):
        p.requires_grad_(False)
    x = RNG.standard_normal((5, 3, 3)).astype("f4")
    tx, gx = torch.tensor(x, requires_grad=True), galton.tensor(x, requires_grad=True)
    lengths = [5, 3, 2]
    tout = t(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths))
    gout = g(grnn.pack_padded_sequence(gx, lengths))
    w = RNG.standard_normal(tuple(first(tout).shape)).astype("f4")
    (first(tout) * torch.tensor(w)).sum().backward()
    (first(gout) * galton.tensor(w)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert all(p.grad is None for p in g.parameters())


@pytest.mark.parametrize("kind, extra", KINDS)
def test_second_backward_with_retain_graph(kind, extra):
    # big enough (T * B * H = 16384) for the saved arrays to come from the pool
    t, g = twin(kind, 3, 64, **extra)
    x = RNG.standard_normal((16, 16, 3)).astype("f4")
    tx, gx = torch.tensor(x, requires_grad=True), galton.tensor(x, requires_grad=True)
    tl, gl = first(t(tx)).sum(), first(g(gx)).sum()
    tl.backward(retain_graph=True)
    gl.backward(retain_graph=True)
    for _ in range(3):  # other calls in between take the pool's free arrays
        g(galton.tensor(RNG.standard_normal((16, 16, 3)).astype("f4")))[0].sum().backward()
    g.zero_grad()
    gx.grad = None
    tx.grad = None
    t.zero_grad()
    tl.backward()
    gl.backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    tp = dict(t.named_parameters())
    for name, p in g.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=name)
