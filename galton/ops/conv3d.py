"""Volumetric (3-d) convolution, written with the 2-d kernels of conv.py.

A 3-d convolution is a 2-d one whose input channels are (channel, depth offset) pairs:

  conv3d:           unfold the depth (im2col with a (KD, 1) kernel over (D, H*W)), fold those
                    KD offsets into the channels, one conv2d over (N*OD, C*KD, H, W).
  conv_transpose3d: its adjoint, in the opposite order: one conv_transpose2d whose output
                    channels are (channel, depth offset) pairs, then fold the depth (col2im
                    with a (KD, 1) kernel) to sum each offset's contribution into its slice.

Every step is a differentiable galton op, so the backward (and the double backward) is the
chain rule through the 2-d kernels: no second copy of the im2col/GEMM machinery. The weight
(O, C/groups, KD, KH, KW) becomes (O, C/groups*KD, KH, KW) by a reshape that keeps each group's
channels contiguous, so ``groups`` carries over unchanged.
"""
from .. import backend
from . import conv as _c2
from ._util import Tensor
from .joining import cat
from .shape import reshape, permute

__all__ = ["conv3d", "conv_transpose3d"]


def _triple(v):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return (int(v[0]),) * 3
        return tuple(int(x) for x in v)
    return (int(v),) * 3


def _shape_str(s):
    return "[" + ", ".join(str(v) for v in s) + "]"


def _check(a, w, groups, transposed):
    name = "conv_transpose3d" if transposed else "conv3d"
    if w.ndim != 5:
        raise RuntimeError(f"Expected 5-dimensional weight for 5-dimensional input "
                           f"{_shape_str(a.shape)}, but got {w.ndim}-dimensional weight of size "
                           f"{_shape_str(w.shape)} instead")
    if a.ndim != 5:
        raise RuntimeError(f"Expected 5D (batched) input to {name}, but got input of size: "
                           f"{_shape_str(a.shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    want = w.shape[0] if transposed else w.shape[1] * groups
    if a.shape[1] != want:
        what = "transposed=1, " if transposed else f"groups={groups}, "
        raise RuntimeError(f"Given {what}weight of size {_shape_str(w.shape)}, expected input"
                           f"{_shape_str(a.shape)} to have {want} channels, but got "
                           f"{a.shape[1]} channels instead")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution of a (N, C, D, H, W) input with a (O, C/groups, KD, KH, KW) weight, as
    ``torch.conv3d``; padding is (pd, ph, pw) or, per side, ((d0, d1), (h0, h1), (w0, w1))."""
    a, w = input._data, weight._data
    _check(a, w, groups, False)
    sd, sh, sw = _triple(stride)
    dd, dh, dw = _triple(dilation)
    (pd0, pd1), (ph0, ph1), (pw0, pw1) = _pad_pairs(padding)
    n, c, d, h, wd = a.shape
    o, cg, kd, kh, kw = w.shape
    if d + pd0 + pd1 < dd * (kd - 1) + 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({d + pd0 + pd1} x "
                           f"{h + ph0 + ph1} x {wd + pw0 + pw1}). Kernel size: "
                           f"({dd * (kd - 1) + 1} x {dh * (kh - 1) + 1} x {dw * (kw - 1) + 1}). "
                           "Kernel size can't be greater than actual input size")
    od = (d + pd0 + pd1 - dd * (kd - 1) - 1) // sd + 1
    # (N, C*KD, OD*H*W): rows (channel, depth offset), as the weight's (C, KD) flattened
    cols = _c2.im2col(reshape(input, n, c, d, h * wd), (kd, 1), (dd, 1), (pd0, pd1, 0, 0),
                      (sd, 1))
    planes = reshape(permute(reshape(cols, n, c, kd, od, h, wd), 0, 3, 1, 2, 4, 5),
                     n * od, c * kd, h, wd)
    out = _c2.conv2d(planes, reshape(weight, o, cg * kd, kh, kw), bias, (sh, sw),
                     (ph0, ph1, pw0, pw1), (dh, dw), groups)
    oh, ow = out.shape[2], out.shape[3]
    return permute(reshape(out, n, od, o, oh, ow), 0, 2, 1, 3, 4)


def _pad_pairs(padding):
    if isinstance(padding, (tuple, list)) and padding and isinstance(padding[0], (tuple, list)):
        return tuple((int(p[0]), int(p[1])) for p in padding)
    return tuple((p, p) for p in _triple(padding))


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 3-d convolution (the adjoint of conv3d) of a (N, Cin, D, H, W) input with a
    (Cin, Cout/groups, KD, KH, KW) weight, as ``torch.conv_transpose3d``."""
    a, w = input._data, weight._data
    _check(a, w, groups, True)
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {_shape_str(w.shape)} instead")
    sd, sh, sw = _triple(stride)
    pd, ph, pw = _triple(padding)
    opd, oph, opw = _triple(output_padding)
    dd, dh, dw = _triple(dilation)
    if opd >= max(sd, dd):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           f"got output_padding_depth: {opd} stride_depth: {sd} "
                           f"dilation_depth: {dd}")
    n, cin, idp, h, wd = a.shape
    _, cog, kd, kh, kw = w.shape
    cout = cog * groups
    od = (idp - 1) * sd - 2 * pd + dd * (kd - 1) + opd + 1
    if od <= 0:
        raise RuntimeError(f"Given input size per channel: ({idp} x {h} x {wd}). Calculated "
                           f"output size per channel: ({od} x ...). Output size is too small")
    planes = reshape(permute(input, 0, 2, 1, 3, 4), n * idp, cin, h, wd)
    y = _c2.conv_transpose2d(planes, reshape(weight, cin, cog * kd, kh, kw), None, (sh, sw),
                             (ph, pw), (oph, opw), groups, (dh, dw))
    oh, ow = y.shape[2], y.shape[3]
    # (N, Cout*OH*OW*KD, ID): one column per input slice, rows (.., depth offset) for col2im
    cols = reshape(permute(reshape(y, n, idp, cout, kd, oh, ow), 0, 2, 4, 5, 3, 1),
                   n, cout * oh * ow * kd, idp)
    # the output_padding rows past what the padding crops get nothing: zeros appended
    tail = max(0, opd - pd)
    out = _c2.col2im(cols, (od - tail, 1), (kd, 1), (dd, 1), (pd, max(0, pd - opd), 0, 0),
                     (sd, 1))
    out = permute(reshape(out, n, cout, oh, ow, od - tail), 0, 1, 4, 2, 3)
    if tail:
        zeros = Tensor._wrap(backend.array_module(a).zeros((n, cout, tail, oh, ow), a.dtype))
        out = cat([out, zeros], 2)
    if bias is not None:
        out = out + reshape(bias, 1, cout, 1, 1, 1)
    return out


TENSOR_METHODS = []  # reached through galton.nn.functional
