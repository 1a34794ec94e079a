"""Conv3d / ConvTranspose3d (galton/ops/conv3d.py) against torch, and float64 gradcheck."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from tests.nn.test_conv import run_both, twin
from tests.oracle import compare, gradcheck

CONV3D = [
    ((2, 3, 3), {}, (2, 2, 5, 6, 4)),
    ((2, 4, (2, 3, 1)), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(2, 1, 1),
                             bias=False), (1, 2, 7, 5, 6)),
    ((4, 6, 3), dict(padding="same", groups=2), (2, 4, 4, 5, 3)),
    ((2, 3, 2), dict(padding=1, padding_mode="reflect"), (1, 2, 3, 4, 4)),
    ((2, 3, 3), dict(padding=1, padding_mode="circular"), (1, 2, 3, 4, 4)),
]


@pytest.mark.parametrize("args, kw, shape", CONV3D)
def test_conv3d_module(args, kw, shape):
    run_both(*twin(torch.nn.Conv3d(*args, **kw), gnn.Conv3d(*args, **kw)), shape)


def test_conv3d_unbatched():
    run_both(*twin(torch.nn.Conv3d(2, 3, 2), gnn.Conv3d(2, 3, 2)), (2, 3, 4, 4))


CONVT3D = [
    ((2, 3, 3), {}, (2, 2, 3, 4, 2)),
    ((4, 2, (3, 2, 2)), dict(stride=2, padding=1, output_padding=1, groups=2), (1, 4, 3, 3, 2)),
    ((2, 3, 2), dict(stride=(3, 1, 2), output_padding=(2, 0, 1), dilation=(1, 2, 1)),
     (1, 2, 2, 3, 3)),
    ((2, 2, 3), dict(stride=1, padding=(0, 1, 0), output_padding=(1, 0, 0), dilation=2,
                     bias=False), (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize("args, kw, shape", CONVT3D)
def test_conv_transpose3d_module(args, kw, shape):
    run_both(*twin(torch.nn.ConvTranspose3d(*args, **kw), gnn.ConvTranspose3d(*args, **kw)),
             shape)


def test_conv_transpose3d_output_size():
    tm, gm = twin(torch.nn.ConvTranspose3d(2, 2, 3, stride=2), gnn.ConvTranspose3d(2, 2, 3, stride=2))
    run_both(tm, gm, (1, 2, 2, 3, 2), output_size=(6, 8, 5))


def test_functional_conv3d_and_transpose():
    compare(lambda t, x, w, b: t.nn.functional.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
            [(2, 4, 3, 5, 4), (6, 4, 2, 3, 2), (6,)], rtol=1e-4)
    compare(lambda t, x, w, b: t.nn.functional.conv3d(x, w, b, groups=2),
            [(2, 4, 3, 5, 4), (6, 2, 2, 3, 2), (6,)], rtol=1e-4)
    compare(lambda t, x, w: t.nn.functional.conv_transpose3d(x, w, stride=2, padding=(1, 0, 1)),
            [(2, 3, 2, 3, 2), (3, 2, 3, 2, 3)], rtol=1e-4)


def test_gradcheck_float64():
    gradcheck(lambda t, x, w, b: t.nn.functional.conv3d(x, w, b, stride=2, padding=(1, 0, 1),
                                                        dilation=(1, 2, 1)),
              [(1, 2, 4, 5, 4), (2, 2, 2, 2, 2), (2,)])
    gradcheck(lambda t, x, w, b: t.nn.functional.conv_transpose3d(
        x, w, b, stride=2, padding=1, output_padding=(1, 0, 1)),
        [(1, 2, 2, 3, 2), (2, 1, 3, 2, 2), (1,)])


def test_double_backward_matches_torch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 3, 4, 3)), rng.standard_normal((2, 2, 2, 2, 2))
    res = []
    for lib in (galton, torch):
        tx = lib.tensor(x, requires_grad=True)
        tw = lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv3d(tx, tw, padding=1)
        (gx,) = lib.autograd.grad((y ** 2).sum(), tx, create_graph=True)
        gx.sum().backward()
        res.append(tw.grad.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-9)


def test_wrong_shapes_are_named():
    conv = gnn.Conv3d(3, 4, 2)
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 2"):
        conv(galton.randn(1, 2, 4, 4, 4))
    with pytest.raises(RuntimeError, match="Expected 4D \\(unbatched\\) or 5D \\(batched\\) input to conv3d"):
        conv(galton.randn(4, 4))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        conv(galton.randn(1, 3, 1, 4, 4))
