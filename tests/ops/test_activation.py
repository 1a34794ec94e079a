import numpy as np
import pytest

import galton
from galton.ops import activation as A
from tests.oracle import compare, gradcheck

SHAPES = [(7,), (4, 5), (2, 3, 4), (2, 3, 2, 2)]

# (galton op, torch function, kwargs): each is checked forward and backward on every shape
POINTWISE = [
    ("gelu", "gelu", {}),
    ("gelu", "gelu", {"approximate": "tanh"}),
    ("silu", "silu", {}),
    ("elu", "elu", {}),
    ("elu", "elu", {"alpha": 0.5}),
    ("selu", "selu", {}),
    ("celu", "celu", {"alpha": 2.0}),
    ("leaky_relu", "leaky_relu", {}),
    ("leaky_relu", "leaky_relu", {"negative_slope": 0.2}),
    ("relu6", "relu6", {}),
    ("hardtanh", "hardtanh", {}),
    ("hardtanh", "hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("hardsigmoid", "hardsigmoid", {}),
    ("hardswish", "hardswish", {}),
    ("softplus", "softplus", {}),
    ("softplus", "softplus", {"beta": 2.0, "threshold": 1.0}),
    ("softsign", "softsign", {}),
    ("mish", "mish", {}),
    ("logsigmoid", "logsigmoid", {}),
    ("tanhshrink", "tanhshrink", {}),
    ("threshold", "threshold", {"threshold": 0.1, "value": -2.0}),
    ("hardshrink", "hardshrink", {}),
    ("softshrink", "softshrink", {"lambd": 0.3}),
]


def _torch_fn(name):
    import torch.nn.functional as TF
    return getattr(TF, name)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op,tname,kw", POINTWISE, ids=[f"{p[0]}{p[2]}" for p in POINTWISE])
def test_pointwise_against_torch(op, tname, kw, shape):
    tf = _torch_fn(tname)
    gf = getattr(A, op)
    # scaled so the inputs cross every kink (|x| = 3 for hardswish, 6 for relu6, ...)
    x = (np.random.default_rng(1).standard_normal(shape) * 4).astype("float32")
    compare(lambda t, a: gf(a, **kw) if t is galton else tf(a, **kw), None, inputs=[x])


@pytest.mark.parametrize("op,tname,kw", POINTWISE, ids=[f"{p[0]}{p[2]}" for p in POINTWISE])
def test_pointwise_gradcheck(op, tname, kw):
    gf = getattr(A, op)
    # kinks (x = 0, +-3, ...) have no derivative; keep the sample away from them
    x = np.array([-5.3, -2.1, -0.7, -0.2, 0.25, 0.6, 1.4, 2.7, 4.2, 7.1])
    xt = galton.tensor(x, dtype=galton.float64, requires_grad=True)
    assert galton.autograd.gradcheck(lambda a: gf(a, **kw), [xt])


def test_extreme_inputs_stay_finite():
    x = galton.tensor([-1e4, -100.0, 0.0, 100.0, 1e4], requires_grad=True)
    for f in (A.silu, A.softplus, A.mish, A.logsigmoid, A.elu, A.selu, A.celu, A.gelu):
        y = f(x)
        y.sum().backward()
        assert np.isfinite(y.detach().numpy()).all(), f.__name__
        assert np.isfinite(x.grad.numpy()).all(), f.__name__
        x.grad = None


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((4, 6), 1), ((4, 6), 0), ((2, 3, 4), -1),
                                       ((2, 3, 4), 1), ((2, 3, 4, 2), 2)])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_against_torch(op, shape, dim):
    compare(lambda t, x: getattr(t, op)(x, dim), [shape])
    compare(lambda t, x: getattr(x, op)(dim), [shape])


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_non_contiguous_and_large(op):
    compare(lambda t, x: getattr(t, op)(x.transpose(0, 1) * 50, 1), [(5, 3)])
    x = galton.tensor([[1000.0, 0.0, -1000.0]])
    assert np.isfinite(getattr(galton, op)(x, 1).numpy()).all()


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_dtype_and_scalar(op):
    import torch
    compare(lambda t, x: getattr(t, op)(x, 1, dtype=t.float64), [(3, 4)])
    compare(lambda t, x: getattr(t, op)(x, 0), [()])
    compare(lambda t, x: getattr(t, op)(x, -1), [()])
    with pytest.raises(IndexError, match="Dimension out of range"):
        getattr(galton, op)(galton.ones(2, 3), 2)
    assert getattr(torch, op)(torch.ones(2, 3), 1).dtype == torch.float32


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 4), 1), ((2, 3, 2), 0)])
def test_softmax_gradcheck(op, shape, dim):
    gradcheck(lambda t, x: getattr(A, op)(x, dim), [shape])


@pytest.mark.parametrize("wshape,xshape", [((1,), (4, 3)), ((3,), (4, 3)), ((3,), (2, 3, 4)),
                                           ((2,), (2, 2, 3, 3)), ((1,), (5,)), ((1,), ())])
def test_prelu_against_torch(wshape, xshape):
    import torch
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xshape).astype("float32")
    w = (rng.random(wshape) * 0.5).astype("float32")
    compare(lambda t, a, b: A.prelu(a, b) if t is galton else torch.nn.functional.prelu(a, b),
            None, inputs=[x, w])
    gradcheck(lambda t, a, b: A.prelu(a, b), [xshape, wshape])


def test_prelu_tensor_method_and_channel_error():
    x = galton.ones(2, 4)
    assert x.prelu(galton.tensor([0.1])).shape == (2, 4)
    with pytest.raises(RuntimeError, match="Found parameter numbers = 3 and channel size = 4"):
        A.prelu(x, galton.ones(3))


@pytest.mark.parametrize("shape,dim", [((4, 6), -1), ((4, 6), 0), ((2, 4, 3), 1)])
def test_glu_against_torch(shape, dim):
    import torch
    compare(lambda t, x: A.glu(x, dim) if t is galton else torch.nn.functional.glu(x, dim),
            [shape])
    gradcheck(lambda t, x: A.glu(x, dim), [shape])


def test_glu_odd_dimension():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 5"):
        A.glu(galton.ones(2, 5))


def test_gelu_bad_approximate():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        A.gelu(galton.ones(2), approximate="fast")


def test_float32_stays_float32():
    x = galton.randn(3, 4, requires_grad=True)
    for f in (A.gelu, A.silu, A.elu, A.selu, A.softplus, A.mish, A.logsigmoid, A.hardswish,
              A.hardsigmoid, A.softsign, A.leaky_relu, A.relu6, A.celu, A.tanhshrink):
        y = f(x)
        assert y.dtype == galton.float32, f.__name__
        y.sum().backward()
        assert x.grad.dtype == galton.float32, f.__name__
        x.grad = None
    for f in (A.softmax, A.log_softmax):
        y = f(x, 1)
        assert y.dtype == galton.float32
        (y * y).sum().backward()
        assert x.grad.dtype == galton.float32
        x.grad = None


def test_grad_fn_names():
    x = galton.randn(3, requires_grad=True)
    assert A.softmax(x, 0).grad_fn.name() == "SoftmaxBackward0"
    assert A.log_softmax(x, 0).grad_fn.name() == "LogSoftmaxBackward0"
    assert A.gelu(x).grad_fn.name() == "GeluBackward0"
