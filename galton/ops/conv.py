"""Convolution as im2col + one GEMM, forward and backward side by side.

The input becomes a column matrix (C*KH*KW, N*OH*OW) and the whole batch is one GEMM
``W (O, C*KH*KW) @ cols`` (``_columns.py`` builds the matrix, its adjoint and the NCHW copies).

Backward: the output gradient is brought to (O, N*OH*OW) (planes again), then
  weight grad = g @ cols.T            (the saved column matrix, one GEMM)
  input grad  = col2im(W.T @ g)       (one GEMM, then a slice-add per kernel offset)
and the input gradient is skipped when the input does not need it (a network's first layer).

conv_transpose2d is the adjoint: its forward is conv2d's input gradient and its backward uses
im2col of the output gradient.
"""

from .. import backend
from ._columns import (_columns, _grouped_mm, _image, _nchw_to_planes, _planes_to_nchw,
                       _weight_grad)
from ._util import Tensor, composite, linear_map, make_result, will_record
from ..amp import autocast_mode as _autocast

__all__ = ["conv2d", "conv_transpose2d", "im2col", "col2im"]


def _pair(v):
    if isinstance(v, (tuple, list)):
        if len(v) == 1:
            return int(v[0]), int(v[0])
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _padding4(p):
    """(top, bottom, left, right) from an int, a (ph, pw) pair or an explicit 4-tuple."""
    if isinstance(p, (tuple, list)) and len(p) == 4:
        return tuple(int(v) for v in p)
    ph, pw = _pair(p)
    return ph, ph, pw, pw


CHUNK_BYTES = 8 << 20  # the column matrix of one block of samples when no graph is recorded


