"""The fused ops of ``galton.compile``: one autograd node each, forward and backward fused.

- ``linear_act``: Linear + activation (ReLU, tanh, sigmoid). Forward: one GEMM, the bias and
  the activation in place on its result. Backward: the activation's derivative applied to the
  gradient once, then the input-gradient and weight-gradient GEMMs and the bias sum -- eager
  mode runs two ops, two autograd nodes and a separate elementwise pass each way.
- ``conv_relu`` and ``conv_relu_pool``: Conv2d + bias + ReLU (+ a 2x2 / stride-2 max-pool).
  The GEMM result stays in its (O, N, H, W) planes layout; one pass adds the bias, applies the
  ReLU (and pools) and writes NCHW; the backward builds the planes gradient the GEMMs need in
  one pass from the output gradient (the ReLU's mask and the pool's winners folded in), where
  eager mode runs the pool backward, the ReLU backward and the NCHW -> planes copy.

Numbers are eager mode's: the same GEMMs in the same shapes, each element through the same
arithmetic (``_fused_loops.py``). Under ``create_graph`` the backward differentiates the same
ops written with eager galton ops (``composite``), so second derivatives work too.
"""
import os

import numpy as np

from ..ops import _kernels
from ..ops._columns import _columns, _grouped_mm, _image, _weight_grad
from ..ops._util import composite, make_result
from ..tensor import Tensor
from . import _fused_loops

_compiled = None  # the compiled loops once loaded; False when Numba is missing or fails
_jit = None       # the loops through numba.njit, for calls the ahead-of-time module lacks


def loops():
    """The loops to use: the compiled ones when galton's compiled kernels are on, else the
    NumPy ones. Compiled means galton's ahead-of-time module (``galton/ops/_aot.py``), which
    holds these loops too; Numba's JIT only when that cannot be had. Nothing is loaded before
    the first fused call -- never by ``import galton``."""
    global _compiled
    if not _kernels._enabled:
        return _NUMPY
    if _compiled is None:
        _compiled = False
        if _kernels.available():
            from ..ops import _aot
            mod = _aot.load()
            _compiled = (_aot.namespace(mod, _fused_loops.NAMES, _jit_loops) if mod is not None
                         else _jit_loops())
    return _compiled or _NUMPY


def _jit_loops():
    """The loops through ``numba.njit`` (imports Numba); the NumPy ones if that fails."""
    global _jit
    if _jit is None:
        _jit = _NUMPY
        if _kernels.jit_loops():  # Numba imports and compiles galton's loops
            import numba
            ns = _Namespace()
            for name in _fused_loops.NAMES:
                setattr(ns, name, numba.njit(**_kernels.JIT_OPTIONS)(
                    getattr(_fused_loops, name)))
            _jit = ns
    return _jit


class _Namespace:
    pass


_NUMPY = _Namespace()
for _name in _fused_loops.NAMES:
    setattr(_NUMPY, _name, getattr(_fused_loops, "numpy_" + _name))


# --- activations: forward in place, and the gradient through them from the output ----------
def _act_forward(act, z):
    if act == "relu":
        np.maximum(z, 0, out=z)
    elif act == "tanh":
        np.tanh(z, out=z)
    elif act == "sigmoid":
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)
    return z


def _act_backward(act, g, y):
    """The gradient before the activation, from its output y (one pass for ReLU)."""
    if act == "relu":
        out = np.empty(g.shape, y.dtype)
        if y.size >= _kernels.MIN_SIZE:
            loops().relu_mask(np.ascontiguousarray(g, y.dtype).reshape(-1), y.reshape(-1),
                              out.reshape(-1))
        else:
            np.multiply(g, y > 0, out=out)
        return out
    if act == "tanh":
        return g * (1 - y * y)
    return g * (y * (1 - y))  # sigmoid


def _act_eager(act, t):
    from ..nn import functional as F
    return {"relu": F.relu, "tanh": F.tanh, "sigmoid": F.sigmoid}[act](t)


