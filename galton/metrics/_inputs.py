"""Turn what users pass to metrics (tensors, arrays, lists, logits) into NumPy arrays."""
import numpy as np


def as_array(x, name="input"):
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach().numpy()
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    return arr


def labels(y_true, y_pred):
    """Class labels from both sides; 2-D predictions are scores and become their argmax."""
    t = as_array(y_true, "y_true").reshape(-1) if as_array(y_true).ndim <= 1 else None
    if t is None:
        raise ValueError(f"y_true must be 1-D class labels, got shape {np.shape(y_true)}")
    p = as_array(y_pred, "y_pred")
    if p.ndim == 2:
        p = p.argmax(axis=1)
    p = p.reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred have different lengths: {t.shape[0]} and {p.shape[0]}")
    return t.astype(np.int64), p.astype(np.int64)
