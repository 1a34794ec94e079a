"""-inf, inf and NaN arrive silently, as in PyTorch: no NumPy RuntimeWarning from any op, its
backward, a layer or an optimizer step, even with warnings turned into errors or NumPy set to
raise; the user's own NumPy code keeps its warnings (issue 12, issue 14)."""
import warnings

import numpy as np
import pytest
import torch

import galton

EDGE = [0.0, -0.0, -1.0, 1.0, float("inf"), -float("inf"), float("nan"), 3e38, -3e38, 2.0]

OPS = {
    "log": lambda m, x: m.log(x),
    "log2": lambda m, x: m.log2(x),
    "log10": lambda m, x: m.log10(x),
    "log1p": lambda m, x: m.log1p(x),
    "sqrt": lambda m, x: m.sqrt(x),
    "rsqrt": lambda m, x: m.rsqrt(x),
    "exp": lambda m, x: m.exp(x),
    "expm1": lambda m, x: m.expm1(x),
    "reciprocal": lambda m, x: m.reciprocal(x),
    "div by zero": lambda m, x: x / 0,
    "zero by x": lambda m, x: 0 / x,
    "x / x": lambda m, x: x / x,
    "pow 0.5": lambda m, x: x ** 0.5,
    "pow -1": lambda m, x: x ** -1,
    "pow 3": lambda m, x: x ** 3,
    "pow x": lambda m, x: m.pow(m.full_like(x, 2.0), x),
    "mul overflow": lambda m, x: x * 10,
    "add inf": lambda m, x: x + x.flip(0),
    "sub inf": lambda m, x: x - x,
    "matmul": lambda m, x: x.reshape(1, -1) @ x.reshape(-1, 1),
    "sum": lambda m, x: x.sum(),
    "mean": lambda m, x: x.mean(),
    "var": lambda m, x: x.var(),
    "prod": lambda m, x: x.prod(),
    "cumsum": lambda m, x: x.cumsum(0),
    "softmax": lambda m, x: m.softmax(x, 0),
    "log_softmax": lambda m, x: m.log_softmax(x, 0),
    "logsumexp": lambda m, x: m.logsumexp(x, 0),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "tanh": lambda m, x: m.tanh(x),
    "sin": lambda m, x: m.sin(x),
    "remainder": lambda m, x: m.remainder(x, 0.0),
    "fmod": lambda m, x: m.fmod(x, 0.0),
    "floor_divide": lambda m, x: m.floor_divide(x, 0.0),
    "F.gelu": lambda m, x: m.nn.functional.gelu(x),
    "F.softplus": lambda m, x: m.nn.functional.softplus(x),
    "F.mse_loss": lambda m, x: m.nn.functional.mse_loss(x, m.zeros_like(x)),
    "F.normalize": lambda m, x: m.nn.functional.normalize(x.reshape(2, -1), dim=1),
    "F.layer_norm": lambda m, x: m.nn.functional.layer_norm(x.reshape(2, -1), (5,)),
    "F.dropout": lambda m, x: m.nn.functional.dropout(x, 0.5, training=True) * 0,
    "clamp": lambda m, x: x.clamp(-1, 1),
}


def _silently(fn):
    """fn() with every warning an error and NumPy told to raise on every floating-point error:
    a galton op that leaked NumPy's state would fail either way."""
    old = np.seterr(all="raise")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return fn()
    finally:
        np.seterr(**old)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_and_its_backward_are_silent_and_match_torch(name):
    fn = OPS[name]

    def run_galton():
        x = galton.tensor(EDGE, requires_grad=True)
        y = fn(galton, x)
        y.sum().backward() if y.requires_grad else None
        return y, x.grad

    y, g = _silently(run_galton)
    # gelu: PyTorch's float32 result at inf and 3e38 depends on the CPU. Its AVX-512 kernel
    # (16 lanes) returns nan at inf and overflows to inf at 3e38, while its scalar path (AMD
    # EPYC, or a single element) and float64 give inf and 3e38, the limits of x * Phi(x).
    # The exact values are the reference: PyTorch's float64 result, rounded to float32.
    dtype = torch.float64 if name in ("F.gelu",) else torch.float32
    xt = torch.tensor(EDGE, dtype=dtype, requires_grad=True)
    yt = fn(torch, xt)
    try:
        yt.sum().backward()
    except RuntimeError:  # PyTorch has no derivative (floor_divide)
        pass
    if name == "F.dropout":  # random masks: only the silence is compared
        return
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().float().numpy(), rtol=1e-5,
                               atol=1e-30, equal_nan=True)
    if xt.grad is not None and g is not None and name != "prod":
        # (prod: with an inf or NaN factor PyTorch's gradient of the others is 0, galton's NaN)
        # the gradients where the formulas are not at their limits (signed zeros, infinities
        # and overflowing intermediates are where PyTorch's and galton's formulas part)
        moderate = np.array([x != 0 and abs(x) < 1e30 for x in EDGE])
        np.testing.assert_allclose(g.numpy()[moderate], xt.grad.float().numpy()[moderate],
                                   rtol=1e-5, atol=1e-30, equal_nan=True)


def test_issue_12_log_of_zero_is_minus_inf_without_a_warning():
    out = _silently(lambda: galton.log(galton.tensor(0.0)))
    assert out.item() == -float("inf")


def test_empty_reductions_are_nan_without_a_warning():
    assert np.isnan(_silently(lambda: galton.zeros(0).mean()).item())
    assert np.isnan(_silently(lambda: galton.zeros(0, 3).mean(0)).numpy()).all()
    assert torch.zeros(0).mean().isnan()


def test_training_step_that_overflows_is_silent():
    def step():
        galton.manual_seed(0)
        model = galton.nn.Sequential(galton.nn.Linear(4, 8), galton.nn.ReLU(),
                                     galton.nn.Linear(8, 3))
        opt = galton.optim.Adam(model.parameters(), lr=1e30)
        x, y = galton.randn(5, 4) * 1e30, galton.tensor([0, 1, 2, 0, 1])
        for _ in range(3):
            opt.zero_grad()
            loss = galton.nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            opt.step()
        return loss
    assert not np.isfinite(_silently(step).item())


def test_user_numpy_keeps_its_own_warnings_and_settings():
    galton.log(galton.tensor(0.0))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))
    old = np.seterr(all="raise")
    try:
        galton.sqrt(galton.tensor(-1.0))  # galton stays silent under the user's setting
        with pytest.raises(FloatingPointError):
            np.sqrt(np.array(-1.0))  # and the user's setting still holds for the user
    finally:
        np.seterr(**old)


def test_warnings_galton_means_still_point_at_the_callers_line():
    # the silent wrapper adds a frame; PyTorch's own warnings must still name the user's line
    with pytest.warns(UserWarning, match="degrees of freedom") as rec:
        galton.zeros(1).var()
    assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match="Implicit dimension") as rec:
        galton.nn.Softmax()(galton.zeros(2, 2))
    assert rec[0].filename == __file__
