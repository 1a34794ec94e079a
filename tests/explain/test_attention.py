"""Attention maps of every MultiheadAttention in a model, against PyTorch's weights."""
import numpy as np
import pytest
import torch

import galton
from galton import explain, nn


def encoders():
    galton.manual_seed(0)
    g = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0,
                                                         batch_first=True), num_layers=2).eval()
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=16, dropout=0.0, batch_first=True), num_layers=2,
        enable_nested_tensor=False).eval()
    t.load_state_dict({k: torch.tensor(v.numpy().copy()) for k, v in g.state_dict().items()})
    return g, t


def test_attention_maps_equal_torch():
    g, t = encoders()
    x = np.random.default_rng(0).standard_normal((3, 5, 8)).astype(np.float32)
    out, maps = explain.attention_maps(g, galton.tensor(x))
    assert list(maps) == ["layers.0.self_attn", "layers.1.self_attn"]
    # PyTorch: each layer's input, then its self-attention asked for the weights per head
    inputs = []
    hooks = [layer.register_forward_pre_hook(lambda m, a: inputs.append(a[0]))
             for layer in t.layers]
    with torch.no_grad():
        want = t(torch.tensor(x))
        for h in hooks:
            h.remove()
        for layer, xin, name in zip(t.layers, inputs, maps):
            w = layer.self_attn(xin, xin, xin, need_weights=True,
                                average_attn_weights=False)[1]
            assert maps[name].shape == (3, 2, 5, 5)
            np.testing.assert_allclose(maps[name].numpy(), w.numpy(), rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(maps[name].numpy().sum(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)
    # the modules are back to normal: their forward is the class's again
    assert all("forward" not in m.__dict__ for m in g.modules())


def test_attention_maps_keep_what_the_caller_asked_for():
    galton.manual_seed(1)
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    q = galton.randn(2, 3, 4)
    (out, avg), maps = explain.attention_maps(mha, q, q, q)
    assert avg.shape == (2, 3, 3) and maps["MultiheadAttention"].shape == (2, 2, 3, 3)
    np.testing.assert_allclose(avg.numpy(), maps["MultiheadAttention"].numpy().mean(1),
                               rtol=1e-5, atol=1e-7)

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = mha

        def forward(self, x):
            return self.attn(self.attn(x, x, x, need_weights=False)[0], x, x)[0]
    _, maps = explain.attention_maps(Twice(), q)
    assert list(maps) == ["attn", "attn#2"]
    with pytest.raises(ValueError, match="has no nn.MultiheadAttention"):
        explain.attention_maps(nn.Linear(2, 2), galton.randn(1, 2))
