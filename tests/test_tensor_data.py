"""``Tensor.data``: a tensor on the same storage, cut from the graph, as in PyTorch."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn


@pytest.mark.parametrize("lib", [torch, galton], ids=["torch", "galton"])
def test_data_is_a_detached_tensor_sharing_storage(lib):
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = w.data
    assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
    d.add_(1.0)                      # in place on .data changes w, records nothing
    d[0] = 10.0
    assert w.tolist() == [10.0, 3.0, 4.0] and w.grad_fn is None
    y = (w * 2).sum()
    assert not y.data.requires_grad and y.data.item() == 34.0


@pytest.mark.parametrize("lib", [torch, galton], ids=["torch", "galton"])
def test_course_idioms_on_parameter_data(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(4, 3)
    m.bias.data.fill_(0.01)
    m.weight.data.normal_(0.0, 0.02)
    assert np.allclose(m.bias.detach().numpy(), 0.01)
    assert float(m.weight.data.norm()) < 1.0
    x = lib.ones(2, 4)
    m(x).sum().backward()
    for p in m.parameters():   # the hand-written SGD step of old tutorials
        p.data.add_(p.grad.data, alpha=-0.1)
    assert np.allclose(m.bias.detach().numpy(), 0.01 - 0.2)
    assert m.weight.is_leaf and m.weight.requires_grad


@pytest.mark.parametrize("lib", [torch, galton], ids=["torch", "galton"])
def test_assigning_data_swaps_the_storage(lib):
    p = lib.nn.Parameter(lib.zeros(2, 3))
    p.data = lib.ones(4)       # any shape, as PyTorch allows
    assert tuple(p.shape) == (4,) and p.tolist() == [1.0] * 4 and p.requires_grad
    src = lib.arange(4.0)
    p.data = src
    src[0] = 7.0               # shares storage with what was assigned
    assert p.tolist()[0] == 7.0
    p.data = p.data * 2        # the out-of-place update form
    assert p.tolist() == [14.0, 2.0, 4.0, 6.0]


def test_assigning_a_non_tensor_is_refused_like_torch():
    for lib in (torch, galton):
        t = lib.zeros(3)
        with pytest.raises(TypeError, match="data"):
            t.data = np.ones(3)


def test_manual_gradient_descent_with_data():
    # the book's worked example (x=2, y=6, w=1, lr 0.1): loss 16, gradient -16, w -> 2.6
    w = galton.tensor(1.0, requires_grad=True)
    loss = (w * 2 - 6) ** 2
    loss.backward()
    assert loss.item() == 16.0 and w.grad.item() == -16.0
    w.data -= 0.1 * w.grad.data
    assert w.item() == pytest.approx(2.6) and w.is_leaf


def test_module_apply_init_through_data():
    def init(m):
        if isinstance(m, gnn.Linear):
            m.weight.data.uniform_(-0.1, 0.1)
            m.bias.data.zero_()
    net = gnn.Sequential(gnn.Linear(3, 5), gnn.ReLU(), gnn.Linear(5, 2)).apply(init)
    assert all(float(abs(p).max()) <= 0.1 for p in net.parameters())
    assert float(abs(net[2].bias).sum()) == 0.0
