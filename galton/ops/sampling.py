"""Sampling an image at arbitrary points (``F.grid_sample``'s kernel, ``torch.grid_sampler``)
and the affine grids a spatial transformer feeds it (``torch.affine_grid_generator``).

A grid holds, for every output pixel, a point of the input in normalised coordinates: -1 and
+1 are the input's edges (the centres of its corner pixels with ``align_corners``), x first.
Each point becomes pixel coordinates, the padding mode folds those that fall outside back in
(border: clamp; reflection: mirror), and the value is read from the nearest pixel, the 2^d
surrounding ones (bilinear / trilinear) or the 4x4 around it (bicubic, A = -0.75 as PyTorch).

Every mode is a sum over a few taps: tap k reads input[idx_k] with weight w_k(point), so the
forward is one gather per tap, the input's gradient one scatter-add per tap (``bincount``,
never ``np.add.at``) and the grid's gradient sum_k input[idx_k] * dw_k/dpoint. The indices and
masks are constant almost everywhere, so under create_graph the same taps are written again
with galton ops (``_graph_form``) and that composite is differentiated.
"""
import itertools

import numpy as np

from ._util import composite, linear_backward, make_result
from ..tensor import Tensor

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_A = -0.75  # the cubic convolution's constant (PyTorch's, OpenCV's)


# --- pixel coordinates -------------------------------------------------------------------------
def _unnormalize(coord, size, align_corners, d):
    """[-1, 1] -> pixel coordinates, and d(pixel)/d(coord): [0, size-1] with align_corners
    (corner pixels' centres), else [-0.5, size-0.5] (the image's edges).

    Rounded as PyTorch's CPU kernels round (its 2-d and 3-d kernels write the formula
    differently, and the compiler fuses the multiply-add): a point on a pixel centre of an
    identity grid then falls on the same side of that centre, so the grid's one-sided
    gradient there is the same."""
    one = coord.dtype.type(1)
    if align_corners:
        if d == 2:
            return (coord + one) * coord.dtype.type((size - 1) / 2), (size - 1) / 2
        return (coord + one) / coord.dtype.type(2) * coord.dtype.type(size - 1), (size - 1) / 2
    if d == 2:
        return _fma(coord + one, size / 2, -0.5), size / 2
    return _fma(coord + one, size, -1.0) / coord.dtype.type(2), size / 2


def _fma(a, b, c):
    """a * b + c rounded once, as a fused multiply-add: float32 through float64 (exact),
    float64 through long double."""
    wide = np.float64 if a.dtype.itemsize < 8 else np.longdouble
    return (a.astype(wide) * wide(b) + wide(c)).astype(a.dtype)


def _clip(pix, size):
    """Clamp into [0, size-1]; the slope is 1 strictly inside, 0 on and beyond the edges (as
    PyTorch: the borders count as outside, so a clamped point gets no gradient). A NaN
    becomes 0, as PyTorch's CPU kernel clamps it."""
    slope = ((pix > 0) & (pix < size - 1)).astype(pix.dtype)
    out = np.clip(pix, 0, size - 1)
    out[np.isnan(out)] = 0
    return out, slope


def _reflect(pix, twice_low, twice_high):
    """Mirror into [low, high] (bounds given doubled, so half-integers stay exact), and the
    slope (+1 or -1: each reflection flips the direction)."""
    if twice_low == twice_high:
        return np.zeros_like(pix), np.zeros_like(pix)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    v = pix - pix.dtype.type(low)
    sign = np.where(v < 0, -1, 1).astype(pix.dtype)
    v = np.abs(v)
    with np.errstate(invalid="ignore"):  # inf -> NaN, then clamped to 0 as PyTorch
        extra = np.fmod(v, pix.dtype.type(span))
        even = np.floor(v / pix.dtype.type(span)) % 2 == 0
    out = np.where(even, extra + pix.dtype.type(low), pix.dtype.type(span + low) - extra)
    return out.astype(pix.dtype, copy=False), np.where(even, sign, -sign)


def _pad(pix, size, padding_mode, align_corners):
    """The padding mode applied to pixel coordinates: (coordinates, slope), slope None for
    'zeros' (coordinates unchanged: points outside read zeros)."""
    if padding_mode == "zeros":
        return pix, None
    if padding_mode == "border":
        return _clip(pix, size)
    if align_corners:
        pix, s1 = _reflect(pix, 0, 2 * (size - 1))
    else:
        pix, s1 = _reflect(pix, -1, 2 * size - 1)
    pix, s2 = _clip(pix, size)
    return pix, s1 * s2


