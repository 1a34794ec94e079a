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
    # embedding_bag's backward has no graph form (PyTorch does not differentiate it twice either)
    w = galton.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    out = galton.nn.functional.embedding_bag(galton.tensor([0, 2, 1]), w,
                                             galton.tensor([0, 2]), mode="sum")
    (g,) = galton.autograd.grad((out ** 2).sum(), w, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [[12.0, 16.0], [6.0, 8.0], [12.0, 16.0]])
    with pytest.raises(RuntimeError, match=r"^EmbeddingBagBackward0: galton cannot "
                                           r"differentiate") as e:
        galton.autograd.grad(g.sum(), w)
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


# --- layers: convolution, pooling, normalisation, losses --------------------------------

def _int_target(shape, classes, seed=0):
    return np.random.default_rng(seed).integers(0, classes, shape)


LAYER_CASES = {
    "conv2d": (lambda t, x, w, b: t.nn.functional.conv2d(x, w, b, stride=2, padding=1) ** 2,
               [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
    "conv2d_groups_dilation": (lambda t, x, w: t.nn.functional.conv2d(
        x, w, groups=2, dilation=2, padding=2) ** 2, [(1, 4, 6, 6), (6, 2, 3, 3)]),
    "conv_transpose2d": (lambda t, x, w, b: t.nn.functional.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1) ** 2, [(2, 4, 3, 3), (4, 3, 3, 3), (3,)]),
    "unfold_fold": (lambda t, x: t.nn.functional.fold(t.nn.functional.unfold(x, 2) ** 2, (4, 4),
                                                      2), [(1, 2, 4, 4)]),
    "max_pool2d_2x2": (lambda t, x: t.nn.functional.max_pool2d(x * x, 2) ** 2, [(2, 3, 6, 5)]),
    "max_pool2d_overlapping": (lambda t, x: t.nn.functional.max_pool2d(x * x, 3, 1, 1) ** 2,
                               [(1, 2, 5, 5)]),
    "avg_pool2d": (lambda t, x: t.nn.functional.avg_pool2d(x * x, 3, 2, 1) ** 2, [(1, 2, 5, 5)]),
    "adaptive_avg_pool2d": (lambda t, x: t.nn.functional.adaptive_avg_pool2d(x * x, (2, 3)) ** 2,
                            [(1, 2, 5, 7)]),
    "adaptive_max_pool2d": (lambda t, x: t.nn.functional.adaptive_max_pool2d(x * x, (2, 3)) ** 2,
                            [(1, 2, 5, 7)]),
    "batch_norm_train": (lambda t, x, w, b: t.nn.functional.batch_norm(
        x, None, None, w, b, training=True) ** 2, [(4, 3, 2, 2), (3,), (3,)]),
    "batch_norm_eval": (lambda t, x, w, b: t.nn.functional.batch_norm(
        x, t.ones(3, dtype=t.float64) * 0.5, t.ones(3, dtype=t.float64) * 2, w, b) ** 2,
        [(4, 3, 2), (3,), (3,)]),
    "layer_norm": (lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b) ** 2,
                   [(3, 4), (4,), (4,)]),
    "group_norm": (lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b) ** 2,
                   [(2, 4, 3), (4,), (4,)]),
    "mse_loss": (lambda t, x, y: t.nn.functional.mse_loss(x * x, y), [(3, 4), (3, 4)]),
    "l1_loss": (lambda t, x, y: t.nn.functional.l1_loss(x * x, y), [(3, 4), (3, 4)]),
    "smooth_l1_loss": (lambda t, x, y: t.nn.functional.smooth_l1_loss(x * x, y, beta=0.5),
                       [(3, 4), (3, 4)]),
    "huber_loss": (lambda t, x, y: t.nn.functional.huber_loss(x * x, y, reduction="sum"),
                   [(3, 4), (3, 4)]),
    "bce": (lambda t, x, y: t.nn.functional.binary_cross_entropy(t.sigmoid(x), t.sigmoid(y)),
            [(3, 4), (3, 4)]),
    "bce_with_logits": (lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(
        x * 2, t.sigmoid(y), pos_weight=t.tensor([1.0, 2.0, 0.5, 1.0], dtype=t.float64)),
        [(3, 4), (3, 4)]),
    "cross_entropy_probs": (lambda t, x, y: t.nn.functional.cross_entropy(
        x * x, t.softmax(y, 1), label_smoothing=0.1), [(3, 4), (3, 4)]),
}


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layer_second_derivatives_match_torch(name):
    fn, shapes = LAYER_CASES[name]
    compare_twice(fn, shapes, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"reduction": "none"},
                                {"label_smoothing": 0.2}, {"ignore_index": 1},
                                {"weight": True, "label_smoothing": 0.1}])
