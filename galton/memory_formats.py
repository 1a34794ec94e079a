"""Memory formats: ``galton.contiguous_format``, ``channels_last``, ``channels_last_3d`` and
``preserve_format``, the ``memory_format=`` of ``contiguous``, ``to``, ``clone``, the
``*_like`` constructors and ``Module.to``.

A tensor's shape is always logical (N, C, H, W); a memory format only says how its elements lie
in memory, so values never depend on it. galton's strides are its NumPy array's, so a tensor
made channels-last is a real NHWC array viewed as NCHW: ``stride()`` and
``is_contiguous(memory_format=...)`` answer as PyTorch's do, and NumPy keeps that layout through
elementwise ops as PyTorch keeps it. Ops that need another layout copy (as im2col does anyway).

>>> x = galton.zeros(2, 3, 4, 5).to(memory_format=galton.channels_last)
>>> x.stride(), x.is_contiguous(), x.is_contiguous(memory_format=galton.channels_last)
((60, 1, 15, 3), False, True)
"""
import numpy as np


class memory_format:
    """How a tensor's elements lie in memory (``torch.memory_format``)."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"galton.{self._name}"

    def __reduce__(self):  # singletons, by name
        return (_by_name, (self._name,))


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

_FORMATS = {f._name: f for f in (contiguous_format, channels_last, channels_last_3d,
                                 preserve_format)}
_RANK = {channels_last: 4, channels_last_3d: 5}


def _by_name(name):
    return _FORMATS[name]


def check(fmt):
    """``fmt`` if it is a memory format (None means preserve), else PyTorch's TypeError."""
    if fmt is None:
        return preserve_format
    if not isinstance(fmt, memory_format):
        raise TypeError(f"memory_format must be a torch.memory_format, not "
                        f"{type(fmt).__name__}")
    return fmt


# each format's dimensions from innermost to outermost
_INNER_FIRST = {channels_last: (1, 3, 2, 0), channels_last_3d: (1, 4, 3, 2, 0)}


def _inner_first(ndim, fmt):
    return _INNER_FIRST[fmt] if fmt in _INNER_FIRST else tuple(reversed(range(ndim)))


def _strides(arr):
    return tuple(s // arr.itemsize for s in arr.strides)


def is_contiguous(arr, fmt=contiguous_format):
    """PyTorch's contiguity test for ``fmt``: strides in that order, each the product of the
    sizes inside it; sizes of 1 are skipped (their stride does not matter)."""
    if fmt is contiguous_format or fmt is preserve_format:
        return bool(arr.flags.c_contiguous)
    if arr.ndim != _RANK[fmt]:
        return False
    strides, expected = _strides(arr), 1
    for d in _INNER_FIRST[fmt]:
        if arr.shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= arr.shape[d]
    return True


def _strides_like(arr, fmt):
    """Whether ``arr``'s strides order its dimensions as ``fmt`` does (PyTorch's guess of a
    tensor's format; ambiguous cases, such as N111, count as NCHW)."""
    if arr.ndim != _RANK[fmt]:
        return False
    strides, low = _strides(arr), 0
    if strides[1] == 0:
        return False
    for d in _INNER_FIRST[fmt]:
        if arr.shape[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * (arr.shape[d] if arr.shape[d] > 1 else 1)
    return True


def suggest(arr):
    """The format PyTorch reads from ``arr``'s strides (``suggest_memory_format``)."""
    if arr.ndim == 4 and _strides_like(arr, channels_last):
        return channels_last
    if arr.ndim == 5 and _strides_like(arr, channels_last_3d):
        return channels_last_3d
    return contiguous_format


def _dense(arr):
    """No gaps and no overlaps: sorted by stride, each stride is the product of the sizes
    inside it (sizes of 0 and 1 aside)."""
    strides = _strides(arr)
    dims = sorted((d for d in range(arr.ndim) if arr.shape[d] >= 2), key=lambda d: strides[d])
    expected = 1
    for d in dims:
        if strides[d] != expected:
            return False
        expected *= arr.shape[d]
    return True


def _with_strides(arr, strides):
    """A copy of ``arr`` with these element strides (all non-negative, dense)."""
    out = np.ndarray(arr.shape, arr.dtype, buffer=np.empty(max(arr.size, 1), arr.dtype),
                     strides=tuple(s * arr.itemsize for s in strides))
    out[...] = arr
    return out


def _rank_check(arr, fmt):
    if fmt in _RANK and arr.ndim != _RANK[fmt]:
        raise RuntimeError(f"required rank {_RANK[fmt]} tensor to use {fmt._name} format")


def _laid_out(arr, fmt):
    """A copy of ``arr`` with ``fmt``'s strides (PyTorch's formula)."""
    _rank_check(arr, fmt)
    if fmt is contiguous_format:
        return arr.copy(order="C")
    strides, step = [0] * arr.ndim, 1
    for d in _inner_first(arr.ndim, fmt):
        strides[d] = step
        step *= max(arr.shape[d], 1)
    return _with_strides(arr, strides)


def _preserved(arr, src):
    """``arr`` (a fresh C-ordered array shaped as ``src``) laid out as PyTorch's
    preserve_format lays out a copy of ``src``: dense strides are kept as they are, others
    follow the format the strides suggest. galton keeps 1-3-d results C-ordered."""
    if src.ndim not in (4, 5):
        return arr
    if _dense(src):
        return arr if _strides(src) == _strides(arr) else _with_strides(arr, _strides(src))
    fmt = suggest(src)
    return arr if fmt is contiguous_format else _laid_out(arr, fmt)


def contiguous(arr, fmt):
    """``x.contiguous(memory_format=fmt)``: ``arr`` itself when already so, else a copy."""
    fmt = check(fmt)
    if is_contiguous(arr, fmt):
        return arr
    if fmt is preserve_format:
        return _preserved(arr.copy(order="C"), arr)
    return _laid_out(arr, fmt)


def to(arr, fmt):
    """``x.to(memory_format=fmt)``: ``arr`` itself when its strides already suggest ``fmt``
    (or fmt is preserve), else a copy in ``fmt``."""
    fmt = check(fmt)
    if fmt is preserve_format or suggest(arr) is fmt:
        _rank_check(arr, fmt)
        return arr
    return _laid_out(arr, fmt)


def clone(arr, fmt):
    """``x.clone(memory_format=fmt)``: always a copy."""
    fmt = check(fmt)
    if fmt is preserve_format:
        return _preserved(arr.copy(order="C"), arr)
    return _laid_out(arr, fmt)


def like(new, src, fmt):
    """A freshly made C-ordered ``new`` (shaped as ``src``) in the layout ``fmt`` asks for
    (``empty_like`` & co)."""
    fmt = check(fmt)
    if fmt is preserve_format:
        return _preserved(new, src)
    if fmt is contiguous_format:
        return new
    return _laid_out(new, fmt)


def empty(shape, dtype, fmt):
    """``torch.empty(..., memory_format=fmt)``."""
    arr = np.empty(shape, dtype)
    fmt = check(fmt)
    return arr if fmt in (contiguous_format, preserve_format) else _laid_out(arr, fmt)
