"""F.fractional_max_pool2d/3d and nn.FractionalMaxPool2d/3d (galton/nn/fractional_pooling.py,
kernel galton/ops/fractional_pool.py) against torch, with the same random samples."""
import numpy as np
import pytest
import torch

import galton
import galton.nn.functional as GF
from galton.autograd import gradcheck


def _run(lib, x, samples, d, **kw):
    xt = lib.tensor(x, requires_grad=True)
    fn = getattr(lib.nn.functional, f"fractional_max_pool{d}d")
    out, idx = fn(xt, return_indices=True, _random_samples=lib.tensor(samples), **kw)
    w = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(x.dtype)
    (out * lib.tensor(w)).sum().backward()
    return out.detach().numpy(), idx.numpy(), xt.grad.numpy()


@pytest.mark.parametrize("shape, kw", [
    ((2, 3, 9, 11), dict(kernel_size=2, output_size=(5, 6))),
    ((2, 3, 9, 11), dict(kernel_size=(3, 2), output_ratio=(0.5, 0.7))),
    ((3, 10, 7), dict(kernel_size=3, output_size=4)),
    ((1, 2, 8, 8), dict(kernel_size=2, output_size=(7, 1))),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_2d_against_torch(shape, kw, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    n = shape[0] if len(shape) == 4 else 1
    samples = rng.uniform(0, 1, (n, shape[-3], 2)).astype(dtype)
    ours, theirs = _run(galton, x, samples, 2, **kw), _run(torch, x, samples, 2, **kw)
    for a, b in zip(ours[:2], theirs[:2]):  # values and indices: exactly
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-6)  # sums of overlaps


@pytest.mark.parametrize("shape, kw", [
    ((2, 2, 6, 7, 8), dict(kernel_size=2, output_size=(3, 4, 5))),
    ((2, 5, 6, 7), dict(kernel_size=(2, 3, 2), output_ratio=(0.5, 0.6, 0.7))),
])
def test_3d_against_torch(shape, kw):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    n = shape[0] if len(shape) == 5 else 1
    samples = rng.uniform(0, 1, (n, shape[-4], 3)).astype(np.float32)
    ours, theirs = _run(galton, x, samples, 3, **kw), _run(torch, x, samples, 3, **kw)
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6, atol=1e-6)


def test_finite_differences_and_twice():
    rng = np.random.default_rng(3)
    samples = galton.tensor(rng.uniform(0, 1, (1, 2, 2)))
    x = galton.tensor(rng.standard_normal((1, 2, 7, 7)), requires_grad=True)
    assert gradcheck(lambda t: GF.fractional_max_pool2d(t, 2, output_size=4,
                                                        _random_samples=samples), [x])
    y = GF.fractional_max_pool2d(x, 2, output_size=4, _random_samples=samples)
    (g,) = galton.autograd.grad((y ** 2).sum(), [x], create_graph=True)
    g.sum().backward()  # the backward is linear in the gradient: differentiable again
    assert x.grad is not None


def test_layers_and_random_windows():
    x = galton.randn(2, 3, 10, 10)
    layer = galton.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
    out = layer(x)
    assert tuple(out.shape) == (2, 3, 5, 5)
    assert tuple(galton.nn.FractionalMaxPool3d(2, output_size=3)(galton.randn(1, 2, 6, 6, 6))
                 .shape) == (1, 2, 3, 3, 3)
    out, idx = galton.nn.FractionalMaxPool2d(2, output_size=4, return_indices=True)(x)
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(galton.gather(flat, 2, idx.reshape(2, 3, -1)).numpy(),
                                  out.reshape(2, 3, -1).numpy())
    for lib in (galton, torch):
        with pytest.raises(ValueError, match="either an output size, or a pooling ratio"):
            lib.nn.FractionalMaxPool2d(2)
        with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
            lib.nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
        with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
            lib.nn.FractionalMaxPool2d(2, output_ratio=1.5)
        with pytest.raises(ValueError, match="requires specifying either"):
            lib.nn.functional.fractional_max_pool2d(lib.zeros(1, 1, 4, 4), 2)
        with pytest.raises(RuntimeError, match="too large relative to input"):
            lib.nn.functional.fractional_max_pool2d(lib.zeros(1, 1, 4, 4), 3, output_size=3)
