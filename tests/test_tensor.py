"""The Tensor's own API against PyTorch: shape, size, dtype, device, leaves, item, numpy, ..."""
import numpy as np
import pytest
import torch

import galton


def _text(fn, t):
    try:
        return repr(fn(t)).replace("torch.", "galton.")
    except Exception as exc:  # the error is part of what must match
        return f"{type(exc).__name__}: {exc}".replace("torch.", "galton.")


CASES = {
    "Size repr": lambda t: t.Size([2, 3]),
    "shape": lambda t: t.ones(2, 3).shape,
    "size()": lambda t: t.ones(2, 3).size(),
    "size(-1)": lambda t: t.ones(2, 3).size(-1),
    "size(5)": lambda t: t.ones(2, 3).size(5),
    "shape slice is Size": lambda t: t.ones(2, 3, 4).shape[1:],
    "shape index is int": lambda t: t.ones(2, 3).shape[1],
    "Size.numel": lambda t: t.ones(2, 3).shape.numel(),
    "Size == tuple": lambda t: t.ones(2, 3).shape == (2, 3),
    "Size unpack": lambda t: (lambda a, b: a * b)(*t.ones(2, 3).shape),
    "ndim dim numel": lambda t: (t.ones(2, 3).ndim, t.ones(2, 3).dim(), t.ones(2, 3).numel()),
    "0-d shape": lambda t: (t.tensor(1.0).shape, t.tensor(1.0).ndim, t.tensor(1.0).numel()),
    "dtype": lambda t: (t.ones(2).dtype, t.tensor([1]).dtype, t.tensor([True]).dtype),
    "device": lambda t: t.ones(2).device,
    "leaf": lambda t: (lambda x: (x.is_leaf, (x * 2).is_leaf, x.grad_fn, x.grad))(
        t.ones(2, requires_grad=True)),
    "plain tensor is leaf": lambda t: (t.ones(2).is_leaf, (t.ones(2) * 2).is_leaf,
                                       (t.ones(2) * 2).requires_grad),
    "grad_fn name": lambda t: (t.ones(2, requires_grad=True) * 2).grad_fn.name()
    .rsplit(":", 1)[-1],
    "detach": lambda t: (lambda x: (x.detach().requires_grad, x.detach().is_leaf))(
        t.ones(2, requires_grad=True) * 2),
    "T": lambda t: t.arange(6).reshape(2, 3).T,
    "T 1-d": lambda t: t.arange(3).T,
    "mT": lambda t: t.arange(12).reshape(2, 2, 3).mT.shape,
    "item": lambda t: (t.tensor([2.5]).item(), t.tensor(3).item(), t.tensor(True).item()),
    "item many": lambda t: t.ones(2).item(),
    "tolist": lambda t: t.tensor([[1.0, 2]]).tolist(),
    "tolist 0-d": lambda t: t.tensor(2).tolist(),
    "numpy dtype": lambda t: t.tensor([1.0, 2]).numpy().dtype,
    "numpy requires grad": lambda t: t.ones(2, requires_grad=True).numpy(),
    "numpy non-leaf": lambda t: (t.ones(2, requires_grad=True) * 2).numpy(),
    "numpy shares": lambda t: (lambda x: (x.numpy().__setitem__(0, 5), x.tolist()))(t.zeros(2)),
    "len": lambda t: len(t.ones(4, 2)),
    "len 0-d": lambda t: len(t.tensor(1.0)),
    "bool ambiguous": lambda t: bool(t.ones(2)),
    "bool one": lambda t: (bool(t.tensor([0.0])), bool(t.tensor(2))),
    "int float": lambda t: (int(t.tensor(2.7)), float(t.tensor([1.5]))),
    "as index": lambda t: [10, 20, 30][t.tensor(1)],
    "float as index": lambda t: [10, 20, 30][t.tensor(1.0)],
    "requires_grad on non-leaf": lambda t: setattr(
        t.ones(1, requires_grad=True) * 2, "requires_grad", False),
    "requires_grad_": lambda t: t.ones(2).requires_grad_(),
    "element_size": lambda t: (t.ones(2).element_size(), t.tensor([1]).element_size()),
    "is_floating_point": lambda t: (t.ones(2).is_floating_point(),
                                    t.tensor([1]).is_floating_point()),
    "is_tensor": lambda t: (t.is_tensor(t.ones(1)), t.is_tensor([1])),
    "numel function": lambda t: t.numel(t.ones(2, 5)),
    "contiguous": lambda t: (t.ones(2, 3).is_contiguous(), t.ones(2, 3).t().is_contiguous()),
    "stride": lambda t: (t.ones(2, 3).stride(), t.ones(2, 3).t().stride(), t.ones(2, 3).stride(1)),
    "format spec": lambda t: f"{t.tensor(0.123456):.3f}",
    "iteration": lambda t: [r.tolist() for r in t.arange(6).reshape(3, 2)],
    "iterate 0-d": lambda t: list(t.tensor(1.0)),
    "get_default_dtype": lambda t: t.get_default_dtype(),
}


@pytest.mark.parametrize("name", list(CASES))
def test_like_torch(name):
    assert _text(CASES[name], galton) == _text(CASES[name], torch)


def test_requires_grad_on_int_tensor_refused():
    with pytest.raises(RuntimeError, match="floating point"):
        galton.tensor([1]).requires_grad = True


def test_grad_accumulates_and_is_a_tensor():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert isinstance(x.grad, galton.Tensor) and x.grad.tolist() == [5.0, 7.0]


def test_numpy_array_protocol():
    x = galton.tensor([[1.0, 2.0]])
    assert np.asarray(x).tolist() == [[1.0, 2.0]]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