# --- taps: (flat index, in-bounds mask, weight, d weight / d pixel coordinate per axis) --------
def _index(positions, sizes):
    """Flat indices of integer-valued float positions (x first) into a C-order spatial block,
    and the mask of those inside; outside ones index 0 (their mask is False)."""
    inside = np.ones(positions[0].shape, bool)
    for p, s in zip(positions, sizes):
        inside &= (p >= 0) & (p <= s - 1)  # False for NaN too
    flat = np.zeros(positions[0].shape, np.intp)
    stride = 1
    for p, s in zip(positions, sizes):
        flat += np.where(inside, p, 0).astype(np.intp) * stride
        stride *= s
    return flat, inside


def _product(factors):
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


def _masked(inside, arr):
    return np.where(inside, arr, 0).astype(arr.dtype, copy=False)


def _linear_factor(frac, bit):
    """A linear tap's weight along one axis: frac for the far corner, 1 - frac for the near."""
    return frac if bit else 1 - frac


def _linear_taps(pix, sizes):
    """The 2^d corners around each point: weights are products of (1 - frac) / frac."""
    floors = [np.floor(p) for p in pix]
    fracs = [p - f for p, f in zip(pix, floors)]
    d = len(pix)
    taps = []
    for bits in itertools.product((0, 1), repeat=d):
        positions = [f + b for f, b in zip(floors, bits)]
        flat, inside = _index(positions, sizes)
        factors = [_linear_factor(fr, b) for fr, b in zip(fracs, bits)]
        dws = []
        for k in range(d):
            others = [factors[j] for j in range(d) if j != k]
            dw = _product(others) if others else np.ones_like(factors[0])
            dws.append(dw if bits[k] else -dw)
        # outside taps: weight and slopes 0, not NaN (a NaN point must not reach pixel 0)
        taps.append((flat, inside, _masked(inside, _product(factors)),
                     [_masked(inside, dw) for dw in dws], bits))
    return taps, fracs


def _cubic(t):
    """The four cubic-convolution weights of taps at -1, 0, 1, 2 for fractions t, and their
    derivatives in t (works on arrays and on tensors alike)."""
    a = _A
    x0, x1, x2, x3 = t + 1, t, 1 - t, 2 - t

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    def d_near(x):
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def d_far(x):
        return (3 * a * x - 10 * a) * x + 8 * a
    w = [far(x0), near(x1), near(x2), far(x3)]
    dw = [d_far(x0), d_near(x1), -d_near(x2), -d_far(x3)]  # dx/dt = -1 for the last two
    return w, dw


def _cubic_taps(pix, sizes, padding_mode, align_corners):
    """The 4x4 taps around each point; the padding mode moves each tap (an integer position),
    not the point, so it adds no slope."""
    (px, py), (w_in, h_in) = pix, sizes
    fx, fy = np.floor(px), np.floor(py)
    tx, ty = px - fx, py - fy
    wx, dwx = _cubic(tx)
    wy, dwy = _cubic(ty)
    taps = []
    for j in range(4):
        y, _ = _pad(fy + (j - 1), h_in, padding_mode, align_corners)
        for i in range(4):
            x, _ = _pad(fx + (i - 1), w_in, padding_mode, align_corners)
            flat, inside = _index([np.trunc(x), np.trunc(y)], sizes)
            taps.append((flat, inside, _masked(inside, wx[i] * wy[j]),
                         [_masked(inside, dwx[i] * wy[j]), _masked(inside, wx[i] * dwy[j])],
                         (i, j)))
    return taps, [tx, ty]


def _points(grid, sizes, mode, padding_mode, align_corners):
    """The taps of every grid point, each axis's d(pixel)/d(grid) and the fractions the
    weights are functions of (both None for nearest: the grid gets no gradient)."""
    d = grid.shape[-1]
    pix, slopes = [], []
    for k in range(d):
        p, scale = _unnormalize(grid[..., k], sizes[k], align_corners, d)
        if mode != "bicubic":
            p, slope = _pad(p, sizes[k], padding_mode, align_corners)
            scale = scale if slope is None else slope * grid.dtype.type(scale)
        pix.append(p)
        slopes.append(scale)
    if mode == "nearest":
        flat, inside = _index([np.rint(p) for p in pix], sizes)
        return [(flat, inside, np.ones(flat.shape, grid.dtype), None, None)], None, None
    if mode == "bilinear":
        taps, fracs = _linear_taps(pix, sizes)
    else:
        taps, fracs = _cubic_taps(pix, sizes, padding_mode, align_corners)
    return taps, slopes, fracs


