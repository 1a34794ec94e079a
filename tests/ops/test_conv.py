"""Convolution kernels (im2col + GEMM) against torch.conv2d / conv_transpose2d and F.unfold/fold."""
import numpy as np
import pytest
import torch

import galton
from galton.ops import conv as C
from tests.oracle import compare, gradcheck


def _conv(t, *args, **kw):
    return (C.conv2d if t is galton else torch.conv2d)(*args, **kw)


def _convT(t, *args, **kw):
    return (C.conv_transpose2d if t is galton else torch.conv_transpose2d)(*args, **kw)


# (input shape, weight shape, stride, padding, dilation, groups)
CASES = [
    ((2, 1, 28, 28), (4, 1, 3, 3), 1, 0, 1, 1),        # seed-000's first layer (fewer filters)
    ((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), (1, 0), (1, 2), 1),  # odd sizes, non-square everything
    ((1, 4, 5, 5), (6, 2, 3, 3), 1, 1, 1, 2),           # groups, batch of 1
    ((2, 4, 6, 5), (4, 1, 3, 3), 2, (1, 2), 1, 4),      # depthwise, stride 2
    ((2, 4, 6, 5), (8, 1, 3, 3), 1, 1, 1, 4),           # depthwise with multiplier 2
    ((3, 2, 9, 8), (5, 2, 1, 1), 3, 0, 1, 1),           # 1x1 kernel, stride 3
    ((2, 3, 11, 11), (2, 3, 5, 5), 4, 2, 1, 1),         # AlexNet-like large stride
    ((2, 2, 8, 9), (3, 2, 2, 3), (3, 2), (2, 1), (2, 1), 1),  # rows the windows never reach
]


@pytest.mark.parametrize("xs, ws, s, p, d, g", CASES)
def test_conv2d_against_torch(xs, ws, s, p, d, g):
    compare(lambda t, x, w, b: _conv(t, x, w, b, s, p, d, g), [xs, ws, (ws[0],)])


@pytest.mark.parametrize("xs, ws, s, p, d, g", CASES[:4])
def test_conv2d_without_bias(xs, ws, s, p, d, g):
    compare(lambda t, x, w: _conv(t, x, w, None, s, p, d, g), [xs, ws])


def test_conv2d_asymmetric_padding_matches_explicit_pad():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 5, 6)).astype("f4"), rng.standard_normal((4, 3, 3, 3)).astype("f4")
    got = C.conv2d(galton.tensor(x), galton.tensor(w), padding=(0, 1, 2, 0)).numpy()
    want = torch.conv2d(torch.nn.functional.pad(torch.tensor(x), (2, 0, 0, 1)), torch.tensor(w))
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-5)


def test_conv2d_non_contiguous_input():
    compare(lambda t, x, w: _conv(t, x.transpose(2, 3), w, None, 1, 1), [(2, 3, 6, 5), (4, 3, 3, 3)])


def test_conv2d_float64_gradcheck():
    gradcheck(lambda t, x, w, b: C.conv2d(x, w, b, (2, 1), 1, (1, 2), 1), [(1, 2, 4, 5), (2, 2, 2, 2), (2,)])
    gradcheck(lambda t, x, w: C.conv2d(x, w, None, 1, 0, 1, 2), [(2, 4, 3, 3), (2, 2, 2, 2)])


def test_conv2d_float64_dtype_kept():
    x = galton.randn(1, 2, 4, 4, dtype=galton.float64)
    w = galton.randn(3, 2, 3, 3, dtype=galton.float64)
    assert C.conv2d(x, w).dtype == galton.float64


def test_input_gradient_skipped_when_not_required():
    x = galton.randn(2, 1, 6, 6)
    w = galton.randn(3, 1, 3, 3, requires_grad=True)
    C.conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad is not None


def test_frozen_weight_gets_no_gradient():
    x = galton.randn(2, 1, 6, 6, requires_grad=True)
    w = galton.randn(3, 1, 3, 3)
    C.conv2d(x, w).sum().backward()
    assert w.grad is None and x.grad.shape == x.shape


def test_output_is_contiguous_nchw():
    out = C.conv2d(galton.randn(2, 3, 6, 6), galton.randn(4, 3, 3, 3), galton.randn(4))
    assert out.is_contiguous()
    out.view(2, -1)  # what seed-000 does after pooling, on a conv output directly


TRANSPOSED = [
    # (input, weight, stride, padding, output_padding, groups, dilation)
    ((2, 4, 3, 4), (4, 3, 3, 2), (2, 3), (1, 0), (1, 2), 2, (1, 2)),
    ((1, 3, 4, 4), (3, 2, 4, 4), 2, 1, 0, 1, 1),
    ((2, 2, 3, 5), (2, 3, 3, 3), 1, 0, 0, 1, 1),
    ((2, 2, 2, 3), (2, 1, 3, 2), 3, 1, 2, 1, 1),
]


@pytest.mark.parametrize("xs, ws, s, p, op, g, d", TRANSPOSED)
def test_conv_transpose2d_against_torch(xs, ws, s, p, op, g, d):
    compare(lambda t, x, w, b: _convT(t, x, w, b, s, p, op, g, d), [xs, ws, (ws[1] * g,)])


