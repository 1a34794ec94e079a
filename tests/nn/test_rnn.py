"""RNN, LSTM, GRU and their cells against torch.nn with the same weights: outputs, final states,
input, initial-state and parameter gradients; packed sequences; PyTorch's errors."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from galton.nn.utils import rnn as grnn

RNG = np.random.default_rng(0)


def twin(t_module, g_module):
    """Load the torch module's weights into the galton one."""
    g_module.load_state_dict({k: galton.tensor(v.detach().numpy())
                              for k, v in t_module.state_dict().items()})
    return t_module, g_module


def pair(shape, dtype="f4"):
    a = RNG.standard_normal(shape).astype(dtype)
    return torch.tensor(a, requires_grad=True), galton.tensor(a, requires_grad=True)


def flat_outputs(out):
    """Every tensor in an RNN result (output, h_n or (h_n, c_n), PackedSequence data)."""
    if isinstance(out, (tuple, list)) and not hasattr(out, "batch_sizes"):
        return [t for o in out for t in flat_outputs(o)]
    if hasattr(out, "batch_sizes"):
        return [out.data]
    return [out]


def check(tm, gm, t_args, g_args, t_leaves, g_leaves, atol=1e-5):
    """Compare every output, then backpropagate the same random weights of every output and
    compare the gradients of the leaves and of every parameter."""
    touts, gouts = flat_outputs(tm(*t_args)), flat_outputs(gm(*g_args))
    assert len(touts) == len(gouts)
    t_loss, g_loss = 0, 0
    for to, go in zip(touts, gouts):
        assert tuple(go.shape) == tuple(to.shape)
        np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=atol)
        w = RNG.standard_normal(tuple(to.shape)).astype("f4")
        t_loss = t_loss + (to * torch.tensor(w)).sum()
        g_loss = g_loss + (go * galton.tensor(w)).sum()
    t_loss.backward()
    g_loss.backward()
    for tl, gl in zip(t_leaves, g_leaves):
        np.testing.assert_allclose(gl.grad.numpy(), tl.grad.numpy(), rtol=1e-4, atol=atol * 10)
    tparams = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4,
                                   atol=atol * 10, err_msg=name)


CONFIGS = [
    dict(),
    dict(num_layers=2),
    dict(bidirectional=True),
    dict(num_layers=3, bidirectional=True),
    dict(batch_first=True, num_layers=2, bidirectional=True),
    dict(bias=False),
    dict(batch_first=True, bias=False, bidirectional=True),
]
KINDS = [("RNN", {}), ("RNN", dict(nonlinearity="relu")), ("LSTM", {}), ("GRU", {})]


@pytest.mark.parametrize("cfg", CONFIGS)
@pytest.mark.parametrize("kind, extra", KINDS)
def test_stack_against_torch(kind, extra, cfg):
    tm, gm = twin(getattr(torch.nn, kind)(4, 6, **extra, **cfg),
                  getattr(gnn, kind)(4, 6, **extra, **cfg))
    shape = (3, 5, 4) if cfg.get("batch_first") else (5, 3, 4)
    tx, gx = pair(shape)
    check(tm, gm, (tx,), (gx,), [tx], [gx])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_initial_states_get_gradients(kind):
    L, D, N, H = 2, 2, 3, 5
    tm, gm = twin(getattr(torch.nn, kind)(4, H, L, bidirectional=True),
                  getattr(gnn, kind)(4, H, L, bidirectional=True))
    tx, gx = pair((6, N, 4))
    th, gh = pair((L * D, N, H))
    if kind == "LSTM":
        tc, gc = pair((L * D, N, H))
        check(tm, gm, (tx, (th, tc)), (gx, (gh, gc)), [tx, th, tc], [gx, gh, gc])
    else:
        check(tm, gm, (tx, th), (gx, gh), [tx, th], [gx, gh])