def _check_dtypes(a, w, bias):
    if a.dtype != w.dtype:
        raise RuntimeError(f"Input type ({a.dtype}) and weight type ({w.dtype}) should be the "
                           "same")
    if bias is not None and bias._data.dtype != w.dtype:
        raise RuntimeError(f"Input type ({a.dtype}) and bias type ({bias._data.dtype}) should be "
                           "the same")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of a (N, C, H, W) input with a (O, C/groups, KH, KW)
    weight, as ``torch.conv2d``; padding may also be a (top, bottom, left, right) 4-tuple."""
    if _autocast.state.enabled:
        return _autocast.run_low(conv2d, input, weight, bias=bias, stride=stride, padding=padding,
                                 dilation=dilation, groups=groups)
    a, w = input._data, weight._data
    _check_conv_shapes(a, w, bias, groups)
    _check_dtypes(a, w, bias)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    pad = _padding4(padding)
    n, c, h, wd = a.shape
    o, _, kh, kw = w.shape
    hp, wp = h + pad[0] + pad[1], wd + pad[2] + pad[3]
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if hp < ekh or wp < ekw:
        raise RuntimeError(f"Calculated padded input size per channel: ({hp} x {wp}). Kernel size: "
                           f"({ekh} x {ekw}). Kernel size can't be greater than actual input size")
    oh, ow = (hp - ekh) // sh + 1, (wp - ekw) // sw + 1
    xp = backend.array_module(a)
    w2 = w.reshape(o, -1)
    b = None if bias is None else bias._data
    per_sample = c * kh * kw * oh * ow * a.itemsize  # bytes of column matrix per sample
    if n * per_sample > CHUNK_BYTES and not will_record((input, weight, bias)):
        # nothing will be kept for backward, so the columns are built one block of samples
        # at a time: memory stays bounded (evaluating 1,000 images at once needs no 139 MB
        # column matrix) and each block's GEMM reads columns that are still in cache
        out = xp.empty((n, o, oh, ow), a.dtype)
        block = max(1, CHUNK_BYTES // per_sample)
        for s in range(0, n, block):
            part = a[s:s + block]
            cols = _columns(part, kh, kw, sh, sw, dh, dw, pad, oh, ow)
            _planes_to_nchw(_grouped_mm(w2, cols, groups), len(part), o, oh, ow, b, xp,
                            out=out[s:s + block])
        return Tensor._wrap(out)
    cols = _columns(a, kh, kw, sh, sw, dh, dw, pad, oh, ow)
    out = _planes_to_nchw(_grouped_mm(w2, cols, groups), n, o, oh, ow, b, xp)
    need_x, need_w = input._rg, weight._rg
    saved_cols = cols if need_w else None  # the only big array kept for backward
    del cols
    need_b = bias is not None and bias._rg

    def backward(g, x=a, w=w, b=b, xp=xp):
        if isinstance(g, Tensor):  # create_graph: differentiate conv2d written as unfold + matmul
            return composite(lambda x, w, b: _conv_by_unfold(x, w, b, (sh, sw), pad, (dh, dw),
                                                             groups), (x, w, b), g)
        gp = _nchw_to_planes(g)
        gw = _weight_grad(gp, saved_cols, groups, w.shape) if need_w else None
        gb = gp.sum(axis=1) if need_b else None
        gx = None
        if need_x:
            dcols = _grouped_mm(w2, gp, groups, trans_a=True)
            gx = _image(dcols, (n, c, h, wd), kh, kw, sh, sw, dh, dw, pad, oh, ow)
        return gx, gw, gb
    return make_result(out, (input, weight, bias), backward, "ConvolutionBackward0")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution (the adjoint of conv2d) of a (N, Cin, H, W) input with a
    (Cin, Cout/groups, KH, KW) weight, as ``torch.conv_transpose2d``."""
    if _autocast.state.enabled:
        return _autocast.run_low(conv_transpose2d, input, weight, bias=bias, stride=stride,
                                 padding=padding, output_padding=output_padding, groups=groups,
                                 dilation=dilation)
    a, w = input._data, weight._data
    _check_transposed_shapes(a, w, bias, groups)
    _check_dtypes(a, w, bias)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    ph, pw = _pair(padding)
    oph, opw = _pair(output_padding)
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           f"got output_padding_height: {oph} output_padding_width: {opw} "
                           f"stride_height: {sh} stride_width: {sw} dilation_height: {dh} "
                           f"dilation_width: {dw}")
    n, cin, h, wd = a.shape
    _, cog, kh, kw = w.shape
    cout = cog * groups
    oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    ow = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input size per channel: ({h} x {wd}). Calculated output size "
                           f"per channel: ({oh} x {ow}). Output size is too small")
    pad = (ph, ph, pw, pw)
    xp = backend.array_module(a)
    xt = _nchw_to_planes(a)                                  # (Cin, N*H*W)
    w2 = w.reshape(cin, -1)                                  # (Cin, Cout/g*KH*KW)
    dcols = _grouped_mm(w2, xt, groups, trans_a=True)        # (Cout*KH*KW, N*H*W)
    out = _image(dcols, (n, cout, oh, ow), kh, kw, sh, sw, dh, dw, pad, h, wd)
    del dcols
    if bias is not None:
        out += bias._data.reshape(1, cout, 1, 1)
    need_x, need_w = input._rg, weight._rg
    saved_xt = xt if need_w else None
    del xt
    need_b = bias is not None and bias._rg

    def backward(g, x=a, w=w, b=None if bias is None else bias._data, xp=xp):
        if isinstance(g, Tensor):  # create_graph: differentiate it written as matmul + fold
            return composite(lambda x, w, b: _conv_transpose_by_fold(
                x, w, b, (oh, ow), (sh, sw), pad, (dh, dw), groups), (x, w, b), g)
        cols = _columns(g, kh, kw, sh, sw, dh, dw, pad, h, wd)
        gw = _grouped_mm(saved_xt, cols, groups, trans_b=True).reshape(w.shape) if need_w else None
        gx = None
        if need_x:
            gx = _planes_to_nchw(_grouped_mm(w2, cols, groups), n, cin, h, wd, None, xp)
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb
    return make_result(out, (input, weight, bias), backward, "ConvolutionBackward0")


def im2col(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a (N, C, H, W) input as (N, C*KH*KW, L), as ``F.unfold``."""
    a = input._data
    kh, kw = _pair(kernel_size)
    dh, dw = _pair(dilation)
    pad = _padding4(padding)
    sh, sw = _pair(stride)
    n, c, h, wd = a.shape
    hp, wp = h + pad[0] + pad[1], wd + pad[2] + pad[3]
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input with spatial size ({h}, {wd}), kernel_size=({kh}, {kw}), "
                           f"dilation=({dh}, {dw}), padding=({pad[0]}, {pad[2]}), calculated "
                           f"shape of the array of sliding blocks as ({oh}, {ow}), but its "
                           "components must be at least one.")
    cols = _columns(a, kh, kw, sh, sw, dh, dw, pad, oh, ow)
    k = c * kh * kw
    out = cols.reshape(k, n, oh * ow).transpose(1, 0, 2).copy()

    def backward(g, xp=None):
        if isinstance(g, Tensor):  # create_graph: fold, itself differentiable (by unfold)
            return (col2im(g, (h, wd), (kh, kw), (dh, dw), pad, (sh, sw)),)
        gc = g.transpose(1, 0, 2).reshape(k, n * oh * ow)
        return (_image(gc, (n, c, h, wd), kh, kw, sh, sw, dh, dw, pad, oh, ow),)
    return make_result(out, (input,), backward, "Im2ColBackward0")


def col2im(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum (N, C*KH*KW, L) blocks into a (N, C, H, W) output, as ``F.fold``."""
    a = input._data
    h, wd = _pair(output_size)
    kh, kw = _pair(kernel_size)
    dh, dw = _pair(dilation)
    pad = _padding4(padding)
    sh, sw = _pair(stride)
    n, k, L = a.shape
    if k % (kh * kw):
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={k} and "
                           f"kernel_size=({kh}, {kw})")
    c = k // (kh * kw)
    hp, wp = h + pad[0] + pad[1], wd + pad[2] + pad[3]
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    if oh * ow != L:
        raise RuntimeError(f"Given output_size=({h}, {wd}), kernel_size=({kh}, {kw}), "
                           f"dilation=({dh}, {dw}), padding=({pad[0]}, {pad[2]}), "
                           f"stride=({sh}, {sw}), expected size of input's dimension 2 to match "
                           f"the calculated number of sliding blocks {oh} * {ow} = {oh * ow}, "
                           f"but got input.size(2)={L}.")
    cols = a.transpose(1, 0, 2).reshape(k, n * L)
    out = _image(cols, (n, c, h, wd), kh, kw, sh, sw, dh, dw, pad, oh, ow)

    def backward(g, xp=None):
        if isinstance(g, Tensor):  # create_graph: unfold, itself differentiable (by fold)
            return (im2col(g, (kh, kw), (dh, dw), pad, (sh, sw)),)
        gc = _columns(g, kh, kw, sh, sw, dh, dw, pad, oh, ow)
        return (gc.reshape(k, n, L).transpose(1, 0, 2).copy(),)
    return make_result(out, (input,), backward, "Col2ImBackward0")


