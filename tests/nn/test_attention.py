"""Scaled dot-product attention, MultiheadAttention and PositionalEncoding against torch."""
import math

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare

RNG = np.random.default_rng(0)


def twin(t_module, g_module):
    g_module.load_state_dict({k: galton.tensor(v.detach().numpy())
                              for k, v in t_module.state_dict().items()})
    return t_module, g_module


def pair(shape):
    a = RNG.standard_normal(shape).astype("f4")
    return torch.tensor(a, requires_grad=True), galton.tensor(a, requires_grad=True)


def both(a):
    return torch.tensor(a), galton.tensor(a)


def close(g, t, atol=1e-5):
    assert tuple(g.shape) == tuple(t.shape)
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=atol)


# --- scaled_dot_product_attention ----------------------------------------------------------------
@pytest.mark.parametrize("shapes", [[(2, 5, 4), (2, 7, 4), (2, 7, 3)],
                                    [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4)]])
def test_sdpa_plain_and_scaled(shapes):
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v), shapes)
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3),
            shapes)


def test_sdpa_masks_and_causal():
    shapes = [(2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3)]
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(
        q, k, v, is_causal=True), shapes)
    keep = RNG.random((5, 5)) > 0.3
    keep[:, 0] = True  # every query sees at least one key
    tm, gm = both(keep)
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=tm if t is torch else gm), shapes)
    add = RNG.standard_normal((2, 1, 5, 5)).astype("f4")
    ta, ga = both(add)
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=ta if t is torch else ga), shapes)


def test_sdpa_grouped_query_attention():
    compare(lambda t, q, k, v: t.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                             enable_gqa=True),
            [(1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 2)])


def test_sdpa_dropout_is_random_and_off_when_zero():
    q = galton.randn(1, 4, 8)
    a = GF.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    b = GF.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert not np.allclose(a.numpy(), b.numpy())
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set"):
        GF.scaled_dot_product_attention(q, q, q, attn_mask=galton.ones(4, 4).bool(), is_causal=True)


# --- MultiheadAttention ---------------------------------------------------------------------
def run_mha(tm, gm, q, k, v, t_kw=None, g_kw=None, self_attention=False):
    """Forward both; compare output and weights; backward through both; compare input and
    parameter gradients."""
    tq, gq = pair(q)
    if self_attention:
        tk = tv = tq
        gk = gv = gq
    else:
        tk, gk = pair(k)
        tv, gv = pair(v)
    to, tw = tm(tq, tk, tv, **(t_kw or {}))
    go, gw = gm(gq, gk, gv, **(g_kw or {}))
    close(go, to)
    if tw is None:
        assert gw is None
    else:
        close(gw, tw)
    seed = RNG.standard_normal(tuple(to.shape)).astype("f4")
    t_loss, g_loss = (to * torch.tensor(seed)).sum(), (go * galton.tensor(seed)).sum()
    if tw is not None:
        s2 = RNG.standard_normal(tuple(tw.shape)).astype("f4")
        t_loss = t_loss + (tw * torch.tensor(s2)).sum()
        g_loss = g_loss + (gw * galton.tensor(s2)).sum()
    t_loss.backward()
    g_loss.backward()
    leaves = [(gq, tq)] if self_attention else [(gq, tq), (gk, tk), (gv, tv)]
    for g, t in leaves:
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)
    tparams = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4,
                                   atol=1e-4, err_msg=name)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(batch_first, need_weights, average):
    tm, gm = twin(torch.nn.MultiheadAttention(8, 2, batch_first=batch_first),
                  gnn.MultiheadAttention(8, 2, batch_first=batch_first))
    shape = (3, 5, 8) if batch_first else (5, 3, 8)
    kw = dict(need_weights=need_weights, average_attn_weights=average)
    run_mha(tm, gm, shape, shape, shape, kw, kw, self_attention=True)