def test_lstm_projection():
    tm, gm = twin(torch.nn.LSTM(4, 6, 2, proj_size=3, bidirectional=True),
                  gnn.LSTM(4, 6, 2, proj_size=3, bidirectional=True))
    assert gm.weight_hr_l1_reverse.shape == (3, 6)
    assert gm.weight_hh_l0.shape == (24, 3)
    tx, gx = pair((5, 2, 4))
    th, gh = pair((4, 2, 3))
    tc, gc = pair((4, 2, 6))
    check(tm, gm, (tx, (th, tc)), (gx, (gh, gc)), [tx, th, tc], [gx, gh, gc])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input(kind, batch_first):
    tm, gm = twin(getattr(torch.nn, kind)(4, 5, 2, batch_first=batch_first),
                  getattr(gnn, kind)(4, 5, 2, batch_first=batch_first))
    tx, gx = pair((7, 4))
    th, gh = pair((2, 5))
    if kind == "LSTM":
        tc, gc = pair((2, 5))
        check(tm, gm, (tx, (th, tc)), (gx, (gh, gc)), [tx, th, tc], [gx, gh, gc])
    else:
        check(tm, gm, (tx, th), (gx, gh), [tx, th], [gx, gh])
    out, _ = gm(gx.detach())
    assert out.shape == (7, 5)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences(kind, enforce_sorted):
    """Different lengths, a bidirectional two-layer stack: outputs at padding are zero, final
    states are taken at each sequence's own end, the reverse direction starts there."""
    lengths = [6, 4, 4, 1] if enforce_sorted else [4, 6, 1, 4]
    tm, gm = twin(getattr(torch.nn, kind)(3, 5, 2, bidirectional=True),
                  getattr(gnn, kind)(3, 5, 2, bidirectional=True))
    tx, gx = pair((6, 4, 3))
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted)
    gp = grnn.pack_padded_sequence(gx, lengths, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(gp.batch_sizes.numpy(), tp.batch_sizes.numpy())
    th, gh = pair((4, 4, 5))
    t_hx, g_hx = th, gh
    leaves_t, leaves_g = [tx, th], [gx, gh]
    if kind == "LSTM":
        tc, gc = pair((4, 4, 5))
        t_hx, g_hx = (th, tc), (gh, gc)
        leaves_t.append(tc)
        leaves_g.append(gc)
    check(tm, gm, (tp, t_hx), (gp, g_hx), leaves_t, leaves_g)


def test_packed_round_trip_and_padding():
    tx, gx = pair((5, 3, 2))
    lengths = galton.tensor([2, 5, 3])
    gp = grnn.pack_padded_sequence(gx, lengths, enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, torch.tensor([2, 5, 3]), enforce_sorted=False)
    np.testing.assert_allclose(gp.data.detach().numpy(), tp.data.detach().numpy())
    np.testing.assert_array_equal(gp.sorted_indices.numpy(), tp.sorted_indices.numpy())
    np.testing.assert_array_equal(gp.unsorted_indices.numpy(), tp.unsorted_indices.numpy())
    for bf in (False, True):
        gpad, glen = grnn.pad_packed_sequence(gp, batch_first=bf, padding_value=-1.0,
                                              total_length=6)
        tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first=bf, padding_value=-1.0,
                                                            total_length=6)
        np.testing.assert_allclose(gpad.detach().numpy(), tpad.detach().numpy())
        np.testing.assert_array_equal(glen.numpy(), tlen.numpy())
    w = RNG.standard_normal((6, 3, 2)).astype("f4")
    (tpad * torch.tensor(w).transpose(0, 1)).sum().backward()
    (gpad * galton.tensor(w).transpose(0, 1)).sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy())


def test_pad_sequence_and_pack_sequence():
    arrays = [RNG.standard_normal((n, 2)).astype("f4") for n in (3, 5, 1)]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    gs = [galton.tensor(a, requires_grad=True) for a in arrays]
    for bf in (False, True):
        for side in ("right", "left"):
            t = torch.nn.utils.rnn.pad_sequence(ts, batch_first=bf, padding_value=2.0,
                                                padding_side=side)
            g = grnn.pad_sequence(gs, batch_first=bf, padding_value=2.0, padding_side=side)
            np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy())
    w = RNG.standard_normal(tuple(t.shape)).astype("f4")
    (t * torch.tensor(w)).sum().backward()
    (g * galton.tensor(w)).sum().backward()
    for a, b in zip(gs, ts):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    gp = grnn.pack_sequence([x.detach() for x in gs], enforce_sorted=False)
    tp = torch.nn.utils.rnn.pack_sequence([x.detach() for x in ts], enforce_sorted=False)
    np.testing.assert_allclose(gp.data.numpy(), tp.data.numpy())
    back = grnn.unpack_sequence(gp)
    for a, b in zip(back, arrays):
        np.testing.assert_allclose(a.numpy(), b)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        grnn.pack_sequence(gs)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells(kind, batched):
    tm, gm = twin(getattr(torch.nn, kind)(4, 5), getattr(gnn, kind)(4, 5))
    lead = (3,) if batched else ()
    tx, gx = pair(lead + (4,))
    th, gh = pair(lead + (5,))
    if kind == "LSTMCell":
        tc, gc = pair(lead + (5,))
        check(tm, gm, (tx, (th, tc)), (gx, (gh, gc)), [tx, th, tc], [gx, gh, gc])
    else:
        check(tm, gm, (tx, th), (gx, gh), [tx, th], [gx, gh])


def test_cells_default_state_and_relu():
    tm, gm = twin(torch.nn.RNNCell(4, 5, nonlinearity="relu", bias=False),
                  gnn.RNNCell(4, 5, nonlinearity="relu", bias=False))
    tx, gx = pair((2, 4))
    check(tm, gm, (tx,), (gx,), [tx], [gx])
    tm, gm = twin(torch.nn.LSTMCell(4, 5), gnn.LSTMCell(4, 5))
    tx, gx = pair((2, 4))
    check(tm, gm, (tx,), (gx,), [tx], [gx])


