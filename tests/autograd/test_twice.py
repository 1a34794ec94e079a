"""create_graph=True: second derivatives of every op family against PyTorch and finite
differences (gradgradcheck), refusals, memory."""
import gc
import weakref

import numpy as np
import pytest

import galton
from galton.autograd import gradgradcheck

from tests.autograd.twice_oracle import compare_twice

F = "nn.functional"

CASES = {
    "add": (lambda t, x, y: x + y * 2 - x * 0.5, [(3, 4), (4,)]),
    "sub_alpha": (lambda t, x, y: t.sub(x, y, alpha=2) ** 2, [(3, 4), (3, 1)]),
    "mul": (lambda t, x, y: x * y, [(3, 4), (4,)]),
    "div": (lambda t, x, y: x / y, [(3, 4), (4,)]),
    "rdiv": (lambda t, x: 2 / (x.abs() + 1), [(4,)]),
    "pow_int": (lambda t, x: x ** 3, [(3,)]),
    "pow_tensor": (lambda t, x, y: x.abs() ** y, [(3,), (3,)]),
    "rpow": (lambda t, x: 2 ** x, [(3,)]),
    "neg": (lambda t, x: -(x ** 3), [(3,)]),
    "exp": (lambda t, x: t.exp(x) * x, [(3,)]),
    "log": (lambda t, x: t.log(x.abs() + 1) * x, [(3,)]),
    "log2_log10_log1p": (lambda t, x: t.log2(x.abs() + 1) * t.log10(x.abs() + 2)
                         * t.log1p(x.abs()), [(4,)]),
    "sin_cos_tan": (lambda t, x: t.sin(x) * t.cos(x) + t.tan(x * 0.3), [(3,)]),
    "tanh": (lambda t, x: t.tanh(x) ** 2, [(5,)]),
    "sigmoid": (lambda t, x: t.sigmoid(x) * x, [(5,)]),
    "sqrt_rsqrt": (lambda t, x: t.sqrt(x.abs() + 1) * t.rsqrt(x.abs() + 1) * x, [(5,)]),
    "relu": (lambda t, x: t.relu(x) * x, [(5,)]),
    "relu_kernel": (lambda t, x: t.relu(x) * x, [(4, 64, 64)]),
    "abs_sign": (lambda t, x: x.abs() ** 3 + t.sign(x) * x, [(5,)]),
    "erf": (lambda t, x: t.erf(x) * x, [(5,)]),
    "reciprocal_expm1_square": (lambda t, x: t.reciprocal(x.abs() + 1) * t.expm1(x)
                                * t.square(x), [(5,)]),
    "where": (lambda t, x, y: t.where(x > 0, x * y, y ** 2), [(5,), (5,)]),
    "maximum_minimum": (lambda t, x, y: t.maximum(x, y) ** 2 + t.minimum(x, y) ** 3,
                        [(5,), (5,)]),
    "clamp": (lambda t, x: x.clamp(-0.5, 0.5) ** 2, [(5,)]),
    "sum": (lambda t, x: x.sum(1) ** 2 + x.sum() * x.sum(), [(3, 4)]),
    "mean": (lambda t, x: x.mean(0, keepdim=True) ** 2 * x, [(3, 4)]),
    "max_dim": (lambda t, x: x.max(1)[0] ** 2, [(3, 4)]),
    "max_all": (lambda t, x: x.max() ** 2 * x.min(), [(3, 4)]),
    "amax": (lambda t, x: x.amax(1) ** 2, [(3, 4)]),
    "var_std": (lambda t, x: x.var(1) ** 2 + x.std(0).sum() * x.sum(), [(3, 4)]),
    "logsumexp": (lambda t, x: t.logsumexp(x, 1) ** 2, [(3, 4)]),
    "norm": (lambda t, x: x.norm(2, dim=1) ** 2 * x.norm() + x.norm(1) * x.norm(3), [(3, 4)]),
    "cumsum": (lambda t, x: x.cumsum(1) ** 2, [(3, 4)]),
    "matmul": (lambda t, x, y: (x @ y) ** 2, [(3, 4), (4, 2)]),
    "matmul_batch_vector": (lambda t, x, y: (x @ y) ** 2, [(2, 3, 4), (4,)]),
    "matmul_vector_matrix": (lambda t, x, y: (x @ y) ** 2, [(4,), (4, 3)]),
    "dot": (lambda t, x, y: t.dot(x, y) ** 2, [(4,), (4,)]),
    "linear": (lambda t, x, w, b: t.nn.functional.linear(x, w, b) ** 2, [(3, 4), (2, 4), (2,)]),
    "linear_3d": (lambda t, x, w: t.nn.functional.linear(x, w) ** 2, [(2, 3, 4), (2, 4)]),
    "reshape_t": (lambda t, x: x.reshape(4, 3).t() ** 2, [(3, 4)]),
    "permute": (lambda t, x: x.permute(2, 0, 1) ** 3, [(2, 3, 4)]),
    "transpose_squeeze": (lambda t, x: x.transpose(0, 2).squeeze(1) ** 3, [(2, 1, 4)]),
    "expand": (lambda t, x: x.unsqueeze(0).expand(3, 4) ** 3, [(4,)]),
    "getitem_basic": (lambda t, x: x[1:, ::2] ** 3, [(3, 4)]),
    "getitem_repeated": (lambda t, x: x[[0, 0, 2]] ** 3, [(3, 4)]),
    "cat": (lambda t, x, y: t.cat([x, y], 1) ** 3, [(3, 4), (3, 2)]),
    "stack": (lambda t, x, y: t.stack([x, y], 1) ** 3, [(3, 4), (3, 4)]),
    "split_chunk_unbind": (lambda t, x: x.split(2, 1)[1] ** 3 + x.chunk(2, 1)[0] ** 2
                           + x.unbind(1)[0].unsqueeze(1) ** 3, [(3, 4)]),
    "softmax": (lambda t, x: t.softmax(x, 1) * x, [(3, 4)]),
    "log_softmax": (lambda t, x: t.log_softmax(x, 1) ** 2, [(3, 4)]),
}

