"""``galton.testing.assert_close``: PyTorch's comparison of tensors, scalars and nested
containers of them, with its default tolerances per dtype and its messages.

    >>> galton.testing.assert_close(model(x), expected)               # float32: rtol 1.3e-6, atol 1e-5
    >>> galton.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)       # both or neither
"""
import collections.abc

import numpy as np

from . import backend, dtypes
from .tensor import Tensor

__all__ = ["assert_close", "default_tolerances"]

# (rtol, atol) per dtype, as torch.testing; other dtypes compare exactly
_PRECISIONS = {"float16": (0.001, 1e-5), "bfloat16": (0.016, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


def default_tolerances(*inputs):
    """The loosest (rtol, atol) of the inputs' dtypes."""
    names = [(x.dtype if isinstance(x, Tensor) else x).name if not isinstance(x, str) else x
             for x in inputs]
    rtols, atols = zip(*[_PRECISIONS.get(n, (0.0, 0.0)) for n in names])
    return max(rtols), max(atols)


class _Failure(Exception):
    def __init__(self, exc_type, msg):
        super().__init__(msg)
        self.exc_type, self.msg = exc_type, msg


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError (PyTorch's text) unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` element-wise, with the same shape,
    dtype and device (unless ``check_dtype`` / ``check_device`` is False)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    try:
        _compare(actual, expected, (), dict(rtol=rtol, atol=atol, equal_nan=equal_nan,
                                            check_device=check_device, check_dtype=check_dtype))
    except _Failure as f:
        text = f.msg if msg is None else (msg(f.msg) if callable(msg) else msg)
        raise f.exc_type(text) from None


def _compare(actual, expected, path, opts):
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected,
                                                                  collections.abc.Mapping):
        if set(actual) != set(expected):
            _fail(AssertionError, f"The keys of the mappings do not match:\n{sorted(actual)} != "
                                  f"{sorted(expected)}", path)
        for k in actual:
            _compare(actual[k], expected[k], path + (repr(k),), opts)
        return
    seqs = (list, tuple)
    if isinstance(actual, seqs) and isinstance(expected, seqs):
        if len(actual) != len(expected):
            _fail(AssertionError, f"The length of the sequences mismatch: {len(actual)} != "
                                  f"{len(expected)}", path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, path + (str(i),), opts)
        return
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return _compare_tensors(actual, expected, path, opts)
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        return _compare_tensors(Tensor._wrap(actual), Tensor._wrap(expected), path, opts)
    scalars = (bool, int, float, np.number, np.bool_)
    if isinstance(actual, scalars) and isinstance(expected, scalars):
        return _compare_scalars(actual, expected, path, opts)
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                    f"{type(expected)}.")


def _fail(exc_type, msg, path):
    if path:
        msg += f"\n\nThe failure occurred for item {''.join(f'[{p}]' for p in path)}"
    raise _Failure(exc_type, msg)


def _attr_mismatch(name, a, e, path):
    _fail(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", path)


def _compare_tensors(actual, expected, path, opts):
    if actual.shape != expected.shape:
        _attr_mismatch("shape", actual.shape, expected.shape, path)
    if opts["check_device"] and actual.device != expected.device:
        _attr_mismatch("device", actual.device, expected.device, path)
    a = backend.to_device(actual._data, backend.CPU)
    e = backend.to_device(expected._data, backend.CPU)
    if a.dtype != e.dtype:
        if opts["check_dtype"]:
            _attr_mismatch("dtype", actual.dtype, expected.dtype, path)
        common = dtypes.promote_types(actual.dtype, expected.dtype).np
        a, e = a.astype(common), e.astype(common)
    rtol, atol = opts["rtol"], opts["atol"]
    if rtol is None:
        rtol, atol = default_tolerances(actual.dtype.name, expected.dtype.name)
    matches = _isclose(a, e, rtol, atol, opts["equal_nan"])
    if matches.all():
        return
    if a.ndim == 0:
        return _scalar_failure(a.item(), e.item(), rtol, atol, path)
    _fail(AssertionError, _tensor_mismatch(a, e, matches, rtol, atol), path)


def _isclose(a, e, rtol, atol, equal_nan):
    if a.dtype.kind in "biu" and rtol == 0 and atol == 0:
        return a == e
    a64 = a if a.dtype.kind == "f" else a.astype(np.float64)
    e64 = e if e.dtype.kind == "f" else e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = (a64 == e64) | (np.abs(a64 - e64) <= atol + rtol * np.abs(e64))
    if equal_nan:
        close |= np.isnan(a64) & np.isnan(e64)
    return close


def _tensor_mismatch(a, e, matches, rtol, atol):
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    af, ef, mf = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    if af.dtype.kind != "f":
        af, ef = af.astype(np.int64), ef.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        abs_diff = np.abs(af - ef)
        abs_diff[mf] = 0
        # integer differences divide as PyTorch's default float dtype does
        num = abs_diff if abs_diff.dtype.kind == "f" else abs_diff.astype(np.float32)
        rel_diff = num / np.abs(ef).astype(num.dtype)
    rel_diff[mf] = 0
    ia, ir = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))
    return _mismatch_msg("Tensor-likes", extra, abs_diff[ia].item(), np.unravel_index(ia, a.shape),
                         atol, rel_diff[ir].item(), np.unravel_index(ir, a.shape), rtol)


def _compare_scalars(actual, expected, path, opts):
    rtol, atol = opts["rtol"], opts["atol"]
    if rtol is None:
        floating = isinstance(actual, (float, np.floating)) or isinstance(
            expected, (float, np.floating))
        rtol, atol = _PRECISIONS["float64"] if floating else (0.0, 0.0)
    a, e = np.float64(actual), np.float64(expected)
    if _isclose(np.asarray(a), np.asarray(e), rtol, atol, opts["equal_nan"]).all():
        return
    _scalar_failure(actual, expected, rtol, atol, path)


def _scalar_failure(actual, expected, rtol, atol, path):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    _fail(AssertionError, _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.",
                                        abs_diff, None, atol, rel_diff, None, rtol), path)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = (f"{kind.title()} difference: {diff}" if idx is None else
                f"Greatest {kind} difference: {diff} at index {tuple(int(i) for i in idx)}")
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"
    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()