# --- Linear + activation ----------------------------------------------------------------------
def linear_act(x, weight, bias, act):
    """``act(F.linear(x, weight, bias))`` as one op (x of any leading shape)."""
    a, w = x._data, weight._data
    if a.shape[-1] != w.shape[-1] or a.dtype != w.dtype:
        from ..nn import functional as F  # let eager mode raise its own error
        return _act_eager(act, F.linear(x, weight, bias))
    lead = a.shape[:-1]
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    y = a2 @ w.T
    if bias is not None:
        y += bias._data
    _act_forward(act, y)
    need_x, need_w = x._rg, weight._rg
    need_b = bias is not None and bias._rg

    def backward(g, xp=np):
        if isinstance(g, Tensor):
            from ..nn import functional as F
            return composite(lambda x, w, b: _act_eager(act, F.linear(x, w, b)),
                             (x, weight, bias), g)
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gz = _act_backward(act, g2, y)
        gx = (gz @ w).reshape(a.shape) if need_x else None
        gw = gz.T @ a2 if need_w else None
        gb = gz.sum(axis=0) if need_b else None
        return gx, gw, gb
    out = y.reshape(lead + (w.shape[0],)) if a.ndim != 2 else y
    return make_result(out, (x, weight, bias), backward, f"Linear{act.capitalize()}Backward")


# --- Conv2d + bias + ReLU (+ 2x2 max-pool) ----------------------------------------------------
def _pair(v):
    return (int(v[0]), int(v[-1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def conv_relu(x, weight, bias, stride, padding, dilation, groups, pool=False):
    """``relu(F.conv2d(x, weight, bias, ...))``, then ``F.max_pool2d(., 2)`` when ``pool``."""
    from ..nn import functional as F

    def eager(x, w, b):
        y = F.relu(F.conv2d(x, w, b, stride, padding, dilation, groups))
        return F.max_pool2d(y, 2) if pool else y
    a, w = x._data, weight._data
    if (a.ndim != 4 or w.ndim != 4 or a.dtype != w.dtype or bias is None
            or a.shape[1] != w.shape[1] * groups or isinstance(padding, str)
            or (isinstance(padding, (tuple, list)) and len(padding) > 2)
            or type(a) is not np.ndarray):
        return eager(x, weight, bias)  # eager mode does it (and raises its own errors)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    ph, pw = _pair(padding)
    pad = (ph, ph, pw, pw)
    n, c, h, wd = a.shape
    o, _, kh, kw = w.shape
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1 or (pool and (oh < 2 or ow < 2)):
        return eager(x, weight, bias)
    cols = _columns(a, kh, kw, sh, sw, dh, dw, pad, oh, ow)
    w2 = w.reshape(o, -1)
    y = _grouped_mm(w2, cols, groups)  # (O, N*OH*OW): planes
    b = np.ascontiguousarray(bias._data)
    k = loops()
    if pool:
        out = np.empty((n, o, oh // 2, ow // 2), a.dtype)
        idx = np.empty(out.shape, np.uint8)
        k.bias_relu_pool2x2_planes(y.reshape(o, n, oh, ow), b, out, idx, out.dtype.type(0))
    else:
        out = np.empty((n, o, oh, ow), a.dtype)
        k.bias_relu_planes(y.reshape(o, n, oh * ow), b, out.reshape(n, o, oh * ow))
    del y
    need_x, need_w, need_b = x._rg, weight._rg, bias._rg
    saved_cols = cols if need_w else None
    del cols

    def backward(g, xp=np):
        if isinstance(g, Tensor):
            return composite(eager, (x, weight, bias), g)
        g = np.ascontiguousarray(g, out.dtype)
        gp = np.empty((o, n, oh, ow), out.dtype)
        if pool:
            k.relu_pool2x2_backward_planes(g, out, idx, gp, out.dtype.type(0))
        else:
            k.relu_mask_planes(g.reshape(n, o, oh * ow), out.reshape(n, o, oh * ow),
                               gp.reshape(o, n, oh * ow))
        gp = gp.reshape(o, n * oh * ow)
        gw = _weight_grad(gp, saved_cols, groups, w.shape) if need_w else None
        gb = gp.sum(axis=1) if need_b else None
        gx = None
        if need_x:
            gx = _image(_grouped_mm(w2, gp, groups, trans_a=True), (n, c, h, wd), kh, kw,
                        sh, sw, dh, dw, pad, oh, ow)
        return gx, gw, gb
    name = "ConvReluMaxPoolBackward" if pool else "ConvReluBackward"
    return make_result(out, (x, weight, bias), backward, name)


def numba_active():
    """Whether the fused ops run Numba-compiled loops (False: their NumPy versions)."""
    return loops() is not _NUMPY


if os.environ.get("GALTON_FUSED_NUMPY") == "1":  # for tests: force the NumPy loops
    _compiled = False