@pytest.mark.parametrize("kind", ["bool", "float"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_masks(kind, batch_first):
    tm, gm = twin(torch.nn.MultiheadAttention(8, 2, batch_first=batch_first),
                  gnn.MultiheadAttention(8, 2, batch_first=batch_first))
    N, L, S = 3, 4, 6
    kpm = np.zeros((N, S), bool)
    kpm[0, 4:] = True
    kpm[2, [1, 3]] = True
    causal = np.triu(np.ones((L, S), bool), k=1)
    if kind == "float":
        kpm = np.where(kpm, -np.inf, 0).astype("f4")
        causal = np.where(causal, -np.inf, 0).astype("f4") + \
            RNG.standard_normal((L, S)).astype("f4") * 0.1
    tk, gk = both(kpm)
    ta, ga = both(causal)
    q = (N, L, 8) if batch_first else (L, N, 8)
    kv = (N, S, 8) if batch_first else (S, N, 8)
    run_mha(tm, gm, q, kv, kv, dict(key_padding_mask=tk, attn_mask=ta),
            dict(key_padding_mask=gk, attn_mask=ga))
    # a 3-D mask, one per batch element and head, without weights (the SDPA path in torch)
    per_head = RNG.random((N * 2, L, S)) > 0.6
    per_head[..., 0] = False
    tp, gp = both(per_head)
    run_mha(tm, gm, q, kv, kv, dict(attn_mask=tp, need_weights=False),
            dict(attn_mask=gp, need_weights=False))


def test_mha_causal_hint_with_mask():
    tm, gm = twin(torch.nn.MultiheadAttention(8, 4), gnn.MultiheadAttention(8, 4))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
    gmask = gnn.Transformer.generate_square_subsequent_mask(5)
    np.testing.assert_array_equal(gmask.numpy(), mask.numpy())
    kw_t = dict(attn_mask=mask, is_causal=True, need_weights=False)
    kw_g = dict(attn_mask=gmask, is_causal=True, need_weights=False)
    run_mha(tm, gm, (5, 2, 8), None, None, kw_t, kw_g, self_attention=True)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        x = galton.randn(5, 2, 8)
        gm(x, x, x, is_causal=True)


@pytest.mark.parametrize("kw", [dict(kdim=5, vdim=3), dict(bias=False), dict(add_bias_kv=True),
                                dict(add_zero_attn=True), dict(add_bias_kv=True, kdim=6, vdim=6)])
def test_mha_variants(kw):
    torch.manual_seed(0)
    tm, gm = twin(torch.nn.MultiheadAttention(8, 4, **kw), gnn.MultiheadAttention(8, 4, **kw))
    assert list(gm.state_dict()) == list(tm.state_dict())
    kd, vd = kw.get("kdim", 8), kw.get("vdim", 8)
    kpm = np.zeros((2, 6), bool)
    kpm[1, 5] = True
    tk, gk = both(kpm)
    run_mha(tm, gm, (4, 2, 8), (6, 2, kd), (6, 2, vd), dict(key_padding_mask=tk),
            dict(key_padding_mask=gk))


def test_mha_unbatched_and_cross_attention():
    tm, gm = twin(torch.nn.MultiheadAttention(8, 2), gnn.MultiheadAttention(8, 2))
    run_mha(tm, gm, (4, 8), (6, 8), (6, 8))
    # encoder-decoder attention: key and value are one tensor
    tq, gq = pair((4, 2, 8))
    tmem, gmem = pair((6, 2, 8))
    to, _ = tm(tq, tmem, tmem)
    go, _ = gm(gq, gmem, gmem)
    close(go, to)


def test_mha_init_and_repr():
    t, g = torch.nn.MultiheadAttention(16, 4), gnn.MultiheadAttention(16, 4)
    assert repr(g) == repr(t)
    assert list(g.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                    "out_proj.bias"]
    bound = math.sqrt(6 / (16 + 48))
    w = g.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.all(g.in_proj_bias.detach().numpy() == 0)
    assert np.all(g.out_proj.bias.detach().numpy() == 0)


def test_mha_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        gnn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        gnn.MultiheadAttention(0, 2)
    m = gnn.MultiheadAttention(8, 2)
    x = galton.randn(4, 2, 8)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 6"):
        y = galton.randn(4, 2, 6)
        m(y, y, y)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(3, 4\), but should "
                                           r"be \(4, 4\)"):
        m(x, x, x, attn_mask=galton.zeros(3, 4))
    with pytest.raises(AssertionError, match=r"Expected key_padded_mask.shape\[1\] to be 4, but "
                                             r"got 5"):
        m(x, x, x, key_padding_mask=galton.zeros(2, 5).bool())
    with pytest.raises(AssertionError, match="For batched \\(3-D\\) `query`, expected `key` and "
                                             "`value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask"):
        m(x, x, x, attn_mask=galton.zeros(4, 4, dtype=galton.int64))


def test_mha_dropout_only_in_training():
    m = gnn.MultiheadAttention(8, 2, dropout=0.5)
    x = galton.randn(4, 2, 8)
    m.eval()
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    m.train()
    c, _ = m(x, x, x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


# --- PositionalEncoding ---------------------------------------------------------------------
def test_positional_encoding_values():
    """The table of the paper (and of PyTorch's own tutorial), built independently here."""
    d, n = 6, 50
    pe = gnn.PositionalEncoding(d, max_len=n)
    ref = np.zeros((n, d))
    for pos in range(n):
        for i in range(0, d, 2):
            ref[pos, i] = math.sin(pos / 10000 ** (i / d))
            ref[pos, i + 1] = math.cos(pos / 10000 ** (i / d))
    x = galton.zeros(7, 2, d)
    out = pe(x).numpy()
    np.testing.assert_allclose(out[:, 0], ref[:7], atol=1e-6)
    np.testing.assert_allclose(out[:, 1], ref[:7], atol=1e-6)
    bf = gnn.PositionalEncoding(d, max_len=n, batch_first=True)
    np.testing.assert_allclose(bf(galton.zeros(2, 7, d)).numpy()[1], ref[:7], atol=1e-6)
    np.testing.assert_allclose(bf(galton.zeros(7, d)).numpy(), ref[:7], atol=1e-6)
    assert "pe" not in pe.state_dict()  # recomputed, never stored


def test_positional_encoding_odd_width_gradient_and_errors():
    pe = gnn.PositionalEncoding(5, max_len=10)
    x = galton.randn(4, 3, 5, requires_grad=True)
    pe(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 3, 5)))
    with pytest.raises(RuntimeError, match="raise max_len"):
        pe(galton.zeros(11, 1, 5))
    with pytest.raises(RuntimeError, match="last dimension must be 5"):
        pe(galton.zeros(3, 1, 4))
    drop = gnn.PositionalEncoding(8, dropout=0.5)
    y = drop(galton.ones(4, 2, 8))
    assert (y.numpy() == 0).any()
    drop.eval()
    assert not (drop(galton.ones(4, 2, 8)).numpy() == 0).any()
