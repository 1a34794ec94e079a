"""``F.conv1d``, ``F.conv2d``, ``F.conv3d`` and their transposed forms.

Argument handling and PyTorch's errors live here; the kernels (im2col + one GEMM) are in
galton/ops/conv.py (3-d: ops/conv3d.py, built on the 2-d kernels). 1-D convolutions are
2-D ones over a height of 1, and an unbatched
input gets a batch dim of 1 for the call, as PyTorch does.
"""
from ...ops import conv as _conv, conv3d as _conv3d
from ...ops.shape import squeeze, unsqueeze

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc"]


def _tuple(v, n):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return tuple(int(v[0]) for _ in range(n))
        if len(v) != n:
            raise RuntimeError(f"expected {n} values, got {list(v)}")
        return tuple(int(x) for x in v)
    return (int(v),) * n


def _shape_str(t):
    return "[" + ", ".join(str(s) for s in t._data.shape) + "]"


def _string_padding(padding, kernel, dilation, stride, name):
    """'valid' -> no padding; 'same' -> (before, after) per dim so the output keeps the input
    size (the extra element, for an even kernel, goes after, as PyTorch)."""
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out.append((total // 2, total - total // 2))
    return out


def _batched(input, batched_ndim, name):
    nd = input._data.ndim
    if nd == batched_ndim:
        return input, False
    if nd == batched_ndim - 1:
        return unsqueeze(input, 0), True
    raise RuntimeError(f"Expected {batched_ndim - 1}D (unbatched) or {batched_ndim}D (batched) "
                       f"input to {name}, but got input of size: {_shape_str(input)}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of a (N, C, H, W) or (C, H, W) input, as ``torch.nn.functional.conv2d``.

    padding: an int, an (h, w) pair, 'valid' or 'same'.

    >>> F.conv2d(galton.randn(64, 1, 28, 28), galton.randn(32, 1, 3, 3)).shape
    galton.Size([64, 32, 26, 26])
    """
    x, unbatched = _batched(input, 4, "conv2d")
    if weight._data.ndim != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for 4-dimensional input "
                           f"{_shape_str(x)}, but got {weight._data.ndim}-dimensional weight of "
                           f"size {_shape_str(weight)} instead")
    stride, dilation = _tuple(stride, 2), _tuple(dilation, 2)
    if isinstance(padding, str):
        (t, b), (l, r) = _string_padding(padding, weight._data.shape[2:], dilation, stride, "conv2d")
        pad = (t, b, l, r)
    else:
        ph, pw = _tuple(padding, 2)
        pad = (ph, ph, pw, pw)
    out = _conv.conv2d(x, weight, bias, stride, pad, dilation, groups)
    return squeeze(out, 0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of a (N, C, L) or (C, L) input with a (O, C/groups, K) weight, as
    ``torch.nn.functional.conv1d``; padding an int, 'valid' or 'same'."""
    x, unbatched = _batched(input, 3, "conv1d")
    if weight._data.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for 3-dimensional input "
                           f"{_shape_str(x)}, but got {weight._data.ndim}-dimensional weight of "
                           f"size {_shape_str(weight)} instead")
    (s,), (d,) = _tuple(stride, 1), _tuple(dilation, 1)
    if isinstance(padding, str):
        ((l, r),) = _string_padding(padding, weight._data.shape[2:], (d,), (s,), "conv1d")
    else:
        (l,) = _tuple(padding, 1)
        r = l
    out = _conv.conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1, s), (0, 0, l, r),
                       (1, d), groups)
    out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input), as
    ``torch.nn.functional.conv_transpose2d``; weight is (C_in, C_out/groups, KH, KW)."""
    x, unbatched = _batched(input, 4, "conv_transpose2d")
    out = _conv.conv_transpose2d(x, weight, bias, _tuple(stride, 2), _tuple(padding, 2),
                                 _tuple(output_padding, 2), groups, _tuple(dilation, 2))
    return squeeze(out, 0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution, as ``torch.nn.functional.conv_transpose1d``."""
    x, unbatched = _batched(input, 3, "conv_transpose1d")
    if weight._data.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for conv_transpose1d, but got weight "
                           f"of size {_shape_str(weight)}")
    (s,), (p,), (op,), (d,) = (_tuple(v, 1) for v in (stride, padding, output_padding, dilation))
    out = _conv.conv_transpose2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1, s), (0, p),
                                 (0, op), groups, (1, d))
    out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of a (N, C, D, H, W) or (C, D, H, W) input with a
    (O, C/groups, KD, KH, KW) weight, as ``torch.nn.functional.conv3d``; padding an int, a
    (d, h, w) triple, 'valid' or 'same'.

    >>> F.conv3d(galton.randn(2, 3, 8, 8, 8), galton.randn(4, 3, 3, 3, 3)).shape
    galton.Size([2, 4, 6, 6, 6])
    """
    x, unbatched = _batched(input, 5, "conv3d")
    if weight._data.ndim != 5:
        raise RuntimeError(f"Expected 5-dimensional weight for 5-dimensional input "
                           f"{_shape_str(x)}, but got {weight._data.ndim}-dimensional weight of "
                           f"size {_shape_str(weight)} instead")
    stride, dilation = _tuple(stride, 3), _tuple(dilation, 3)
    if isinstance(padding, str):
        pairs = _string_padding(padding, weight._data.shape[2:], dilation, stride, "conv3d")
    else:
        pairs = [(p, p) for p in _tuple(padding, 3)]
    out = _conv3d.conv3d(x, weight, bias, stride, pairs, dilation, groups)
    return squeeze(out, 0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 3-D convolution, as ``torch.nn.functional.conv_transpose3d``; weight is
    (C_in, C_out/groups, KD, KH, KW)."""
    x, unbatched = _batched(input, 5, "conv_transpose3d")
    out = _conv3d.conv_transpose3d(x, weight, bias, _tuple(stride, 3), _tuple(padding, 3),
                                   _tuple(output_padding, 3), groups, _tuple(dilation, 3))
    return squeeze(out, 0) if unbatched else out


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution of a (time, batch, channels) input with a (K, C_in, C_out) weight,
    padded by ``pad`` steps each side, as ``torch.conv_tbc`` (fairseq's layout)."""
    if input.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
