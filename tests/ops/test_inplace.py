"""In-place ops and ``x[i] = v`` against PyTorch: values, gradients, and PyTorch's refusals."""
import numpy as np
import pytest
import torch

import galton


def _np(v):
    if isinstance(v, (galton.Tensor, torch.Tensor)):
        return v.detach().numpy()
    if isinstance(v, (list, tuple)):
        return [_np(i) for i in v]
    return v


def same(fn):
    """fn(t) -> values; galton's must equal torch's."""
    g, t = _np(fn(galton)), _np(fn(torch))
    for a, b in zip(g if isinstance(g, list) else [g], t if isinstance(t, list) else [t]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def raises_like_torch(fn, exc=RuntimeError):
    with pytest.raises(exc) as t_err:
        fn(torch)
    msg = str(t_err.value).replace("torch.", "galton.")
    with pytest.raises(exc) as g_err:
        fn(galton)
    assert str(g_err.value) == msg


# --- __setitem__ --------------------------------------------------------------------------------
def test_setitem_without_grad():
    def f(t):
        x = t.zeros(3, 4)
        x[0] = 1
        x[:, 1] = t.tensor([5.0, 6.0, 7.0])
        x[1, ::2] = t.tensor(2.5)
        x[x > 5] = -1
        x[[0, 2], [3, 3]] = t.tensor([8.0, 9.0])
        x[-1, ..., None] = t.arange(4.0)[:, None]
        x[t.tensor([True, False, True])] += 0.5
        return x
    same(f)


def test_setitem_on_non_leaf_gives_torch_gradients():
    def f(t):
        x = t.tensor([1.0, 2, 3, 4], requires_grad=True)
        v = t.tensor([5.0, 6.0], requires_grad=True)
        y = x * 2
        y[1:3] = v * 3
        (y * t.tensor([1.0, 2, 3, 4])).sum().backward()
        return y, x.grad, v.grad
    same(f)


def test_setitem_broadcast_value_and_mask_gradients():
    def f(t):
        x = t.tensor([[1.0, -2], [3, 4]], requires_grad=True)
        v = t.tensor(7.0, requires_grad=True)
        w = t.tensor([0.5, 1.5], requires_grad=True)
        y = x.clone()
        y[y > 2] = v
        y[0] = w
        (y * t.tensor([[1.0, 2], [3, 4]])).sum().backward()
        return y, x.grad, v.grad, w.grad
    same(f)


def test_setitem_rows_into_plain_tensor():
    # the RNN pattern: outputs[t] = h, where only h requires grad
    def f(t):
        w = t.tensor([5.0, 6.0], requires_grad=True)
        h = t.zeros(3, 2)
        h[0] = w
        h[2] = w * 2
        (h * t.arange(6.0).reshape(3, 2)).sum().backward()
        return w.grad, float(h.requires_grad), float(h.is_leaf)
    same(f)


def test_setitem_repeated_advanced_index_value_grad():
    def f(t):
        x = t.zeros(4, requires_grad=True)
        v = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x + 0
        y[[0, 2, 3]] = v
        (y * t.tensor([1.0, 2, 3, 4])).sum().backward()
        return y, x.grad, v.grad
    same(f)


def test_setitem_through_a_view_reaches_the_base():
    def f(t):
        x = t.tensor([[1.0, 2], [3, 4]], requires_grad=True)
        y = x * 1
        y[0][1] = 9.0
        row = y[1]
        row.mul_(2)
        (y * y).sum().backward()
        return y, x.grad
    same(f)


def test_setitem_leaf_requiring_grad_raises():
    raises_like_torch(lambda t: t.ones(3, requires_grad=True).__setitem__(0, 2.0))
    raises_like_torch(lambda t: t.ones(3, requires_grad=True)[1:].add_(1))


def test_setitem_leaf_under_no_grad_is_allowed():
    def f(t):
        x = t.ones(3, requires_grad=True)
        with t.no_grad():
            x[0] = 2.0
            x[1:] *= 3
        return x, float(x.requires_grad), float(x.is_leaf)
    same(f)


def test_setitem_shape_errors():
    raises_like_torch(lambda t: t.zeros(2, 3).__setitem__((slice(None), 1), t.ones(3)))
    raises_like_torch(lambda t: t.ones(2, 3)[:, 1].__setitem__(Ellipsis, t.ones(4)))
    with pytest.raises(RuntimeError, match="must be greater or equal to the number of dimensions"):
        galton.zeros(2, 3)[0] = galton.ones(2, 1, 3)


# --- arithmetic in place ------------------------------------------------------------------------
def test_arithmetic_inplace_without_grad():
    def f(t):
        x = t.arange(6.0).reshape(2, 3)
        x.add_(t.ones(3), alpha=2)
        x.sub_(1, alpha=3)
        x.mul_(t.tensor([[2.0], [3.0]]))
        x.div_(4)
        x += 1
        x -= t.ones(2, 3)
        x *= 2
        x /= 3
        return x
    same(f)


def test_inplace_returns_self():
    x = galton.ones(2)
    assert x.add_(1) is x and x.zero_() is x and x.fill_(3) is x and x.clamp_(0, 1) is x


def test_arithmetic_inplace_on_non_leaf_gradients():
    def f(t):
        x = t.tensor([1.0, 2, 3], requires_grad=True)
        w = t.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x * 1
        y.add_(w, alpha=2)
        y.mul_(3)
        y.sub_(w)
        y.div_(t.tensor([1.0, 2.0, 4.0]))
        y.clamp_(min=-2, max=5)
        (y * t.tensor([1.0, 2, 3])).sum().backward()
        return y, x.grad, w.grad
    same(f)


def test_leaf_inplace_raises_and_no_grad_allows():
    raises_like_torch(lambda t: t.ones(3, requires_grad=True).add_(1))
    raises_like_torch(lambda t: t.ones(3, requires_grad=True).zero_())
    raises_like_torch(lambda t: t.ones(3, requires_grad=True).normal_())

    def f(t):
        w = t.ones(3, requires_grad=True)
        with t.no_grad():
            w.sub_(t.tensor([0.1, 0.2, 0.3]), alpha=10)
            w.clamp_(-1.5, 0.5)
            w.mul_(2)
        return w, float(w.is_leaf), float(w.requires_grad), float(w.grad_fn is None)
    same(f)


def test_dtype_and_shape_errors():
    raises_like_torch(lambda t: t.tensor([1, 2, 3]).add_(1.5))
    raises_like_torch(lambda t: t.tensor([1, 2, 3]).div_(2))
    raises_like_torch(lambda t: t.ones(3).add_(t.ones(2)))
    raises_like_torch(lambda t: t.ones(3).add_(t.ones(2, 3)))
    raises_like_torch(lambda t: t.ones(3).expand(2, 3).add_(1))
    raises_like_torch(lambda t: t.ones(2, 3).copy_(t.ones(4)))


def test_int_tensor_inplace_keeps_dtype():
    x = galton.tensor([1, 2, 3])
    x.add_(2)
    x.mul_(galton.tensor([2, 2, 2]))
    assert x.dtype == galton.int64 and x.tolist() == [6, 8, 10]


# --- fills and copies ---------------------------------------------------------------------------
def test_zero_fill_copy_on_non_leaf():
    def f(t):
        x = t.tensor([1.0, 2, 3], requires_grad=True)
        v = t.tensor(2.0, requires_grad=True)
        s = t.tensor([4.0, 5, 6], requires_grad=True)
        a, b, c = x * 2, x * 3, x * 4
        a.zero_()
        b.fill_(v)
        c.copy_(s * 3)
        (a + b * 2 + c * t.tensor([1.0, 2, 3]) + x).sum().backward()
        return a, b, c, x.grad, v.grad, s.grad, float(a.requires_grad), float(b.is_leaf)
    same(f)


def test_fill_copy_without_grad():
    def f(t):
        x = t.zeros(2, 3)
        x.fill_(t.tensor(1.5))
        y = t.empty(2, 3)
        y.copy_(t.tensor([1, 2, 3]))  # broadcast, cast int -> float
        z = t.ones(2, 3, dtype=t.long)
        z.copy_(t.tensor([[1.7, 2.2, 3.9]]))
        return x, y, z, float(z.dtype == t.long)
    same(f)


def test_masked_fill_inplace():
    def f(t):
        x = t.tensor([1.0, 2, 3], requires_grad=True)
        y = x * 3
        y.masked_fill_(t.tensor([True, False, True]), 5.0)
        z = t.tensor([[1.0, 2], [3, 4]])
        z.masked_fill_(t.tensor([True, False]), -1.0)
        y.sum().backward()
        return y, z, x.grad
    same(f)
    raises_like_torch(lambda t: t.ones(2).masked_fill_(t.ones(2), 1.0))


def test_scatter_inplace_one_hot_and_index_add():
    def f(t):
        labels = t.tensor([2, 0, 1, 2])
        one_hot = t.zeros(4, 3).scatter_(1, labels[:, None], 1.0)
        acc = t.zeros(3).scatter_add_(0, labels, t.tensor([1.0, 2, 3, 4]))
        ia = t.zeros(3, 2).index_add_(0, t.tensor([0, 0, 2]), t.ones(3, 2), alpha=2)
        return one_hot, acc, ia
    same(f)

    def g(t):
        x = t.tensor([1.0, 2, 3], requires_grad=True)
        s = t.tensor([4.0, 5.0], requires_grad=True)
        y = x * 1
        y.scatter_(0, t.tensor([2, 0]), s)
        y.index_add_(0, t.tensor([1, 1]), s)
        (y * t.tensor([1.0, 2, 3])).sum().backward()
        return y, x.grad, s.grad
    same(g)


# --- random fills under no_grad -----------------------------------------------------------------
def test_random_fills_under_no_grad():
    w = galton.empty(200, 50, requires_grad=True)
    with galton.no_grad():
        w.uniform_(-0.5, 0.5)
        assert -0.5 <= w.min().item() and w.max().item() <= 0.5
        w.normal_(2.0, 0.1)
        assert abs(w.mean().item() - 2.0) < 0.01
        assert abs(float(w.detach().numpy().std()) - 0.1) < 0.01
    assert w.dtype == galton.float32 and w.is_leaf and w.requires_grad


def test_random_fills_follow_the_seed_and_generator():
    galton.manual_seed(5)
    a = galton.empty(4).uniform_()
    galton.manual_seed(5)
    b = galton.empty(4).uniform_()
    assert a.tolist() == b.tolist()
    g1, g2 = galton.Generator().manual_seed(3), galton.Generator().manual_seed(3)
    assert galton.empty(3).normal_(generator=g1).tolist() == \
        galton.empty(3).normal_(generator=g2).tolist()
