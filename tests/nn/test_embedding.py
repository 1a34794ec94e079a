"""Embedding, EmbeddingBag, F.embedding and F.embedding_bag against torch with the same table."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import galton
import galton.nn as gnn
import galton.nn.functional as GF

RNG = np.random.default_rng(0)


def tables(n=10, d=4):
    w = RNG.standard_normal((n, d)).astype("f4")
    return torch.tensor(w, requires_grad=True), galton.tensor(w, requires_grad=True)


def backward_both(tout, gout):
    seed = RNG.standard_normal(tuple(tout.shape)).astype("f4")
    (tout * torch.tensor(seed)).sum().backward()
    (gout * galton.tensor(seed)).sum().backward()


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), ()])
@pytest.mark.parametrize("kw", [{}, dict(padding_idx=2), dict(padding_idx=-1),
                                dict(scale_grad_by_freq=True), dict(max_norm=1.0),
                                dict(max_norm=1.5, norm_type=1.0)])
def test_embedding_function(shape, kw):
    tw, gw = tables()
    idx = RNG.integers(0, 10, shape)
    idx.flat[0] = 2  # repeated indices, and the padding row, are always present
    if idx.size > 1:
        idx.flat[1] = 2
    tout = TF.embedding(torch.tensor(idx), tw, **kw)
    gout = GF.embedding(galton.tensor(idx), gw, **kw)
    assert tuple(gout.shape) == tuple(tout.shape)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    backward_both(tout, gout)
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    if "max_norm" in kw:  # the table itself was renormalised in place
        np.testing.assert_allclose(gw.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_module_matches_torch_and_pads():
    t = torch.nn.Embedding(12, 5, padding_idx=0)
    g = gnn.Embedding(12, 5, padding_idx=0)
    assert np.all(g.weight.detach().numpy()[0] == 0)
    assert repr(g) == repr(t)
    g.load_state_dict({"weight": galton.tensor(t.weight.detach().numpy())})
    idx = np.array([[0, 3, 3, 11], [5, 0, 1, 2]])
    tout, gout = t(torch.tensor(idx)), g(galton.tensor(idx))
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy())
    backward_both(tout, gout)
    np.testing.assert_allclose(g.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert np.all(g.weight.grad.numpy()[0] == 0)


def test_embedding_init_is_standard_normal():
    w = gnn.Embedding(2000, 50).weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_from_pretrained_and_freeze():
    w = galton.tensor(RNG.standard_normal((4, 3)).astype("f4"))
    e = gnn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    np.testing.assert_allclose(e(galton.tensor([1])).numpy(), w.numpy()[[1]])
    assert gnn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    bag = gnn.EmbeddingBag.from_pretrained(w, mode="sum")
    expected = w.numpy()[[0, 1]].sum(0, keepdims=True)
    np.testing.assert_allclose(bag(galton.tensor([[0, 1]])).numpy(), expected)


def test_embedding_errors():
    with pytest.raises(IndexError, match="index out of range in self"):
        gnn.Embedding(5, 2)(galton.tensor([5]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one "
                                           "of the following scalar types: Long, Int"):
        gnn.Embedding(5, 2)(galton.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        gnn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(AssertionError,
                       match="Embeddings parameter is expected to be 2-dimensional"):
        gnn.Embedding.from_pretrained(galton.zeros(3))


BAG_CASES = [
    # (input shape or 1-D length, offsets, extra kwargs)
    ((3, 4), None, {}),
    (9, [0, 2, 2, 6], {}),            # an empty bag
    (9, [0, 3, 5, 9], dict(include_last_offset=True)),
    (8, [0, 1, 4], dict(padding_idx=2)),
    ((2, 5), None, dict(padding_idx=2)),
]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("shape, offsets, kw", BAG_CASES)
def test_embedding_bag(mode, shape, offsets, kw):
    tw, gw = tables()
    idx = RNG.integers(0, 10, shape)
    idx.flat[0] = 2
    args_t = dict(offsets=torch.tensor(offsets) if offsets is not None else None, mode=mode, **kw)
    args_g = dict(offsets=galton.tensor(offsets) if offsets is not None else None, mode=mode, **kw)
    tout = TF.embedding_bag(torch.tensor(idx), tw, **args_t)
    gout = GF.embedding_bag(galton.tensor(idx), gw, **args_g)
    assert tuple(gout.shape) == tuple(tout.shape)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    backward_both(tout, gout)
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bag_per_sample_weights_and_module():
    t = torch.nn.EmbeddingBag(10, 4, mode="sum")
    g = gnn.EmbeddingBag(10, 4, mode="sum")
    g.load_state_dict({"weight": galton.tensor(t.weight.detach().numpy())})
    assert repr(g) == repr(t)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 4])
    psw = RNG.standard_normal(8).astype("f4")
    tp, gp = torch.tensor(psw, requires_grad=True), galton.tensor(psw, requires_grad=True)
    tout = t(torch.tensor(idx), torch.tensor(off), per_sample_weights=tp)
    gout = g(galton.tensor(idx), galton.tensor(off), per_sample_weights=gp)
    np.testing.assert_allclose(gout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    backward_both(tout, gout)
    np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for "
                                                  "mode='sum'"):
        gnn.EmbeddingBag(10, 4)(galton.tensor(idx), galton.tensor(off), per_sample_weights=gp)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        g(galton.tensor([[1, 2]]), galton.tensor([0]))
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        g(galton.tensor([1, 2]), galton.tensor([1]))


def test_embedding_gradcheck():
    idx = galton.tensor([[0, 3, 3], [1, 0, 2]])
    w = galton.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    assert galton.autograd.gradcheck(lambda w: GF.embedding(idx, w), (w,))
    assert galton.autograd.gradcheck(
        lambda w: GF.embedding_bag(galton.tensor([0, 3, 3, 1, 2]), w, galton.tensor([0, 2]),
                                   mode="mean"), (w,))
