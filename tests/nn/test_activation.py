"""Activation layers and nn.functional's activations against torch."""
import warnings

import numpy as np
import pytest
import torch

import galton
import galton.nn as nn
import galton.nn.functional as F
from tests.oracle import compare

# (class name, constructor args): every layer is compared forward and backward with torch's
MODULES = [("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", ()), ("LeakyReLU", (0.2,)), ("ELU", ()),
           ("ELU", (0.5,)), ("SELU", ()), ("CELU", (1.5,)), ("GELU", ()), ("GELU", ("tanh",)),
           ("SiLU", ()), ("Mish", ()), ("Sigmoid", ()), ("Tanh", ()), ("Softmax", (1,)),
           ("LogSoftmax", (1,)), ("Softmin", (1,)), ("Softmax", (-1,)), ("Softplus", ()),
           ("Softplus", (2.0, 1.0)), ("Softsign", ()), ("Hardtanh", ()), ("Hardtanh", (-2.0, 3.0)),
           ("Hardsigmoid", ()), ("Hardswish", ()), ("LogSigmoid", ()), ("GLU", ()), ("GLU", (1,)),
           ("Threshold", (0.1, 20.0)), ("Tanhshrink", ()), ("Hardshrink", ()),
           ("Softshrink", (0.3,))]


@pytest.mark.parametrize("name,args", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
@pytest.mark.parametrize("shape", [(4, 6), (2, 4, 3, 2)])
def test_module_against_torch(name, args, shape):
    x = (np.random.default_rng(0).standard_normal(shape) * 4).astype(np.float32)
    compare(lambda t, a: getattr(t.nn, name)(*args)(a), None, inputs=[x])


@pytest.mark.parametrize("name,args", MODULES, ids=[f"{m[0]}{m[1]}" for m in MODULES])
def test_repr_like_torch(name, args):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("name,args", [("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)),
                                       ("ELU", (0.5,)), ("SELU", ()), ("CELU", (1.0,)),
                                       ("SiLU", ()), ("Mish", ()), ("Hardtanh", (-2.0, 2.0)),
                                       ("Hardsigmoid", ()), ("Hardswish", ()),
                                       ("Threshold", (0.1, 20.0))])
def test_inplace_modules(name, args):
    assert repr(getattr(nn, name)(*args, inplace=True)) == \
        repr(getattr(torch.nn, name)(*args, inplace=True))

    def run(t, a):
        h = a * 1.0  # a non-leaf, so the in-place op is allowed and recorded
        out = getattr(t.nn, name)(*args, inplace=True)(h)
        assert out is h
        return out
    x = (np.random.default_rng(1).standard_normal((3, 5)) * 4).astype(np.float32)
    compare(run, None, inputs=[x])


def test_inplace_without_grad_writes_into_input():
    x = galton.tensor([-1.0, 2.0, -3.0])
    v = x._version
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0, 0.0])
    assert x._version == v + 1
    y = galton.tensor([-1.0, 0.5])
    F.leaky_relu(y, 0.1, inplace=True)
    np.testing.assert_allclose(y.numpy(), [-0.1, 0.5])
    z = galton.tensor([-3.0, 3.0])
    F.hardtanh_(z, -1.0, 1.0)
    np.testing.assert_array_equal(z.numpy(), [-1.0, 1.0])


def test_inplace_on_leaf_requiring_grad_fails_like_torch():
    x = galton.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.ELU(inplace=True)(x)


@pytest.mark.parametrize("fn,kw", [("relu", {}), ("relu6", {}), ("elu", {"alpha": 0.7}),
                                   ("selu", {}), ("celu", {"alpha": 2.0}),
                                   ("leaky_relu", {"negative_slope": 0.3}), ("gelu", {}),
                                   ("gelu", {"approximate": "tanh"}), ("logsigmoid", {}),
                                   ("hardshrink", {"lambd": 0.4}), ("tanhshrink", {}),
                                   ("softsign", {}), ("softplus", {"beta": 0.5}),
                                   ("softshrink", {}), ("tanh", {}), ("sigmoid", {}),
                                   ("hardsigmoid", {}), ("silu", {}), ("mish", {}),
                                   ("hardswish", {}), ("hardtanh", {"min_val": -0.5}),
                                   ("threshold", {"threshold": 0.0, "value": 1.0}),
                                   ("glu", {"dim": 0}), ("softmax", {"dim": 0}),
                                   ("log_softmax", {"dim": 1}), ("softmin", {"dim": 1})])
def test_functional_against_torch(fn, kw):
    compare(lambda t, x: getattr(t.nn.functional, fn)(x, **kw), [(4, 3)])


def test_softmax_implicit_dim_warns_and_picks_torch_dim():
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        for name in ("softmax", "log_softmax", "softmin"):
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
                g = getattr(F, name)(galton.tensor(x))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = getattr(torch.nn.functional, name)(torch.tensor(x))
            np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_dtype_argument():
    x = galton.randn(2, 3)
    assert F.softmax(x, dim=1, dtype=galton.float64).dtype == galton.float64
    assert x.softmax(1).dtype == galton.float32


@pytest.mark.parametrize("num,xshape", [(1, (4, 3)), (3, (4, 3)), (3, (2, 3, 5)), (1, (6,))])
def test_prelu_module_against_torch(num, xshape):
    tm = torch.nn.PReLU(num, init=0.1)
    with torch.no_grad():
        tm.weight.uniform_(0, 0.5)
    gm = nn.PReLU(num, init=0.1)
    gm.load_state_dict({k: galton.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert list(gm.state_dict()) == ["weight"]
    assert repr(gm) == repr(tm)
    x = np.random.default_rng(2).standard_normal(xshape).astype(np.float32)
    gx, tx = galton.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    go, to = gm(gx), tm(tx)
    np.testing.assert_allclose(go.detach().numpy(), to.detach().numpy(), rtol=1e-6)
    (go * go).sum().backward()
    (to * to).sum().backward()
    np.testing.assert_allclose(gm.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_prelu_default_init_dtype_and_device():
    m = nn.PReLU(4, dtype=galton.float64)
    np.testing.assert_array_equal(m.weight.detach().numpy(), [0.25] * 4)
    assert m.weight.dtype == galton.float64 and m.weight.requires_grad
    assert list(nn.PReLU().parameters())[0].shape == (1,)


def test_modules_are_stateless_and_in_sequential_state_dict():
    assert list(nn.ReLU().state_dict()) == []
    assert list(nn.Softmax(dim=1).parameters()) == []


def test_hardtanh_bad_range():
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(2.0, 1.0)
