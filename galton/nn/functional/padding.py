"""``F.pad``: constant, reflect, replicate and circular padding of the last dims, one op.

``pad`` lists (before, after) pairs starting from the LAST dim, as PyTorch:
``(left, right, top, bottom)`` pads width then height. Constant padding may be negative
(it crops). The backward of the non-constant modes folds the padded border's gradient back
onto the input elements it copied, one dim at a time, with slice-adds.
"""
from ... import backend
from ...ops._util import linear_backward
from ...tensor import make_result

__all__ = ["pad"]

_NP_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _along(nd, d, sl):
    """An index tuple selecting ``sl`` along axis ``d``."""
    idx = [slice(None)] * nd
    idx[d] = sl
    return tuple(idx)


def _check_modes(a, pairs, mode):
    n_pad = len(pairs)
    if n_pad > 3 or a.ndim not in (n_pad + 1, n_pad + 2):
        raise NotImplementedError(
            f"Padding size {2 * n_pad} is not supported for {a.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    for k, (d, lo, hi) in enumerate(pairs):
        size = a.shape[d]
        if min(lo, hi) < 0:
            raise RuntimeError(f"{mode} padding does not accept negative padding, got "
                               f"({lo}, {hi}) at dimension {d}")
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} "
                               f"of input {list(a.shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0 and (lo or hi):
            raise RuntimeError(f"padding size is expected to be positive, but got input of size "
                               f"{list(a.shape)}")


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims of ``input``.

    mode: 'constant' (``value``, default 0), 'reflect' (mirror without the edge), 'replicate'
    (repeat the edge) or 'circular' (wrap around).

    >>> F.pad(galton.ones(1, 1, 2, 2), (1, 1, 1, 1)).shape
    galton.Size([1, 1, 4, 4])
    """
    pad = [int(p) for p in pad]
    a = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > a.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{a.ndim}")
    pairs = [(a.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    xp = backend.array_module(a)
    nd = a.ndim
    if mode == "constant":
        return _constant(input, a, pairs, 0 if value is None else value, xp)
    if mode not in _NP_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f"Padding mode \"{mode}\" doesn't take in value argument.")
    _check_modes(a, pairs, mode)
    widths = [(0, 0)] * nd
    for d, lo, hi in pairs:
        widths[d] = (lo, hi)
    out = xp.pad(a, widths, mode=_NP_MODES[mode])

    def fold(g):
        for d, lo, hi in pairs:
            n = g.shape[d] - lo - hi
            gx = g[_along(nd, d, slice(lo, lo + n))].copy()
            left, right = g[_along(nd, d, slice(0, lo))], g[_along(nd, d, slice(lo + n, None))]
            if mode == "reflect":  # out[i] = x[lo - i] on the left, x[n - 2 - j] on the right
                if lo:
                    gx[_along(nd, d, slice(1, lo + 1))] += xp.flip(left, d)
                if hi:
                    gx[_along(nd, d, slice(n - 1 - hi, n - 1))] += xp.flip(right, d)
            elif mode == "replicate":
                if lo:
                    gx[_along(nd, d, slice(0, 1))] += left.sum(axis=d, keepdims=True)
                if hi:
                    gx[_along(nd, d, slice(n - 1, n))] += right.sum(axis=d, keepdims=True)
            else:  # circular: the left border copies the input's end, the right its start
                if lo:
                    gx[_along(nd, d, slice(n - lo, n))] += left
                if hi:
                    gx[_along(nd, d, slice(0, hi))] += right
            g = gx
        return g
    names = {"reflect": "ReflectionPad", "replicate": "ReplicationPad", "circular": "Circular"}
    name = f"{names[mode]}{len(pairs)}DBackward0"
    # fold's adjoint is the padding itself
    return make_result(out, (input,), linear_backward(
        fold, lambda v: xp.pad(v, widths, mode=_NP_MODES[mode]), name), name)


def _constant(input, a, pairs, value, xp):
    """Constant padding; negative amounts crop. The backward is the matching crop/pad."""
    nd = a.ndim
    crop = [slice(None)] * nd
    widths = [(0, 0)] * nd
    for d, lo, hi in pairs:
        size = a.shape[d]
        new = size + lo + hi
        if new < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {lo} and {hi} "
                               f"resulted in a negative output size, which is invalid. Check "
                               f"dimension {d} of your input.")
        crop[d] = slice(max(-lo, 0), size - max(-hi, 0))
        widths[d] = (max(lo, 0), max(hi, 0))
    src = a[tuple(crop)]
    if any(w != (0, 0) for w in widths):
        out = xp.full(tuple(s + lo + hi for s, (lo, hi) in zip(src.shape, widths)), value,
                      dtype=a.dtype)
        out[tuple(slice(lo, lo + s) for s, (lo, _) in zip(src.shape, widths))] = src
    else:
        out = src.copy()
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(src.shape, widths))
    in_shape = a.shape
    del src

    out_shape = out.shape

    def crop_back(g):
        core = g[inner]
        if core.shape == in_shape:
            return core
        gx = xp.zeros(in_shape, g.dtype)
        gx[tuple(crop)] = core
        return gx

    def pad_zeros(v):  # crop_back's adjoint: the padding with 0
        full = xp.zeros(out_shape, v.dtype)
        full[inner] = v[tuple(crop)]
        return full
    return make_result(out, (input,), linear_backward(crop_back, pad_zeros,
                                                      "ConstantPadNdBackward0"),
                       "ConstantPadNdBackward0")