def test_cross_entropy_and_nll_second_derivatives_match_torch(kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4, 3))
    target = rng.integers(0, 4, (5, 3))

    def fn(t, x):
        k = dict(kw)
        if k.pop("weight", False):
            k["weight"] = t.tensor([1.0, 2.0, 0.5, 1.5], dtype=t.float64)
        tt = t.tensor(target)
        return (t.nn.functional.cross_entropy(x * x, tt, **k)
                + t.nn.functional.nll_loss(t.log_softmax(x, 1) * x, tt,
                                           **{a: b for a, b in k.items()
                                              if a != "label_smoothing"}).sum())
    compare_twice(fn, inputs=[x])


@pytest.mark.parametrize("name", ["conv2d", "max_pool2d_2x2", "avg_pool2d", "batch_norm_train",
                                  "layer_norm", "bce_with_logits"])
def test_layer_gradgradcheck(name):
    fn, shapes = LAYER_CASES[name]
    rng = np.random.default_rng(2)
    xs = [galton.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradgradcheck(lambda *a: fn(galton, *a), xs)


def test_seed_cnn_float32_step_under_create_graph():
    """The seed-000 network in float32 (compiled kernels where present): the gradient penalty
    of its logits with respect to the image, differentiated into the weights."""
    import torch
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 28, 28)).astype(np.float32)
    results = []
    for lib in (galton, torch):
        lib.manual_seed(0)
        nn = lib.nn
        net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 8, 3),
                            nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(200, 10))
        if lib is galton:
            state = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
        else:
            net.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
        xi = lib.tensor(x, requires_grad=True)
        (gx,) = lib.autograd.grad(net(xi).logsumexp(1).sum(), xi, create_graph=True)
        penalty = (gx * gx).sum()
        penalty.backward()
        results.append([p.grad.numpy().copy() for p in net.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-6)


# --- real-program idioms, against PyTorch ----------------------------------------------------

def _mlp_state(lib, seed=0):
    rng = np.random.default_rng(seed)
    return {"0.weight": rng.standard_normal((8, 2)), "0.bias": rng.standard_normal(8),
            "2.weight": rng.standard_normal((1, 8)), "2.bias": rng.standard_normal(1)}


def _idiom(lib, which):
    net = lib.nn.Sequential(lib.nn.Linear(2, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1)).double()
    net.load_state_dict({k: lib.tensor(v) for k, v in _mlp_state(lib).items()})
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((5, 2)), requires_grad=True)
    y = lib.tensor(rng.standard_normal((5, 1)))
    if which == "maml":  # one inner SGD step with create_graph, the outer loss through it
        params = dict(net.named_parameters())
        inner = ((lib.func.functional_call(net, params, x) - y) ** 2).mean()
        grads = lib.autograd.grad(inner, list(params.values()), create_graph=True)
        fast = {k: p - 0.1 * g for (k, p), g in zip(params.items(), grads)}
        outer = ((lib.func.functional_call(net, fast, x * 2) - y) ** 2).mean()
    else:  # physics-informed: u'' + u = 0 at the points, derivatives of the net's output in x
        u = net(x)
        (du,) = lib.autograd.grad(u.sum(), x, create_graph=True)
        (ddu,) = lib.autograd.grad(du[:, 0].sum(), x, create_graph=True)
        outer = ((ddu[:, 0:1] + u) ** 2).mean()
    outer.backward()
    return [p.grad.numpy().copy() for p in net.parameters()]


@pytest.mark.parametrize("which", ["maml", "pinn"])
def test_maml_and_physics_informed_losses_match_torch(which):
    import torch
    for a, b in zip(_idiom(galton, which), _idiom(torch, which)):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