# --- the op ------------------------------------------------------------------------------------
def _gather(rows, flat, inside):
    """Each tap's input values (N, C, P), zero where the tap falls outside."""
    v = np.take_along_axis(rows, flat[:, None, :], axis=2)
    v *= inside[:, None, :]
    return v


def _input_grad(g, taps, shape):
    """Scatter-add each tap's share of the output gradient back into the input (one
    ``bincount`` per tap over (n, c, pixel) flat indices: repeats add up)."""
    n, c = shape[:2]
    size = int(np.prod(shape[2:]))
    g = g.reshape(n, c, -1)
    base = (np.arange(n * c, dtype=np.intp) * size).reshape(n, c, 1)
    total = np.zeros(n * c * size)
    for flat, inside, w, _, _ in taps:
        share = g * (w * inside)[:, None, :]
        total += np.bincount((base + flat[:, None, :]).ravel(), share.ravel(),
                             minlength=n * c * size)
    return total.astype(g.dtype).reshape(shape)


def _grid_grad(g, rows, taps, slopes, grid_shape):
    """sum over taps of g * input[tap] * dw/d(pixel), times d(pixel)/d(grid), per axis."""
    n, c = g.shape[:2]
    g = g.reshape(n, c, -1)
    d = grid_shape[-1]
    out = np.zeros((n, g.shape[2], d), g.dtype)
    for flat, inside, _, dws, _ in taps:
        gv = (g * _gather(rows, flat, inside)).sum(1)  # (N, P)
        for k in range(d):
            out[..., k] += gv * dws[k]
    for k in range(d):
        out[..., k] *= slopes[k]
    return out.reshape(grid_shape)


def _graph_form(x, grid, mode, taps, slopes, fracs):
    """The same taps as galton ops over tensors (for create_graph). Indices and masks are
    constant almost everywhere; each axis's fraction is rebuilt as a function of the grid,
    frac + slope * (grid - grid's value) (the padding is piecewise linear, so this is exact
    to every order), and the weights are the same products / cubics of those fractions."""
    from .index_ops import gather
    n, c = x.shape[:2]
    rows = x.reshape(n, c, -1)
    p = taps[0][0].shape[1]
    dt = x._data.dtype
    fr = None
    if fracs is not None:
        flat_grid = grid.reshape(n, p, grid.shape[-1])
        gd = flat_grid._data
        fr = [Tensor._wrap(f) + (flat_grid[..., k] - Tensor._wrap(gd[..., k].copy()))
              * Tensor._wrap(np.asarray(slopes[k], dt)) for k, f in enumerate(fracs)]
        if mode == "bicubic":
            cubics = [_cubic(f)[0] for f in fr]
    out = None
    for flat, inside, _, _, sel in taps:
        idx = Tensor._wrap(np.broadcast_to(flat[:, None, :], (n, c, p)).copy())
        term = gather(rows, 2, idx) * Tensor._wrap(inside[:, None, :].astype(dt))
        if fr is not None:
            if mode == "bicubic":
                w = cubics[0][sel[0]] * cubics[1][sel[1]]
            else:
                w = _product([_linear_factor(f, b) for f, b in zip(fr, sel)])
            term = term * w.unsqueeze(1)
        out = term if out is None else out + term
    return out.reshape(n, c, *grid.shape[1:-1])


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler``: ``F.grid_sample`` with the modes as PyTorch's integers
    (0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    _check(input, grid, interpolation_mode, padding_mode)
    mode, padding = _MODES[interpolation_mode], _PADDINGS[padding_mode]
    a, gr = input._data, grid._data
    n, c = a.shape[:2]
    flat_grid = gr.reshape(n, -1, gr.shape[-1])
    taps, slopes, fracs = _points(flat_grid, a.shape[2:][::-1], mode, padding,
                                  bool(align_corners))
    rows = a.reshape(n, c, -1)
    out = np.zeros((n, c, flat_grid.shape[1]), a.dtype)
    for flat, inside, w, _, _ in taps:
        out += _gather(rows, flat, inside) * w[:, None, :]
    out = out.reshape(n, c, *gr.shape[1:-1])
    need_x, need_grid = input._rg, grid._rg
    name = f"GridSampler{a.ndim - 2}DBackward0"

    def backward(g, x=a, grd=gr, xp=np):
        if xp is not np:  # create_graph: the taps as galton ops
            if mode == "nearest" or not isinstance(grd, Tensor):
                grd = Tensor._wrap(gr)  # no gradient to the grid (nearest), or a constant
            if not isinstance(x, Tensor):
                x = Tensor._wrap(a)
            return composite(lambda u, v: _graph_form(u, v, mode, taps, slopes, fracs),
                             (x, grd), g)
        gx = _input_grad(g, taps, a.shape) if need_x else None
        gg = None
        if need_grid:  # nearest: a zero gradient, as PyTorch
            gg = (np.zeros(gr.shape, gr.dtype) if slopes is None
                  else _grid_grad(g, rows, taps, slopes, gr.shape))
        return gx, gg
    return make_result(out, (input, grid), backward, name)


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_2d``: ``grid_sampler`` for 4-d input."""
    if input.ndim != 4:
        raise RuntimeError(f"grid_sampler_2d(): expected 4D input and grid, but got input with "
                           f"sizes {list(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    """``torch.grid_sampler_3d``: ``grid_sampler`` for 5-d input (bilinear or nearest)."""
    if input.ndim != 5:
        raise RuntimeError(f"grid_sampler_3d(): expected 5D input and grid, but got input with "
                           f"sizes {list(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def _check(input, grid, interpolation_mode, padding_mode):
    """PyTorch's checks, in its order and with its messages."""
    a, gr = input._data, grid._data
    sizes = f"input with sizes {list(a.shape)} and grid with sizes {list(gr.shape)}"
    if a.dtype != gr.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(a.dtype)} but found "
                           f"{_type_name(gr.dtype)}")
    if a.ndim < 3 or gr.ndim < 1 or a.shape[0] != gr.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got {sizes}")
    if gr.shape[-1] != a.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {a.ndim - 2} in last "
                           f"dimension, but got grid with sizes {list(gr.shape)}")
    for i in range(2, a.ndim):
        if a.shape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(a.shape)} with dimension "
                               f"{i} being empty")
    d = 2 if a.ndim == 4 else 3
    if a.ndim != d + 2 or gr.ndim != d + 2:
        raise RuntimeError(f"grid_sampler(): expected {d + 2}D input and grid with same number "
                           f"of dimensions, but got {sizes}")
    if d == 3 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if interpolation_mode not in (0, 1, 2):
        raise RuntimeError(f"Invalid interpolation mode {interpolation_mode}")
    if padding_mode not in (0, 1, 2):
        raise RuntimeError(f"Invalid padding mode {padding_mode}")
    if a.dtype.kind != "f":
        raise RuntimeError(f'"grid_sampler_{d}d_cpu" not implemented for '
                           f"'{_type_name(a.dtype)}'")


