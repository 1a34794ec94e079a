"""to / float / long / type / cpu against PyTorch: values, dtypes, identity and gradients."""
import pytest
import torch

import galton
from tests.oracle import compare


def _text(fn, t):
    try:
        return repr(fn(t)).replace("torch.", "galton.")
    except Exception as exc:  # the error is part of what must match
        return f"{type(exc).__name__}: {exc}".replace("torch.", "galton.")


CASES = {
    "to float64": lambda t: t.tensor([1.0, 2]).to(t.float64),
    "to cpu": lambda t: t.tensor([1.0, 2]).to("cpu"),
    "to cpu and dtype": lambda t: t.tensor([1.0, 2]).to("cpu", t.float64),
    "to keywords": lambda t: t.tensor([1.0, 2]).to(device="cpu", dtype=t.int64),
    "to other tensor": lambda t: t.tensor([1.0, 2]).to(t.tensor([1])),
    "to device object": lambda t: t.tensor([1.0, 2]).to(t.device("cpu")),
    "to same dtype is self": lambda t: (lambda x: x.to(t.float32) is x)(t.tensor([1.0])),
    "to copy=True": lambda t: (lambda x: x.to(t.float32, copy=True) is x)(t.tensor([1.0])),
    "float": lambda t: t.tensor([1, 2]).float(),
    "float is self": lambda t: (lambda x: x.float() is x)(t.ones(2)),
    "long truncates": lambda t: t.tensor([1.7, -2.7]).long(),
    "int": lambda t: t.tensor([1.7]).int(),
    "double": lambda t: t.tensor([1]).double(),
    "half": lambda t: t.tensor([1.5]).half(),
    "bool": lambda t: t.tensor([0.0, 2]).bool(),
    "byte": lambda t: t.tensor([1.0, 2]).byte(),
    "short": lambda t: t.tensor([1.0, 2]).short(),
    "char": lambda t: t.tensor([1.0, 2]).char(),
    "type()": lambda t: t.tensor([1.0, 2]).type(),
    "type() long": lambda t: t.tensor([1, 2]).type(),
    "type() bool": lambda t: t.tensor([True]).type(),
    "type(dtype)": lambda t: t.tensor([1.0, 2]).type(t.float64),
    "type(name)": lambda t: t.tensor([1.0, 2]).type("torch.LongTensor"),
    "type(bad name)": lambda t: t.tensor([1.0, 2]).type("foo"),
    "type(class)": lambda t: t.tensor([1, 2]).type(t.FloatTensor),
    "type_as": lambda t: t.tensor([1, 2]).type_as(t.tensor([1.0])),
    "long of grad tensor": lambda t: t.tensor([1.0, 2], requires_grad=True).long(),
    "double of grad tensor": lambda t: t.tensor([1.0, 2], requires_grad=True).double(),
    "cpu": lambda t: t.tensor([1.0, 2]).cpu(),
    "int * float scalar": lambda t: (t.tensor([1, 2]) * 1.5).dtype,
    "int / int": lambda t: (t.tensor([1, 2]) / 2).dtype,
    "int + int": lambda t: (t.tensor([1, 2]) + 1).dtype,
    "float + double 0-d": lambda t: (t.ones(2) + t.tensor(1.0, dtype=t.float64)).dtype,
    "float + double": lambda t: (t.ones(2) + t.ones(2, dtype=t.float64)).dtype,
    "bool + bool": lambda t: (t.tensor([True]) + t.tensor([True])).dtype,
    "mean of int": lambda t: t.tensor([1, 2]).float().mean().dtype,
}


@pytest.mark.parametrize("name", list(CASES))
def test_like_torch(name):
    assert _text(CASES[name], galton) == _text(CASES[name], torch)


@pytest.mark.parametrize("fn", [lambda t, x: x.double() * 3, lambda t, x: x.to(t.float64).sum(),
                                lambda t, x: x.half().float() * 2, lambda t, x: x.to("cpu") * x])
def test_gradient_flows_through_casts(fn):
    compare(fn, [(3, 2)], rtol=1e-3, atol=1e-3)


def test_gradient_has_the_input_dtype():
    x = galton.ones(3, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == galton.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_cuda_moves_or_says_how_to_get_cupy():
    if galton.cuda.is_available():
        x = galton.ones(2, requires_grad=True)
        y = x.to("cuda")
        assert y.device.type == "cuda" and y.cpu().tolist() == [1.0, 1.0]
        return
    with pytest.raises(RuntimeError, match="CuPy"):
        galton.ones(2).to("cuda")


def test_bad_argument():
    with pytest.raises(TypeError, match="to\\(\\) received an invalid argument"):
        galton.ones(2).to(3.5)
