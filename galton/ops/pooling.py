"""Max and average pooling over (N, C, H, W), forward and backward side by side.

A pooling window is reduced by looping over its KH*KW offsets: each offset is one strided
slice of the input (a view), so the work is a few whole-array ufunc calls per offset, never
a loop over output positions. When the windows tile the input exactly (stride == kernel, no
padding, no dilation; a trailing row/column that fits no window is cropped off) the slices
come from a reshape of the input to (N, C, OH, KH, OW, KW), the classic 2x2 pooling.

Max pooling records, in the forward pass, which offset won each window (a uint8 array, a
sixteenth of the input's bytes for 2x2): the first maximum in scan order, as PyTorch, so
its backward sends each window's gradient to exactly the element PyTorch picks.
"""
import numpy as np

from .. import backend
from ._util import Tensor, linear_map, make_result
from . import _kernels

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


def _pair(v):
    if isinstance(v, (tuple, list)):
        return (int(v[0]), int(v[0])) if len(v) == 1 else (int(v[0]), int(v[1]))
    return int(v), int(v)


def _out_size(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size; in ceil mode the last window must start inside the
    input or its left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


class _Geometry:
    """Everything a pooling op needs about its windows, computed once."""

    __slots__ = ("n", "c", "h", "w", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "oh", "ow",
                 "tiled", "hx", "wx")

    def __init__(self, shape, kernel_size, stride, padding, dilation, ceil_mode, name):
        self.n, self.c, self.h, self.w = shape
        self.kh, self.kw = _pair(kernel_size)
        self.sh, self.sw = _pair(stride) if stride is not None and stride != () and stride != [] \
            else (self.kh, self.kw)
        self.ph, self.pw = _pair(padding)
        self.dh, self.dw = _pair(dilation)
        if min(self.kh, self.kw) <= 0:
            raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                               f"kH: {self.kh} kW: {self.kw}")
        if min(self.sh, self.sw) <= 0:
            raise RuntimeError(f"{name}: stride must be greater than zero, but got "
                               f"dH: {self.sh} dW: {self.sw}")
        if min(self.dh, self.dw) <= 0:
            raise RuntimeError(f"{name}: dilation must be greater than zero, but got "
                               f"dilationH: {self.dh} dilationW: {self.dw}")
        if self.ph > self.kh // 2 or self.pw > self.kw // 2 or min(self.ph, self.pw) < 0:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, but "
                               f"got pad={max(self.ph, self.pw)}, kernel_size="
                               f"{max(self.kh, self.kw)} and dilation={max(self.dh, self.dw)}")
        self.oh = _out_size(self.h, self.kh, self.sh, self.ph, self.dh, ceil_mode)
        self.ow = _out_size(self.w, self.kw, self.sw, self.pw, self.dw, ceil_mode)
        if self.oh <= 0 or self.ow <= 0:
            raise RuntimeError(f"Given input size: ({self.c}x{self.h}x{self.w}). Calculated "
                               f"output size: ({self.c}x{self.oh}x{self.ow}). Output size is too "
                               "small")
        # the extent of the padded input the windows reach (ceil mode may reach past padding)
        self.hx = max(self.h + 2 * self.ph, (self.oh - 1) * self.sh + self.dh * (self.kh - 1) + 1)
        self.wx = max(self.w + 2 * self.pw, (self.ow - 1) * self.sw + self.dw * (self.kw - 1) + 1)
        self.tiled = (self.sh == self.kh and self.sw == self.kw and self.ph == self.pw == 0
                      and self.dh == self.dw == 1 and self.oh * self.kh <= self.h
                      and self.ow * self.kw <= self.w)

    def padded(self, a, fill):
        """The input surrounded by ``fill`` out to the windows' extent (no copy if none)."""
        if self.hx == self.h and self.wx == self.w:
            return a
        xp = backend.array_module(a)
        out = xp.full((self.n, self.c, self.hx, self.wx), fill, a.dtype)
        out[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w] = a
        return out

    def views(self, a):
        """One (N, C, OH, OW) view of ``a`` per kernel offset, in scan order (rows first)."""
        if self.tiled:
            a6 = a[:, :, :self.oh * self.kh, :self.ow * self.kw].reshape(
                self.n, self.c, self.oh, self.kh, self.ow, self.kw)
            return [a6[:, :, :, i, :, j] for i in range(self.kh) for j in range(self.kw)]
        hs, ws = self.sh * (self.oh - 1) + 1, self.sw * (self.ow - 1) + 1
        out = []
        for i in range(self.kh):
            r = i * self.dh
            for j in range(self.kw):
                q = j * self.dw
                out.append(a[:, :, r:r + hs:self.sh, q:q + ws:self.sw])
        return out

    def overlapping(self):
        """Whether two offsets' slices can touch the same input element."""
        return self.sh < self.dh * (self.kh - 1) + 1 or self.sw < self.dw * (self.kw - 1) + 1

    def unpad(self, gx):
        if gx.shape[2] == self.h and gx.shape[3] == self.w:
            return gx
        return gx[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w].copy()

    def zeros_like_input(self, dtype, xp):
        return xp.zeros((self.n, self.c, self.hx, self.wx) if not self.tiled
                        else (self.n, self.c, self.h, self.w), dtype)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over (KH, KW) windows of a (N, C, H, W) input; with return_indices also the flat
    index (h * W + w) of each maximum, as ``F.max_pool2d``."""
    a = input._data
    geo = _Geometry(a.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    xp = backend.array_module(a)
    if geo.tiled and geo.kh == geo.kw == 2 and not return_indices:
        return _max_pool_2x2(input, geo, xp)
    src = a if geo.tiled else geo.padded(a, -np.inf if a.dtype.kind == "f" else
                                         np.iinfo(a.dtype).min)
    views = geo.views(src)
    out = views[0].copy()
    idx = xp.zeros(out.shape, np.uint8 if len(views) < 256 else np.int32)
    for k in range(1, len(views)):
        v = views[k]
        upd = v > out  # strict: the first maximum in scan order keeps the window
        xp.copyto(idx, k, where=upd)
        xp.maximum(out, v, out=out)  # maximum (not a masked copy) so NaN propagates
    del src, views
    overlapping = geo.overlapping()

    def winners(v):  # the adjoint of backward: v at each window's maximum
        vp = v if geo.tiled else geo.padded(v, 0)
        return sum(xp.where(idx == k, view, 0) for k, view in enumerate(geo.views(vp)))

    def backward(g, xp=xp):
        if isinstance(g, Tensor):  # create_graph: a linear map of g (see linear_map)
            return (linear_map(lambda v: backward(v)[0], winners, g, _MAX_NAME),)
        gx = geo.zeros_like_input(g.dtype, xp)
        for k, gv in enumerate(geo.views(gx)):
            hit = idx == k
            if overlapping:
                gv += xp.where(hit, g, 0)
            else:
                xp.copyto(gv, g, where=hit)
        return (gx if geo.tiled else geo.unpad(gx),)
    res = make_result(out, (input,), backward, "MaxPool2DWithIndicesBackward0")
    if not return_indices:
        return res
    return res, Tensor._wrap(_flat_indices(idx, geo, xp))


def _max_pool_2x2(input, geo, xp):
    """The common 2x2 / stride-2 pooling in two halving stages (pairs of columns, then pairs
    of rows) whose slices are far friendlier to memory than the four strided window views.

    Each stage keeps one bool per pair: whether the second element won. Left beats right and
    top beats bottom on ties, which is PyTorch's "first maximum in scan order" exactly.
    Backward splits the gradient through the two stages in reverse, writing each half once.
    """
    a = input._data
    n, c, oh, ow = geo.n, geo.c, geo.oh, geo.ow
    k = _kernels.get(a)
    if k is not None:
        return _max_pool_2x2_compiled(input, geo, k)
    x = a[:, :, :2 * oh, :2 * ow]
    if not x.flags.c_contiguous:
        x = xp.ascontiguousarray(x)
    x5 = x.reshape(n, c, 2 * oh, ow, 2)
    left, right = x5[..., 0], x5[..., 1]
    right_won = right > left
    cols = xp.maximum(left, right)  # (N, C, 2*OH, OW); maximum so NaN propagates
    del x, x5, left, right
    y = cols.reshape(n, c, oh, 2, ow)
    top, bottom = y[:, :, :, 0], y[:, :, :, 1]
    bottom_won = bottom > top
    out = xp.maximum(top, bottom)
    del cols, y, top, bottom
    shape = a.shape

    def backward(g, xp=xp):
        if isinstance(g, Tensor):  # create_graph: a linear map of g (see linear_map)
            return (_routed(lambda v: backward(v)[0], g, (n, c, oh, ow)),)
        rows = xp.empty((n, c, oh, 2, ow), g.dtype)
        xp.multiply(g, bottom_won, out=rows[:, :, :, 1])
        xp.subtract(g, rows[:, :, :, 1], out=rows[:, :, :, 0])  # g - g*1 = 0, g - g*0 = g
        rows = rows.reshape(n, c, 2 * oh, ow)
        gx5 = xp.empty((n, c, 2 * oh, ow, 2), g.dtype)
        xp.multiply(rows, right_won, out=gx5[..., 1])
        xp.subtract(rows, gx5[..., 1], out=gx5[..., 0])
        gx = gx5.reshape(n, c, 2 * oh, 2 * ow)
        if gx.shape != shape:  # odd sizes: the cropped last row/column gets no gradient
            full = xp.zeros(shape, g.dtype)
            full[:, :, :2 * oh, :2 * ow] = gx
            gx = full
        return (gx,)
    return make_result(out, (input,), backward, "MaxPool2DWithIndicesBackward0")


def _max_pool_2x2_compiled(input, geo, k):
    """The same pooling as one compiled pass: each window read once, its winner (0..3)
    kept as a uint8; backward writes every input-gradient element once."""
    a = np.ascontiguousarray(input._data)
    out = np.empty((geo.n, geo.c, geo.oh, geo.ow), a.dtype)
    idx = np.empty(out.shape, np.uint8)
    k.max_pool_2x2_forward(a, out, idx)
    shape, dtype = a.shape, a.dtype
    del a  # backward needs only the winners

    def backward(g, xp=np):
        if isinstance(g, Tensor):  # create_graph: a linear map of g (see linear_map)
            return (_routed(lambda v: backward(v)[0], g, (geo.n, geo.c, geo.oh, geo.ow)),)
        gx = np.empty(shape, dtype)
        k.max_pool_2x2_backward(np.ascontiguousarray(g, dtype=dtype), idx, gx)
        return (gx,)
    return make_result(out, (input,), backward, "MaxPool2DWithIndicesBackward0")


_MAX_NAME = "MaxPool2DWithIndicesBackwardBackward0"


def _routed(backward, g, out_shape):
    """Under create_graph, a pooling backward that routes each output's gradient to one input
    element: the winners are read off the backward itself (given 1, 2, 3, ... it puts k at the
    k-th window's winner), and the adjoint gathers there."""
    m = int(np.prod(out_shape))
    if m >= 2 ** 24:
        raise RuntimeError(f"{_MAX_NAME}: galton's double backward of max pooling handles at "
                           f"most 2**24 outputs, got {m}")
    probe = backward(np.arange(1, m + 1, dtype=g._data.dtype).reshape(out_shape)).reshape(-1)
    pos = np.flatnonzero(probe)
    win = np.empty(m, np.int64)
    win[probe[pos].astype(np.int64) - 1] = pos
    return linear_map(backward, lambda v: v.reshape(-1)[win].reshape(out_shape), g, _MAX_NAME)


def _flat_indices(idx, geo, xp):
    """PyTorch's indices: the position h * W + w of each window's maximum in the input."""
    i, j = xp.divmod(idx.astype(np.int64), geo.kw)
    rows = xp.arange(geo.oh, dtype=np.int64).reshape(-1, 1) * geo.sh - geo.ph + i * geo.dh
    cols = xp.arange(geo.ow, dtype=np.int64) * geo.sw - geo.pw + j * geo.dw
    return rows * geo.w + cols


def _avg_divisor(geo, count_include_pad, divisor_override):
    """The number each window's sum is divided by: a scalar, or (OH, OW) where windows differ."""
    if divisor_override:
        return float(divisor_override)

    def counts(o, k, s, p, size):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        return end - start
    div = np.outer(counts(geo.oh, geo.kh, geo.sh, geo.ph, geo.h),
                   counts(geo.ow, geo.kw, geo.sw, geo.pw, geo.w))
    if (div == geo.kh * geo.kw).all():
        return float(geo.kh * geo.kw)
    return div


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over (KH, KW) windows of a (N, C, H, W) input, as ``F.avg_pool2d``."""
    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError(f'"avg_pool2d" not implemented for \'{a.dtype}\'')
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    geo = _Geometry(a.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    xp = backend.array_module(a)
    views = geo.views(a if geo.tiled else geo.padded(a, 0))
    total = views[0] + views[1] if len(views) > 1 else views[0].copy()
    for v in views[2:]:
        total += v
    del views
    div = _avg_divisor(geo, count_include_pad, divisor_override)
    if not isinstance(div, float):
        div = xp.asarray(div.astype(a.dtype))
    total /= div

    def backward(g, xp=xp):
        if isinstance(g, Tensor):  # create_graph: linear in g; the adjoint is the pooling itself
            return (linear_map(lambda v: backward(v)[0], lambda v: avg_pool2d(
                Tensor._wrap(v), kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override)._data, g, "AvgPool2DBackwardBackward0"),)
        gd = g / div
        gx = geo.zeros_like_input(g.dtype, xp)
        for gv in geo.views(gx):
            gv += gd
        return (gx if geo.tiled else geo.unpad(gx),)
    return make_result(total, (input,), backward, "AvgPool2DBackward0")


def _adaptive_ranges(size, out):
    """PyTorch's adaptive windows: [floor(i*size/out), ceil((i+1)*size/out))."""
    starts = [(i * size) // out for i in range(out)]
    ends = [-(-((i + 1) * size) // out) for i in range(out)]
    return starts, ends


def _averaging_matrix(size, out, dtype):
    """(out, size): row i averages input positions of adaptive window i."""
    m = np.zeros((out, size), dtype)
    for i, (s, e) in enumerate(zip(*_adaptive_ranges(size, out))):
        m[i, s:e] = 1.0 / (e - s)
    return m


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed (OH, OW), as ``F.adaptive_avg_pool2d``: windows tile the
    input when the sizes divide; otherwise the windows (which then overlap) are separable, one
    averaging matrix per axis."""
    a = input._data
    n, c, h, w = a.shape
    oh, ow = _pair(output_size)
    xp = backend.array_module(a)
    if h % oh == 0 and w % ow == 0:
        kh, kw = h // oh, w // ow
        out = a.reshape(n, c, oh, kh, ow, kw).mean(axis=(3, 5))

        def backward(g, xp=xp):
            if isinstance(g, Tensor):  # create_graph: linear in g, adjoint the pooling itself
                return (linear_map(lambda v: backward(v)[0], lambda v: adaptive_avg_pool2d(
                    Tensor._wrap(v), output_size)._data, g, "AdaptiveAvgPool2DBackwardBackward0"),)
            gd = g.reshape(n, c, oh, 1, ow, 1) / (kh * kw)
            return (xp.broadcast_to(gd, (n, c, oh, kh, ow, kw)).reshape(n, c, h, w),)
        return make_result(out, (input,), backward, "AdaptiveAvgPool2DBackward0")
    mh = xp.asarray(_averaging_matrix(h, oh, a.dtype))
    mw = xp.asarray(_averaging_matrix(w, ow, a.dtype))
    out = mh @ (a @ mw.T)

    def backward_sep(g, xp=xp):
        return ((mh.T @ g) @ mw,)  # matmuls: on tensors (create_graph) too
    return make_result(out, (input,), backward_sep, "AdaptiveAvgPool2DBackward0")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed (OH, OW), as ``F.adaptive_max_pool2d``; a plain max pool when
    the sizes divide, otherwise one reduction per (overlapping) window."""
    a = input._data
    n, c, h, w = a.shape
    oh, ow = _pair(output_size)
    if h % oh == 0 and w % ow == 0:
        return max_pool2d(input, (h // oh, w // ow), (h // oh, w // ow),
                          return_indices=return_indices)
    xp = backend.array_module(a)
    out = xp.empty((n, c, oh, ow), a.dtype)
    flat = xp.empty((n, c, oh, ow), np.int64)
    hs, he = _adaptive_ranges(h, oh)
    ws, we = _adaptive_ranges(w, ow)
    for i in range(oh):
        for j in range(ow):
            region = a[:, :, hs[i]:he[i], ws[j]:we[j]].reshape(n, c, -1)
            k = region.argmax(axis=2)  # the first maximum, as PyTorch
            out[:, :, i, j] = xp.take_along_axis(region, k[..., None], 2)[..., 0]
            r, q = xp.divmod(k, we[j] - ws[j])
            flat[:, :, i, j] = (r + hs[i]) * w + q + ws[j]

    def backward(g, xp=xp):
        if isinstance(g, Tensor):  # create_graph: linear in g, adjoint gathers at the winners
            win = (flat + (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)).reshape(-1)
            return (linear_map(lambda v: backward(v)[0], lambda v: v.reshape(-1)[win].reshape(
                n, c, oh, ow), g, "AdaptiveMaxPool2DBackwardBackward0"),)
        # windows overlap, so several may pick one element: bincount sums them
        base = (xp.arange(n * c, dtype=np.int64) * (h * w)).reshape(n, c, 1, 1)
        gx = xp.bincount((flat + base).reshape(-1), weights=g.reshape(-1), minlength=n * c * h * w)
        return (gx.astype(g.dtype).reshape(n, c, h, w),)
    res = make_result(out, (input,), backward, "AdaptiveMaxPool2DBackward0")
    return (res, Tensor._wrap(flat)) if return_indices else res


TENSOR_METHODS = []  # pooling is reached through galton.nn.functional
