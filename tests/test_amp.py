"""galton.amp: GradScaler against torch.amp.GradScaler("cpu"), step for step; autocast's state,
and what the ops return inside it, against torch's CPU autocast."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import galton
import galton.nn.functional as F
from galton.amp import GradScaler, autocast
from galton.amp import autocast_mode

torch.set_num_threads(1)


# --- GradScaler ------------------------------------------------------------------------------
def _scaler_run(lib, scaler_cls, kind, steps=14):
    """A tiny model trained with a scaler; some steps get inf or NaN gradients."""
    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((3, 4)).astype("float32"), rng.standard_normal((5, 4))
    w = lib.tensor(w0, requires_grad=True)
    x = lib.tensor(x0.astype("float32"))
    opt = lib.optim.SGD([w], lr=0.01, momentum=0.9)
    scaler = scaler_cls("cpu", init_scale=2.0 ** 10, growth_interval=3)
    record = []
    for i in range(steps):
        opt.zero_grad()
        loss = ((x @ w.T) ** 2).mean()
        scaler.scale(loss).backward()
        if i in (2, 7):
            w.grad.data[0, 1] = np.inf if lib is galton else float("inf")
        if i == 8:
            w.grad.data[2, 2] = np.nan if lib is galton else float("nan")
        if kind == "clip":  # unscale first, clip, then step: the documented pattern
            scaler.unscale_(opt)
            lib.nn.utils.clip_grad_norm_([w], 0.5)
        out = scaler.step(opt)
        scaler.update()
        record.append((scaler.get_scale(), scaler.state_dict()["_growth_tracker"],
                       w.detach().numpy().copy(), out is None))
    return record


@pytest.mark.parametrize("kind", ["plain", "clip"])
def test_grad_scaler_matches_torch_sequence(kind):
    g = _scaler_run(galton, galton.amp.GradScaler, kind)
    t = _scaler_run(torch, torch.amp.GradScaler, kind)
    scales = [r[0] for r in t]
    # the sequence exercises growth (every 3 clean steps) and backoff (inf at 2 and 7, NaN at 8)
    assert scales[:6] == [1024.0, 1024.0, 512.0, 512.0, 512.0, 1024.0]
    assert scales[7:12] == [512.0, 256.0, 256.0, 256.0, 512.0]
    for (gs, gt, gw, _), (ts, tt, tw, _) in zip(g, t):
        assert (gs, gt) == (ts, tt)
        np.testing.assert_allclose(gw, tw, rtol=1e-6, atol=1e-7)
    # a skipped step leaves the parameters as they were
    np.testing.assert_array_equal(g[2][2], g[1][2])
    np.testing.assert_array_equal(g[8][2], g[7][2])


def test_grad_scaler_defaults_and_state_dict():
    s = GradScaler("cpu")
    t = torch.amp.GradScaler("cpu")
    assert s.state_dict() == t.state_dict() == {
        "scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000,
        "_growth_tracker": 0}
    loss = galton.tensor(1.5)
    assert s.scale(loss).item() == 1.5 * 65536
    s2 = GradScaler("cpu")
    s2.load_state_dict({"scale": 8.0, "growth_factor": 4.0, "backoff_factor": 0.25,
                        "growth_interval": 5, "_growth_tracker": 2})
    assert s2.get_scale() == 8.0 and s2.get_growth_factor() == 4.0
    assert s2.scale([galton.tensor(1.0), (galton.tensor(2.0),)])[1][0].item() == 16.0
    assert s2.state_dict()["_growth_tracker"] == 2


def test_grad_scaler_update_with_new_scale():
    w = galton.tensor([1.0], requires_grad=True)
    opt = galton.optim.SGD([w], lr=0.1)
    s = GradScaler("cpu", init_scale=4.0)
    s.scale((w * 2).sum()).backward()
    s.step(opt)
    assert w.item() == pytest.approx(0.8)  # the gradient was unscaled before the step
    s.update(new_scale=32.0)
    assert s.get_scale() == 32.0


def test_grad_scaler_disabled_passes_through():
    w = galton.tensor([1.0], requires_grad=True)
    opt = galton.optim.SGD([w], lr=0.1)
    s = GradScaler("cpu", enabled=False)
    loss = (w * 2).sum()
    assert s.scale(loss) is loss
    loss.backward()
    s.step(opt)
    s.update()
    assert w.item() == pytest.approx(0.8) and s.get_scale() == 1.0 and s.state_dict() == {}
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert not GradScaler("cuda").is_enabled()


def _stepped():
    w = galton.tensor([1.0], requires_grad=True)
    opt = galton.optim.SGD([w], lr=0.1)
    s = GradScaler("cpu")
    s.scale((w * 2).sum()).backward()
    return s, opt, w


def test_grad_scaler_errors_like_torch():
    s, opt, _ = _stepped()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) has already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match=r"unscale_\(\) is being called after step\(\)"):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match=r"step\(\) has already been called since the last "
                                           r"update\(\)"):
        s.step(opt)
    s.update()
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update"):
        s.update()
    s, opt, _ = _stepped()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: None)
    with pytest.raises(AssertionError, match="_scale is None"):
        GradScaler("cpu").step(opt)
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        GradScaler("cpu").load_state_dict({})
    with pytest.raises(ValueError, match="The growth factor must be > 1.0"):
        GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(ValueError, match="The backoff factor must be < 1.0"):
        GradScaler("cpu", backoff_factor=1.0)
    h = galton.tensor(np.ones(2, "float16"), requires_grad=True)
    opt16 = galton.optim.SGD([h], lr=0.1)
    s = GradScaler("cpu")
    s.scale(h.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        s.step(opt16)


# --- autocast: the state ---------------------------------------------------------------------
def test_autocast_state_nests_and_decorates():
    assert not autocast_mode.is_autocast_enabled()
    with autocast("cpu", dtype=galton.float16):
        assert galton.amp.is_autocast_enabled("cpu")
        assert galton.amp.get_autocast_dtype("cpu") is galton.float16
        with autocast("cpu", enabled=False):
            assert not galton.amp.is_autocast_enabled()
        assert galton.amp.is_autocast_enabled()
    assert not galton.amp.is_autocast_enabled()

    @autocast("cpu", dtype=galton.float16)
    def inside():
        return galton.amp.is_autocast_enabled()

    assert inside() and not galton.amp.is_autocast_enabled()
    with pytest.raises(KeyError):
        with autocast("cpu", dtype=galton.float16):
            raise KeyError("the state is restored on the way out")
    assert not galton.amp.is_autocast_enabled()


def test_autocast_default_dtype_is_bfloat16_on_cpu():
    assert autocast("cpu").fast_dtype.name == "bfloat16"
    assert autocast("cpu").fast_dtype.name == torch.autocast("cpu").fast_dtype.__str__()[6:]


def test_autocast_bad_arguments():
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        autocast(galton.device("cpu"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with autocast("cpu", dtype=galton.float64):
            assert not galton.amp.is_autocast_enabled()
    assert "Disabling autocast" in str(caught[0].message)
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        autocast("tpu")


# --- autocast: what the ops do inside it (needs the hooks in ops/linalg, conv, loss) ---------
def _pair(shape_x, shape_w, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape_x).astype("float32"), \
        rng.standard_normal(shape_w).astype("float32")


def test_autocast_float16_linear_matches_torch_and_grads_are_float32():
    x0, w0 = _pair((6, 5), (4, 5))
    b0 = np.linspace(-1, 1, 4).astype("float32")
    out = {}
    for lib, Fn in ((galton, F), (torch, TF)):
        w = lib.tensor(w0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        x = lib.tensor(x0)
        with lib.autocast("cpu", dtype=lib.float16) if lib is torch else \
                autocast("cpu", dtype=galton.float16):
            y = Fn.linear(x, w, b)
            loss = Fn.cross_entropy(y, lib.tensor([0, 1, 2, 3, 0, 1]))
        loss.backward()
        out[lib] = (y, loss, w.grad)
    (gy, gl, gw), (ty, tl, tw) = out[galton], out[torch]
    assert gy.dtype == galton.float16 and gl.dtype == galton.float32
    assert gw.dtype == galton.float32 and tw.dtype == torch.float32
    np.testing.assert_allclose(gy.detach().numpy(), ty.detach().numpy(), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(gl.item(), tl.item(), rtol=1e-3)
    np.testing.assert_allclose(gw.numpy(), tw.numpy(), rtol=1e-2, atol=1e-3)


def test_autocast_float16_op_dtypes_like_torch():
    x0, w0 = _pair((2, 3, 6, 6), (4, 3, 3, 3))
    with autocast("cpu", dtype=galton.float16):
        x, w = galton.tensor(x0), galton.tensor(w0)
        c = F.conv2d(x, w, padding=1)
        m = galton.matmul(x, x.transpose(-1, -2))
        s = F.softmax(c, dim=1)
        r = F.relu(c).sum()
        mse = F.mse_loss(c, c.detach() * 0)
        d64 = galton.tensor(x0.astype("float64")) @ galton.tensor(x0.astype("float64"))
    assert (c.dtype, m.dtype, s.dtype, r.dtype) == (galton.float16,) * 4
    assert mse.dtype == galton.float32
    assert d64.dtype == galton.float64  # float64 is left alone, as torch does
    with torch.autocast("cpu", dtype=torch.float16):
        tc = TF.conv2d(torch.tensor(x0), torch.tensor(w0), padding=1)
    assert tc.dtype == torch.float16
    np.testing.assert_allclose(c.numpy().astype("float32"), tc.float().numpy(), atol=2e-2)
    # outside the block, the same ops are float32 again
    assert F.conv2d(galton.tensor(x0), galton.tensor(w0)).dtype == galton.float32


@pytest.mark.skipif(autocast_mode.bfloat16 is None, reason="ml_dtypes is not installed")
def test_autocast_bfloat16_linear_rounds_like_torch():
    bf16 = autocast_mode.bfloat16
    x0, w0 = _pair((8, 16), (5, 16), seed=1)
    w = galton.tensor(w0, requires_grad=True)
    with autocast("cpu", dtype=bf16):
        y = F.linear(galton.tensor(x0), w)
        loss = F.mse_loss(y, galton.zeros(8, 5))
    loss.backward()
    assert y._data.dtype == bf16.np and loss._data.dtype == np.float32
    assert w.grad._data.dtype == np.float32
    tw = torch.tensor(w0, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ty = TF.linear(torch.tensor(x0), tw)
        tl = TF.mse_loss(ty, torch.zeros(8, 5))
    tl.backward()
    # the same inputs rounded to bfloat16, a float32 product, rounded to bfloat16: equal up to
    # the one rounding step the two GEMMs may take differently
    np.testing.assert_allclose(y._data.astype("float32"), ty.float().detach().numpy(),
                               rtol=8e-3, atol=1e-2)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=3e-2, atol=3e-2)


def test_autocast_runs_a_module_model_with_float16_activations_between_layers():
    # nn.Linear gets a float16 input from the previous layer inside autocast, as in PyTorch
    model = galton.nn.Sequential(galton.nn.Linear(4, 3), galton.nn.ReLU(), galton.nn.Linear(3, 2))
    x = galton.randn(5, 4)
    with galton.autocast("cpu", dtype=galton.float16):
        out = model(x)
        loss = galton.nn.functional.cross_entropy(out, galton.tensor([0, 1, 0, 1, 1]))
    assert out.dtype == galton.float16 and loss.dtype == galton.float32
    loss.backward()
    assert model[0].weight.grad.dtype == galton.float32