def _conv_by_unfold(x, w, b, stride, pad, dilation, groups):
    """conv2d from galton ops (unfold, matmul, reshape): the form create_graph differentiates."""
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    cols = im2col(x, (kh, kw), dilation, pad, stride)            # (N, C*KH*KW, L)
    oh = (h + pad[0] + pad[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = cols.shape[2] // oh
    cols = cols.reshape(n, groups, cg * kh * kw, oh * ow)
    out = w.reshape(groups, o // groups, cg * kh * kw) @ cols    # (N, G, O/G, L)
    out = out.reshape(n, o, oh, ow)
    return out if b is None else out + b.reshape(1, o, 1, 1)


def _conv_transpose_by_fold(x, w, b, out_hw, stride, pad, dilation, groups):
    """conv_transpose2d from galton ops (matmul, fold): the form create_graph differentiates."""
    n, cin, h, wd = x.shape
    _, cog, kh, kw = w.shape
    xg = x.reshape(n, groups, cin // groups, h * wd)
    wg = w.reshape(groups, cin // groups, cog * kh * kw)
    cols = wg.transpose(1, 2) @ xg                               # (N, G, Cout/G*KH*KW, H*W)
    out = col2im(cols.reshape(n, groups * cog * kh * kw, h * wd), out_hw, (kh, kw), dilation,
                 pad, stride)
    return out if b is None else out + b.reshape(1, groups * cog, 1, 1)


def _shape_str(s):
    return "[" + ", ".join(str(v) for v in s) + "]"


def _check_bias(w_shape, bias, n_out):
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != n_out):
        raise RuntimeError(f"Given weight of size {_shape_str(w_shape)}, expected bias to be "
                           f"1-dimensional with {n_out} elements, but got bias of size "
                           f"{_shape_str(bias._data.shape)} instead")


def _check_conv_shapes(a, w, bias, groups):
    if w.ndim != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for 4-dimensional input "
                           f"{_shape_str(a.shape)}, but got {w.ndim}-dimensional weight of size "
                           f"{_shape_str(w.shape)} instead")
    if a.ndim != 4:
        raise RuntimeError(f"Expected 4D (batched) input to conv2d, but got input of size: "
                           f"{_shape_str(a.shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {_shape_str(w.shape)} instead")
    if a.shape[1] != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape_str(w.shape)}, expected "
                           f"input{_shape_str(a.shape)} to have {w.shape[1] * groups} channels, "
                           f"but got {a.shape[1]} channels instead")
    _check_bias(w.shape, bias, w.shape[0])


def _check_transposed_shapes(a, w, bias, groups):
    if w.ndim != 4 or a.ndim != 4:
        raise RuntimeError(f"Expected 4D (batched) input and 4D weight to conv_transpose2d, but "
                           f"got input of size {_shape_str(a.shape)} and weight of size "
                           f"{_shape_str(w.shape)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {_shape_str(w.shape)} instead")
    if a.shape[1] != w.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape_str(w.shape)}, expected "
                           f"input{_shape_str(a.shape)} to have {w.shape[0]} channels, but got "
                           f"{a.shape[1]} channels instead")
    _check_bias(w.shape, bias, w.shape[1] * groups)


TENSOR_METHODS = []  # conv is reached through galton.nn.functional, not as Tensor methods
