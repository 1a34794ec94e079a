"""Printing tensors exactly as PyTorch does: ``tensor([-0.5892,  1.2141], requires_grad=True)``.

The rules are PyTorch's (torch/_tensor_str.py): one number format for the whole tensor, chosen
from its non-zero finite values (whole numbers as ``2.``, else 4 decimals, else scientific when
the values span more than 1000x, exceed 1e8 or go below 1e-4), every element right-aligned to
the widest, lines wrapped at 80 columns, and tensors over 1000 elements summarised with ``...``
keeping 3 items at each edge. ``set_printoptions`` changes these as ``torch.set_printoptions``.
"""
import math

import numpy as np

from . import backend, dtypes

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE = None  # None: chosen per tensor; True / False: forced

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """How tensors print, as ``torch.set_printoptions``: digits after the point, the element
    count above which a tensor is summarised, the items kept at each edge, the line width, a
    profile ('default', 'short', 'full') and scientific notation (None: automatic)."""
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile is not None and profile in _PROFILES:
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = edgeitems
    if linewidth is not None:
        LINEWIDTH = linewidth
    SCI_MODE = sci_mode  # as PyTorch: every call sets it, None meaning automatic


def get_printoptions():
    return {"precision": PRECISION, "threshold": THRESHOLD, "edgeitems": EDGEITEMS,
            "linewidth": LINEWIDTH, "sci_mode": SCI_MODE}


class _Formatter:
    """Chooses one format and one width for every element of a tensor."""

    def __init__(self, a):
        self.floating = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not self.floating:
            for v in a.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        flat = a.reshape(-1).astype(np.float64)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals)
        lo, hi = absv.min(), absv.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = (bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
                         if SCI_MODE is None else bool(SCI_MODE))
        if self.sci_mode:
            strs, extra = [f"{v:.{PRECISION}e}" for v in vals.tolist()], 0
        elif self.int_mode:
            strs, extra = [f"{v:.0f}" for v in vals.tolist()], 1  # room for the trailing "."
        else:
            strs, extra = [f"{v:.{PRECISION}f}" for v in vals.tolist()], 0
        self.max_width = max(len(s) for s in strs) + extra

    def format(self, v):
        if self.floating:
            if self.sci_mode:
                s = f"{v:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                s = f"{v:.0f}"
                if not (math.isinf(v) or math.isnan(v)):
                    s += "."
            else:
                s = f"{v:.{PRECISION}f}"
        else:
            s = f"{v}"
        return " " * (self.max_width - len(s)) + s


def _summarized(a):
    """Only the elements that will be shown (3 at each edge of every long dimension)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate((a[:EDGEITEMS], a[a.shape[0] - EDGEITEMS:]))
    if a.ndim == 1:
        return a
    return np.stack([_summarized(r) for r in a])


def _vector(a, indent, summarize, fmt):
    per_line = max(1, math.floor((LINEWIDTH - indent) / (fmt.max_width + 2)))
    if summarize and not EDGEITEMS:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * EDGEITEMS:
        data = ([fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."] +
                [fmt.format(v) for v in a[-EDGEITEMS:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        rows = ([_body(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."] +
                [_body(a[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)])
    else:
        rows = [_body(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(t):
    """``repr(t)``, PyTorch's text for the same tensor (``galton.`` in place of ``torch.``)."""
    a = backend.to_device(t._data, backend.CPU)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    d = a.dtype
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if d != dtypes.default_float_np():  # no element shows whether it is an int or a bool
            suffixes.append(f"dtype={dtypes.from_numpy_dtype(d)!r}")
        body = "[]"
    else:
        if d != dtypes.default_float_np() and d != np.int64 and d != np.bool_:
            suffixes.append(f"dtype={dtypes.from_numpy_dtype(d)!r}")
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _body(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
