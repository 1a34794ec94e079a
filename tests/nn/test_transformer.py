"""Transformer encoder/decoder layers, stacks and the full model against torch.nn with the same
weights (train mode, dropout 0: PyTorch's inference fast paths are not involved)."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF

RNG = np.random.default_rng(0)


def twin(t_module, g_module):
    tkeys, gkeys = list(t_module.state_dict()), list(g_module.state_dict())
    assert gkeys == tkeys
    g_module.load_state_dict({k: galton.tensor(v.detach().numpy())
                              for k, v in t_module.state_dict().items()})
    return t_module, g_module


def pair(shape):
    a = RNG.standard_normal(shape).astype("f4")
    return torch.tensor(a, requires_grad=True), galton.tensor(a, requires_grad=True)


def compare_grads(tm, gm, tout, gout, leaves, atol=1e-4):
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)
    seed = RNG.standard_normal(tuple(tout.shape)).astype("f4")
    (tout * torch.tensor(seed)).sum().backward()
    (gout * galton.tensor(seed)).sum().backward()
    for t, g in leaves:
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=atol)
    tparams = dict(tm.named_parameters())
    for name, p in gm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-4,
                                   atol=atol, err_msg=name)


def masks(N, L, kind):
    kpm = np.zeros((N, L), bool)
    kpm[0, L - 2:] = True
    causal = np.triu(np.ones((L, L), bool), k=1)
    if kind == "float":
        kpm = np.where(kpm, -np.inf, 0).astype("f4")
        causal = np.where(causal, -np.inf, 0).astype("f4")
    return kpm, causal


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_stack(norm_first, activation, batch_first):
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=batch_first,
              norm_first=norm_first)
    tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, **kw), 2,
                                     norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    gm = gnn.TransformerEncoder(gnn.TransformerEncoderLayer(8, 2, **kw), 2, norm=gnn.LayerNorm(8))
    twin(tm, gm)
    N, L = 3, 5
    tx, gx = pair((N, L, 8) if batch_first else (L, N, 8))
    kind = "bool" if activation == "relu" else "float"
    kpm, causal = masks(N, L, kind)
    tout = tm(tx, mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(kpm))
    gout = gm(gx, mask=galton.tensor(causal), src_key_padding_mask=galton.tensor(kpm))
    compare_grads(tm, gm, tout, gout, [(tx, gx)])


def test_encoder_layer_callable_activation_and_no_bias():
    kw = dict(dim_feedforward=12, dropout=0.0, bias=False)
    tm = torch.nn.TransformerEncoderLayer(8, 4, activation=torch.nn.functional.silu, **kw)
    gm = gnn.TransformerEncoderLayer(8, 4, activation=GF.silu, **kw)
    twin(tm, gm)
    tx, gx = pair((6, 2, 8))
    compare_grads(tm, gm, tm(tx), gm(gx), [(tx, gx)])
    # an activation module is a registered submodule, as in PyTorch
    t2 = torch.nn.TransformerEncoderLayer(8, 4, activation=torch.nn.GELU(), **kw)
    g2 = gnn.TransformerEncoderLayer(8, 4, activation=gnn.GELU(), **kw)
    twin(t2, g2)
    tx, gx = pair((6, 2, 8))
    compare_grads(t2, g2, t2(tx), g2(gx), [(tx, gx)])


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_decoder_stack(norm_first, kind):
    kw = dict(dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    tm = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, **kw), 2)
    gm = gnn.TransformerDecoder(gnn.TransformerDecoderLayer(8, 2, **kw), 2)
    twin(tm, gm)
    N, T, S = 2, 4, 6
    tt, gt = pair((T, N, 8))
    tmem, gmem = pair((S, N, 8))
    tkpm, causal = masks(N, T, kind)
    mkpm, _ = masks(N, S, kind)
    args_t = dict(tgt_mask=torch.tensor(causal), tgt_key_padding_mask=torch.tensor(tkpm),
                  memory_key_padding_mask=torch.tensor(mkpm))
    args_g = dict(tgt_mask=galton.tensor(causal), tgt_key_padding_mask=galton.tensor(tkpm),
                  memory_key_padding_mask=galton.tensor(mkpm))
    compare_grads(tm, gm, tm(tt, tmem, **args_t), gm(gt, gmem, **args_g), [(tt, gt), (tmem, gmem)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_full_transformer(batch_first):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16,
              dropout=0.0, batch_first=batch_first)
    tm, gm = twin(torch.nn.Transformer(**kw), gnn.Transformer(**kw))
    ts, gs = pair((2, 5, 8) if batch_first else (5, 2, 8))
    tt, gt = pair((2, 3, 8) if batch_first else (3, 2, 8))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(3)
    gmask = gnn.Transformer.generate_square_subsequent_mask(3)
    compare_grads(tm, gm, tm(ts, tt, tgt_mask=tmask), gm(gs, gt, tgt_mask=gmask),
                  [(ts, gs), (tt, gt)])


def test_clones_are_independent_and_init():
    layer = gnn.TransformerEncoderLayer(8, 2, 16)
    enc = gnn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == 3
    p0, p1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert p0 is not p1 and p0 is not layer.linear1.weight
    np.testing.assert_allclose(p0.detach().numpy(), p1.detach().numpy())  # copies, as PyTorch
    with galton.no_grad():
        p0.data[...] = 0
    assert not np.allclose(p1.detach().numpy(), 0)
    assert enc.layers[0].activation is enc.layers[1].activation
    model = gnn.Transformer(8, 2, 1, 1, 16)
    a = model.encoder.layers[0].linear1.weight.detach().numpy()
    b = model.decoder.layers[0].linear1.weight.detach().numpy()
    assert not np.allclose(a, b)  # re-initialised one by one (Xavier), no longer copies
    bound = np.sqrt(6 / (8 + 16))
    assert np.abs(a).max() <= bound
    assert repr(gnn.TransformerEncoderLayer(8, 2, 16)).startswith("TransformerEncoderLayer(")


def test_transformer_errors():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        gnn.TransformerEncoderLayer(8, 2, activation="tanh")
    model = gnn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(galton.randn(5, 2, 8), galton.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to "
                                           "d_model"):
        model(galton.randn(5, 2, 8), galton.randn(3, 2, 6))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        gnn.TransformerEncoderLayer(10, 3)


def test_dropout_in_training_only():
    layer = gnn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = galton.randn(4, 2, 8)
    a, b = layer(x), layer(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    layer.eval()
    np.testing.assert_allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
