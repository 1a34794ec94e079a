"""PyTorch-like printing: ``tensor([[1., 2.]], requires_grad=True)``."""
import numpy as np

from . import backend, dtypes


def _fmt_float(a):
    finite = a[np.isfinite(a)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: (f"{v:.0f}." if np.isfinite(v) else str(v))
    big = finite.size and (np.abs(finite).max() >= 1e8 or
                           (np.abs(finite[finite != 0]).min() < 1e-4 if np.any(finite) else False))
    if big:
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}"


def format_tensor(t):
    a = backend.to_device(t.data, backend.CPU)
    if a.dtype.kind == "f":
        body = np.array2string(a, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3,
                               formatter={"float_kind": _fmt_float(a.astype(np.float64))})
    elif a.dtype.kind == "b":
        body = np.array2string(a, separator=", ", prefix="tensor(", threshold=1000,
                               formatter={"bool": lambda v: "True" if v else "False"})
    else:
        body = np.array2string(a, separator=", ", prefix="tensor(", threshold=1000)
    extras = []
    d = t.data.dtype
    if d != dtypes.default_float_np() and d != np.int64 and d != np.bool_ or a.size == 0:
        extras.append(f"dtype={dtypes.from_numpy_dtype(d)!r}")
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