def test_conv_transpose2d_gradcheck():
    gradcheck(lambda t, x, w, b: C.conv_transpose2d(x, w, b, 2, 1, 1), [(1, 2, 2, 3), (2, 2, 3, 3), (2,)])


def test_conv_transpose_is_adjoint_of_conv():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    y = rng.standard_normal((2, 4, 4, 3))
    cx = C.conv2d(galton.tensor(x), galton.tensor(w), stride=2, padding=1).numpy()
    ty = C.conv_transpose2d(galton.tensor(y), galton.tensor(w), stride=2, padding=1,
                            output_padding=(0, 1)).numpy()
    assert ty.shape == x.shape
    assert np.isclose((cx * y).sum(), (x * ty).sum())  # <conv(x), y> == <x, conv_T(y)>


def test_im2col_col2im_against_torch():
    F = torch.nn.functional
    compare(lambda t, x: C.im2col(x, (2, 3), (1, 2), 1, (2, 1)) if t is galton
            else F.unfold(x, (2, 3), (1, 2), 1, (2, 1)), [(2, 3, 6, 7)])
    compare(lambda t, x: C.col2im(x, (5, 6), (2, 3), 1, (1, 0), (2, 1)) if t is galton
            else F.fold(x, (5, 6), (2, 3), 1, (1, 0), (2, 1)), [(2, 12, 12)])


def test_error_wrong_channel_count():
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[32, 1, 3, 3\], expected "
                       r"input\[64, 3, 28, 28\] to have 1 channels, but got 3 channels instead"):
        C.conv2d(galton.zeros(64, 3, 28, 28), galton.zeros(32, 1, 3, 3))


def test_error_kernel_larger_than_input():
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\). "
                       r"Kernel size: \(3 x 3\). Kernel size can't be greater than actual input size"):
        C.conv2d(galton.zeros(1, 1, 2, 2), galton.zeros(1, 1, 3, 3))


def test_error_dilated_kernel_larger_than_input():
    with pytest.raises(RuntimeError, match=r"Kernel size: \(5 x 3\)"):
        C.conv2d(galton.zeros(1, 1, 4, 4), galton.zeros(1, 1, 3, 3), dilation=(2, 1))


def test_error_groups_and_bias():
    with pytest.raises(RuntimeError, match="expected weight to be divisible by 2"):
        C.conv2d(galton.zeros(1, 4, 5, 5), galton.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="expected bias to be 1-dimensional with 3 elements"):
        C.conv2d(galton.zeros(1, 1, 5, 5), galton.zeros(3, 1, 3, 3), galton.zeros(4))


def test_error_dtype_mismatch():
    with pytest.raises(RuntimeError, match="should be the same"):
        C.conv2d(galton.zeros(1, 1, 5, 5, dtype=galton.float64), galton.zeros(3, 1, 3, 3))


def test_error_transposed():
    with pytest.raises(RuntimeError, match="Given transposed=1, weight of size"):
        C.conv_transpose2d(galton.zeros(1, 3, 4, 4), galton.zeros(2, 3, 3, 3))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride"):
        C.conv_transpose2d(galton.zeros(1, 2, 4, 4), galton.zeros(2, 3, 3, 3), stride=2,
                           output_padding=2)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"groups": 2, "dilation": 2}])
def test_conv2d_without_graph_builds_columns_in_blocks(monkeypatch, kw):
    """With no graph recorded, conv2d builds its columns a block of samples at a time; the
    result is the one-GEMM path's (up to the GEMM's rounding, which depends on its shape)."""
    from galton.ops import conv as conv_ops
    rng = np.random.default_rng(0)
    x = galton.tensor(rng.standard_normal((7, 4, 9, 9)).astype(np.float32))
    w = galton.tensor(rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 3)).astype(np.float32),
                      requires_grad=True)
    b = galton.tensor(rng.standard_normal(6).astype(np.float32))
    whole = galton.conv2d(x, w, b, **kw).detach().numpy()   # recorded: one GEMM
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 1)         # one sample per block
    with galton.no_grad():
        blocks = galton.conv2d(x, w, b, **kw)
    assert not blocks.requires_grad
    np.testing.assert_allclose(blocks.numpy(), whole, rtol=1e-5, atol=1e-5)


def test_conv2d_weight_grad_of_a_first_layer_summed_in_sixteen_parts():
    """A first layer (few channels, a long batch*pixels dimension) sums its weight gradient
    from sixteen partial products; it must still be PyTorch's gradient."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 1, 28, 28)).astype(np.float32)     # L = 32*26*26 = 21632
    w = rng.standard_normal((6, 1, 3, 3)).astype(np.float32)
    g = rng.standard_normal((32, 6, 26, 26)).astype(np.float32)
    gw = galton.tensor(w, requires_grad=True)
    galton.conv2d(galton.tensor(x), gw).backward(galton.tensor(g))
    tw = torch.tensor(w, requires_grad=True)
    torch.conv2d(torch.tensor(x), tw).backward(torch.tensor(g))
    np.testing.assert_allclose(gw.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-3)