def _type_name(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double", "float16": "Half",
            "bfloat16": "BFloat16"}.get(dt.name, dt.name)


# --- affine grids ------------------------------------------------------------------------------
def _base_grid(spatial, align_corners, dtype):
    """(*spatial, d+1): each output pixel's normalised (x, y[, z], 1); a unit dimension sits
    at 0, as PyTorch since 1.3."""
    axes = []
    for s in spatial[::-1]:  # x varies along the last spatial dimension
        if s <= 1:
            axes.append(np.zeros(s, dtype))
        else:
            a = 1.0 if align_corners else (s - 1) / s
            axes.append(np.linspace(-a, a, s, dtype=dtype))
    mesh = np.meshgrid(*axes[::-1], indexing="ij")  # spatial order (D,) H, W
    return np.stack(list(mesh[::-1]) + [np.ones(tuple(spatial), dtype)], axis=-1)


def affine_grid_generator(theta, size, align_corners):
    """``torch.affine_grid_generator``: grid[n, ..., :] = theta[n] @ (x, y[, z], 1), for an
    output of ``size`` (N, C, H, W) or (N, C, D, H, W). Linear in theta."""
    size = [int(s) for s in size]
    if len(size) not in (4, 5):
        raise RuntimeError("affine_grid_generator needs 4d (spatial) or 5d (volumetric) inputs.")
    t = theta._data
    n, spatial = size[0], size[2:]
    base = _base_grid(spatial, bool(align_corners), t.dtype).reshape(-1, len(spatial) + 1)
    out_shape = (n, *spatial, len(spatial))

    def fwd(th):  # (N, d, d+1) -> (N, P, d)
        return (base @ th.swapaxes(-1, -2)).reshape(out_shape)

    def bwd(g):  # (N, P, d) -> (N, d, d+1)
        return g.reshape(n, -1, len(spatial)).swapaxes(-1, -2) @ base
    name = "AffineGridGeneratorBackward0"
    return make_result(fwd(t), (theta,), linear_backward(bwd, fwd, name), name)