ACTIVATIONS = ["gelu", "silu", "elu", "selu", "leaky_relu", "softplus", "mish", "logsigmoid",
               "softsign", "hardswish", "tanhshrink", "hardtanh", "relu6",
               "hardshrink", "softshrink"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_torch(name):
    fn, shapes = CASES[name]
    compare_twice(fn, shapes)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_second_derivatives_match_torch(name):
    compare_twice(lambda t, x: getattr(t.nn.functional, name)(x * 3) * x, [(7,)])


def test_hardsigmoid_second_derivative_is_zero():
    # PyTorch 2.13 refuses this one ("derivative for aten::hardsigmoid_backward is not
    # implemented"); it is piecewise linear, so the exact answer is 0 (gradgradcheck agrees)
    x = galton.tensor([-4.0, -1.0, 0.5, 2.0, 4.0], dtype=galton.float64, requires_grad=True)
    assert gradgradcheck(galton.nn.functional.hardsigmoid, (x,))


def test_activation_variants_match_torch():
    compare_twice(lambda t, x: t.nn.functional.gelu(x, approximate="tanh") * x, [(6,)])
    compare_twice(lambda t, x: t.nn.functional.celu(x, 0.5) * x, [(6,)])
    compare_twice(lambda t, x: t.nn.functional.softplus(x, 2.0) * x, [(6,)])


@pytest.mark.parametrize("name", ["mul", "div", "pow_tensor", "exp", "tanh", "sigmoid", "max_dim",
                                  "var_std", "logsumexp", "norm", "matmul", "linear",
                                  "getitem_repeated", "cat", "softmax", "log_softmax"])
def test_gradgradcheck(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(1)
    xs = [galton.tensor(rng.standard_normal(s) + (0.5 if name == "pow_tensor" else 0),
                        requires_grad=True) for s in shapes]
    assert gradgradcheck(lambda *a: fn(galton, *a), xs)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    from galton.ops._util import make_result

    def bad_square(x):  # first derivative right, its graph wrong (2 * const instead of 2x)
        a = x._data
        return make_result(a * a, (x,), lambda g, xp=np: (g * 2 * a,), "BadBackward")
    x = galton.tensor([0.5, -1.0], dtype=galton.float64, requires_grad=True)
    assert galton.autograd.gradcheck(bad_square, (x,))
    assert not gradgradcheck(bad_square, (x,), raise_exception=False)


def test_newton_second_derivative():
    x = galton.tensor(2.0, requires_grad=True)
    y = x ** 4 - 2 * x ** 2
    (d1,) = galton.autograd.grad(y, x, create_graph=True)
    (d2,) = galton.autograd.grad(d1, x, create_graph=True)
    (d3,) = galton.autograd.grad(d2, x)
    assert d1.item() == 24.0 and d2.item() == 44.0 and d3.item() == 48.0


def test_backward_create_graph_grad_has_a_graph():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_without_create_graph_grads_are_plain():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    (g,) = galton.autograd.grad((x ** 3).sum(), x)
    assert not g.requires_grad and g.grad_fn is None


def test_op_without_double_backward_refuses_in_one_line_naming_it():
    x = galton.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = galton.autograd.grad(x.prod(), x, create_graph=True)  # the first derivative works
    np.testing.assert_allclose(g.detach().numpy(), [6.0, 3.0, 2.0])
    with pytest.raises(RuntimeError, match=r"^ProdBackward0: galton cannot differentiate") as e:
        galton.autograd.grad(g.sum(), x)
    assert "\n" not in str(e.value)


def test_hooks_and_retain_grad_under_create_graph():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 2
    y.retain_grad()
    y.register_hook(lambda g: g * 3)
    y.sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.detach().numpy(), [6.0, 12.0])
    assert y.grad is not None


def test_double_backward_graph_is_freed():
    x = galton.tensor(np.ones(3), requires_grad=True)
    (g,) = galton.autograd.grad((x.exp() * x).sum(), x, create_graph=True)
    ref = weakref.ref(g.grad_fn)
    del g
    gc.collect()
    assert ref() is None


def test_grad_outputs_with_a_graph_are_differentiated():
    x = galton.tensor([1.0, 2.0], requires_grad=True)
    v = galton.tensor([3.0, 4.0], requires_grad=True)
    (g,) = galton.autograd.grad(x * x, x, grad_outputs=v, create_graph=True)
    (dv,) = galton.autograd.grad(g.sum(), v)
    np.testing.assert_allclose(dv.numpy(), [2.0, 4.0])
