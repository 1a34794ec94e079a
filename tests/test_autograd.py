import numpy as np
import pytest

import galton


def test_accumulates_and_retain_graph():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_second_backward_through_freed_graph_fails():
    x = galton.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_non_scalar_needs_gradient():
    x = galton.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(galton.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), [2, 2, 2])


def test_no_grad_and_hooks():
    x = galton.ones(2, requires_grad=True)
    with galton.no_grad():
        assert not (x * 2).requires_grad
    y = x * 3
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [30, 30])
    np.testing.assert_allclose(y.grad.numpy(), [10, 10])


def test_autograd_grad_and_inplace_leaf_rule():
    x = galton.tensor([3.0], requires_grad=True)
    (g,) = galton.autograd.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(g.numpy(), [27.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with galton.no_grad():
        x.add_(1)
    assert x.item() == 4.0


def test_book_gradient_descent_example():
    # seeds/002: x=2, y=6, w=1, lr 0.1 -> loss 16, gradient -16, w becomes 2.6
    w = galton.tensor(1.0, requires_grad=True)
    loss = (w * 2 - 6) ** 2
    loss.backward()
    assert loss.item() == 16.0 and w.grad.item() == -16.0
    with galton.no_grad():
        w -= 0.1 * w.grad
    assert abs(w.item() - 2.6) < 1e-6
