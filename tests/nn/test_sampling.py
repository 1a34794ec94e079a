"""F.affine_grid / F.grid_sample (galton/nn/functional/sampling.py, kernels in
galton/ops/sampling.py) against torch: every mode x padding x align_corners, values and the
gradients to input and grid, float64 finite differences, create_graph, errors and warnings,
and a small spatial transformer trained beside PyTorch's."""
import warnings

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from galton.autograd import gradcheck, gradgradcheck

MODES = ["bilinear", "nearest", "bicubic"]
PADDINGS = ["zeros", "border", "reflection"]


def _inputs(shape, grid_shape, seed, dtype=np.float64, spread=1.3):
    """An input and a grid whose points reach past the edges (spread > 1), so every padding
    mode has outside points to fold back."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    grid = rng.uniform(-spread, spread, grid_shape).astype(dtype)
    return x, grid


def _run(lib, x, grid, **kw):
    xt = lib.tensor(x, requires_grad=True)
    gt = lib.tensor(grid, requires_grad=True)
    out = lib.nn.functional.grid_sample(xt, gt, **kw)
    seed = np.random.default_rng(7).standard_normal(tuple(out.shape)).astype(x.dtype)
    (out * lib.tensor(seed)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_2d_against_torch(mode, padding_mode, align_corners):
    x, grid = _inputs((2, 3, 5, 6), (2, 4, 7, 2), seed=1)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    ours, theirs = _run(galton, x, grid, **kw), _run(torch, x, grid, **kw)
    for a, b, what in zip(ours, theirs, ("output", "input's gradient", "grid's gradient")):
        assert a.shape == b.shape, what
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=what)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_3d_against_torch(mode, padding_mode, align_corners):
    x, grid = _inputs((2, 2, 3, 4, 5), (2, 3, 2, 4, 3), seed=2)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    ours, theirs = _run(galton, x, grid, **kw), _run(torch, x, grid, **kw)
    for a, b, what in zip(ours, theirs, ("output", "input's gradient", "grid's gradient")):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=what)


@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_float32_against_torch(mode):
    x, grid = _inputs((3, 4, 8, 8), (3, 5, 6, 2), seed=3, dtype=np.float32)
    kw = dict(mode=mode, padding_mode="reflection", align_corners=False)
    ours, theirs = _run(galton, x, grid, **kw), _run(torch, x, grid, **kw)
    for a, b in zip(ours, theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_grid_sample_edge_cases_against_torch():
    # an identity grid hits pixel centres and borders exactly; unit-size inputs; points far out
    theta = np.array([[[1.0, 0, 0], [0, 1.0, 0]]])
    for align in (False, True):
        for size in ((1, 2, 4, 5), (1, 1, 1, 3), (1, 1, 3, 1)):
            g = torch.nn.functional.affine_grid(torch.tensor(theta), size, align_corners=align)
            x, _ = _inputs(size, (1,), seed=4)
            for mode in MODES:
                for pad in PADDINGS:
                    kw = dict(mode=mode, padding_mode=pad, align_corners=align)
                    ours, theirs = _run(galton, x, g.numpy(), **kw), _run(torch, x, g.numpy(), **kw)
                    for a, b in zip(ours, theirs):
                        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=str(kw))
    x, grid = _inputs((1, 2, 4, 4), (1, 3, 3, 2), seed=5, spread=9.0)
    grid[0, 0, 0] = [np.inf, 0.2]
    grid[0, 0, 1] = [-np.inf, np.nan]
    for mode in MODES:
        for pad in PADDINGS:
            kw = dict(mode=mode, padding_mode=pad, align_corners=False)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no NumPy warnings for NaN or inf points
                got = GF.grid_sample(galton.tensor(x), galton.tensor(grid), **kw).numpy()
            want = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(grid),
                                                   **kw).numpy()
            finite = np.isfinite(grid).all(-1)  # NaN/inf points: whatever is read, no warning
            np.testing.assert_allclose(got[:, :, finite[0]], want[:, :, finite[0]], rtol=1e-10,
                                       err_msg=str(kw))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_grid_sample_finite_differences(mode, padding_mode):
    x, grid = _inputs((1, 2, 4, 5), (1, 3, 2, 2), seed=6)
    xs = [galton.tensor(x, requires_grad=True), galton.tensor(grid, requires_grad=True)]
    assert gradcheck(lambda a, g: GF.grid_sample(a, g, mode=mode, padding_mode=padding_mode,
                                                 align_corners=False), xs)


def test_grid_sample_3d_finite_differences():
    x, grid = _inputs((1, 2, 3, 3, 4), (1, 2, 2, 2, 3), seed=8)
    xs = [galton.tensor(x, requires_grad=True), galton.tensor(grid, requires_grad=True)]
    for pad in PADDINGS:
        assert gradcheck(lambda a, g: GF.grid_sample(a, g, padding_mode=pad, align_corners=True),
                         xs)


@pytest.mark.parametrize("mode", MODES)
def test_grid_sample_create_graph(mode):
    # second derivatives, input and grid together, by finite differences of the first
    x, grid = _inputs((1, 2, 4, 5), (1, 2, 3, 2), seed=9)
    xs = [galton.tensor(x, requires_grad=True), galton.tensor(grid, requires_grad=True)]
    assert gradgradcheck(lambda a, g: GF.grid_sample(a, g, mode=mode, padding_mode="reflection",
                                                     align_corners=False), xs)


def test_grid_sample_gradient_penalty_against_torch():
    # the WGAN-GP idiom through a sampler: d/dx of |d out/d x|^2 ... with the grid as well
    x, grid = _inputs((2, 2, 5, 5), (2, 3, 3, 2), seed=10)
    res = []
    for lib in (galton, torch):
        xt, gt = lib.tensor(x, requires_grad=True), lib.tensor(grid, requires_grad=True)
        out = lib.nn.functional.grid_sample(xt * xt, gt, align_corners=True)
        (gx,) = lib.autograd.grad(out.sum(), [xt], create_graph=True)
        (gx * gx).sum().backward()
        res.append((xt.grad.numpy(), gt.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_grid_sample_needs_only_what_is_asked():
    x, grid = _inputs((1, 1, 3, 3), (1, 2, 2, 2), seed=11)
    xt = galton.tensor(x, requires_grad=True)
    GF.grid_sample(xt, galton.tensor(grid), align_corners=False).sum().backward()
    assert xt.grad is not None
    gt = galton.tensor(grid, requires_grad=True)
    out = GF.grid_sample(galton.tensor(x), gt, mode="nearest", align_corners=False)
    out.sum().backward()
    np.testing.assert_array_equal(gt.grad.numpy(), 0)  # nearest: zero, as PyTorch
    assert out.grad_fn.name() == "GridSampler2DBackward0"


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 3, 4, 5), (1, 1, 1, 5)])
def test_affine_grid_against_torch(align_corners, size):
    d = len(size) - 2
    rng = np.random.default_rng(12)
    theta = rng.standard_normal((size[0], d, d + 1))
    res = []
    for lib in (galton, torch):
        t = lib.tensor(theta, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the unit-size warning is tested below
            grid = lib.nn.functional.affine_grid(t, size, align_corners=align_corners)
        w = np.random.default_rng(13).standard_normal(tuple(grid.shape))
        (grid * lib.tensor(w)).sum().backward()
        res.append((grid.detach().numpy(), t.grad.numpy()))
    for a, b in zip(*res):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    t = galton.tensor(theta, requires_grad=True)
    assert gradgradcheck(lambda th: GF.affine_grid(th, size, align_corners=align_corners) ** 2,
                         [t])


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in caught]


def test_warnings_as_torch():
    x, grid = _inputs((1, 1, 3, 3), (1, 2, 2, 2), seed=14)
    theta = np.array([[[1.0, 0, 0], [0, 1, 0]]])
    for call in (lambda lib: lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(grid)),
                 lambda lib: lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 3, 3)),
                 lambda lib: lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 1, 3),
                                                           align_corners=True),
                 lambda lib: lib.nn.functional.grid_sample(lib.tensor(x), lib.tensor(grid),
                                                           align_corners=False)):
        assert _warnings_of(lambda: call(galton)) == _warnings_of(lambda: call(torch))
    # the default-changed warning names the caller's line, as torch's
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GF.grid_sample(galton.tensor(x), galton.tensor(grid))
    assert caught[0].filename == __file__


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize("case", [
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3), lib.zeros(1, 2, 2, 2),
                                              mode="area", align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3), lib.zeros(1, 2, 2, 2),
                                              padding_mode="wrap", align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3), lib.zeros(1, 2, 2, 3),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(2, 1, 3, 3), lib.zeros(1, 2, 2, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3), lib.zeros(1, 2, 2, 2, 3),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3, 3),
                                              lib.zeros(1, 2, 2, 2, 3), mode="bicubic",
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 0, 3), lib.zeros(1, 2, 2, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.grid_sample(lib.zeros(1, 1, 3, 3),
                                              lib.zeros(1, 2, 2, 2, dtype=lib.float64),
                                              align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 3, dtype=lib.long), (1, 1, 2, 2),
                                              align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 3, 3), [1, 1, 2, 2],
                                              align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), [1, 1, 2, 2, 2],
                                              align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), [1, 2, 2],
                                              align_corners=False),
    lambda lib: lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), [1, 1, 0, 2],
                                              align_corners=False),
])
def test_errors_as_torch(case):
    ours, theirs = _error(lambda: case(galton)), _error(lambda: case(torch))
    assert theirs is not None
    assert ours is not None and ours[0] is theirs[0], (ours, theirs)
    assert ours[1].replace("galton", "torch") == theirs[1], (ours, theirs)


def test_torch_level_functions():
    x, grid = _inputs((1, 2, 3, 4), (1, 2, 3, 2), seed=15)
    for mode in range(3):
        for pad in range(3):
            ours = galton.grid_sampler(galton.tensor(x), galton.tensor(grid), mode, pad, True)
            theirs = torch.grid_sampler(torch.tensor(x), torch.tensor(grid), mode, pad, True)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    ours = galton.grid_sampler_2d(galton.tensor(x), galton.tensor(grid), 0, 0, False)
    theirs = torch.grid_sampler_2d(torch.tensor(x), torch.tensor(grid), 0, 0, False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    theta = np.array([[[0.5, 0.1, 0.2], [-0.3, 1.0, 0.0]]])
    ours = galton.affine_grid_generator(galton.tensor(theta), [1, 1, 2, 3], False)
    theirs = torch.affine_grid_generator(torch.tensor(theta), [1, 1, 2, 3], False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


# --- the spatial-transformer idiom: a localisation net predicts theta (started at the identity),
# affine_grid + grid_sample warp the input, a classifier reads the warped image -------------------
def _stn(lib):
    nn, F = lib.nn, lib.nn.functional

    class STN(nn.Module):
        def __init__(self):
            super().__init__()
            self.loc = nn.Sequential(nn.Conv2d(1, 4, 3), nn.MaxPool2d(2), nn.ReLU(),
                                     nn.Flatten(), nn.Linear(4 * 3 * 3, 6))
            self.loc[-1].weight.data.zero_()
            self.loc[-1].bias.data.copy_(lib.tensor([1.0, 0, 0, 0, 1, 0]))
            self.head = nn.Linear(8 * 8, 3)

        def forward(self, x):
            theta = self.loc(x).view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            x = F.grid_sample(x, grid, align_corners=False)
            return self.head(x.flatten(1))
    return STN()


def test_spatial_transformer_trains_as_torch():
    rng = np.random.default_rng(16)
    xs = rng.standard_normal((6, 1, 8, 8)).astype(np.float32)
    ys = rng.integers(0, 3, 6)
    torch.manual_seed(0)
    theirs = _stn(torch)
    ours = _stn(galton)
    ours.load_state_dict({k: galton.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    opt_g = galton.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    for _ in range(4):
        losses = []
        for lib, model, opt in ((torch, theirs, opt_t), (galton, ours, opt_g)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(xs)), lib.tensor(ys))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-4, abs=1e-6)
    for (k, v), (_, w) in zip(theirs.state_dict().items(), ours.state_dict().items()):
        np.testing.assert_allclose(w.numpy(), v.numpy(), rtol=1e-3, atol=1e-5, err_msg=k)
    # the localisation net did learn (the identity moved)
    assert not np.allclose(ours.loc[-1].bias.detach().numpy(), [1, 0, 0, 0, 1, 0])
    assert isinstance(ours, gnn.Module)