def test_gradcheck_float64():
    for kind in ("RNN", "LSTM", "GRU"):
        m = getattr(gnn, kind)(3, 4, 2, bidirectional=True).double()
        x = galton.tensor(RNG.standard_normal((4, 2, 3)), requires_grad=True)
        h = galton.tensor(RNG.standard_normal((4, 2, 4)), requires_grad=True)

        def f(x, h, m=m, kind=kind):
            if kind == "LSTM":
                out, (hn, cn) = m(x, (h, h * 0.5))
                return out.sum() + (hn * cn).sum()
            out, hn = m(x, h)
            return out.sum() + (hn * hn).sum()
        assert galton.autograd.gradcheck(f, (x, h))


def test_state_dict_keys_and_init():
    t = torch.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)
    g = gnn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)
    assert list(g.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert tuple(g.state_dict()[k].shape) == tuple(v.shape), k
    bound = 1 / np.sqrt(4)
    for p in g.parameters():
        assert np.all(np.abs(p.detach().numpy()) <= bound)
    assert list(gnn.GRUCell(3, 4).state_dict()) == list(torch.nn.GRUCell(3, 4).state_dict())
    assert repr(g) == repr(t)
    assert repr(gnn.RNNCell(3, 4, nonlinearity="relu", bias=False)) == \
        repr(torch.nn.RNNCell(3, 4, nonlinearity="relu", bias=False))


def test_dropout_between_layers():
    m = gnn.LSTM(3, 8, 3, dropout=0.5)
    x = galton.randn(5, 2, 3)
    galton.manual_seed(1)
    a, _ = m(x)
    galton.manual_seed(2)
    b, _ = m(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    c, _ = m(x)
    d, _ = m(x)
    np.testing.assert_allclose(c.detach().numpy(), d.detach().numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        gnn.GRU(3, 4, dropout=0.2)


def test_errors_like_pytorch():
    lstm = gnn.LSTM(10, 20, 2)
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. "
                                           r"Expected 10, got 12"):
        lstm(galton.randn(5, 3, 12))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(galton.randn(5, 3, 2, 10))
    with pytest.raises(RuntimeError,
                       match=r"Expected hidden\[0\] size \(2, 3, 20\), got \[1, 3, 20\]"):
        lstm(galton.randn(5, 3, 10), (galton.zeros(1, 3, 20), galton.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError,
                       match=r"Expected hidden\[1\] size \(2, 3, 20\), got \[2, 3, 21\]"):
        lstm(galton.randn(5, 3, 10), (galton.zeros(2, 3, 20), galton.zeros(2, 3, 21)))
    gru = gnn.GRU(10, 20)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\), got \[1, 4, 20\]"):
        gru(galton.randn(5, 3, 10), galton.zeros(1, 4, 20))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D"):
        gru(galton.randn(5, 10), galton.zeros(1, 1, 20))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        gnn.RNN(10, 20)(galton.randn(5, 3, 10), galton.zeros(1, 20))
    with pytest.raises(ValueError, match="RNN input dtype"):
        gru(galton.randn(5, 3, 10, dtype=galton.float64))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        gnn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        gnn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        gnn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        gnn.RNN(3, 4, dropout=1.5)
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 12 expected 10"):
        gnn.LSTMCell(10, 5)(galton.randn(3, 12))
    with pytest.raises(RuntimeError, match="Input batch size 3 doesn't match hidden0 batch size 2"):
        gnn.GRUCell(10, 5)(galton.randn(3, 10), galton.zeros(2, 5))
    with pytest.raises(RuntimeError,
                       match="hidden0 has inconsistent hidden_size: got 6, expected 5"):
        gnn.GRUCell(10, 5)(galton.randn(3, 10), galton.zeros(3, 6))
    with pytest.raises(ValueError, match="RNNCell: Expected input to be 1D or 2D, got 3D instead"):
        gnn.RNNCell(10, 5)(galton.randn(1, 3, 10))


def test_no_grad_and_sequence_classifier_trains():
    """A two-layer LSTM classifier on sequences whose label is the sign of their sum learns."""
    galton.manual_seed(0)
    model = gnn.LSTM(1, 16, batch_first=True)
    head = gnn.Linear(16, 2)
    opt = galton.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=0.02)
    x = galton.randn(64, 8, 1)
    y = (x.sum(dim=(1, 2)) > 0).long()
    for _ in range(60):
        _, (h, _) = model(x)
        loss = gnn.functional.cross_entropy(head(h[-1]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with galton.no_grad():
        _, (h, _) = model(x)
        acc = (head(h[-1]).argmax(1) == y).float().mean().item()
    assert acc > 0.9
    assert h.grad_fn is None
