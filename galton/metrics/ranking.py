"""ROC curves and the area under them (binary and one-vs-rest)."""
import numpy as np

from ._inputs import as_array


def roc_curve(y_true, scores):
    """False-positive rates, true-positive rates and thresholds of a binary scorer (as sklearn,
    with drop_intermediate=False)."""
    t = as_array(y_true, "y_true").reshape(-1)
    s = as_array(scores, "scores").reshape(-1).astype(np.float64)
    if t.shape != s.shape:
        raise ValueError(f"y_true and scores have different lengths: {t.size} and {s.size}")
    pos = t == 1 if t.dtype.kind != "b" else t
    if pos.all() or not pos.any():
        raise ValueError("ROC needs both positive and negative samples in y_true")
    order = np.argsort(-s, kind="mergesort")
    s, pos = s[order], pos[order]
    distinct = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]  # last index of each score value
    tps = np.cumsum(pos)[distinct]
    fps = (distinct + 1) - tps
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    thresholds = np.r_[np.inf, s[distinct]]
    return fpr, tpr, thresholds


def auc(x, y):
    """Area under a curve by the trapezoidal rule (x monotonic)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    area = np.trapezoid(y, x) if hasattr(np, "trapezoid") else np.trapz(y, x)
    return float(abs(area))


def roc_auc(y_true, scores, multi_class="ovr", average="macro"):
    """ROC AUC: binary (1-D scores, or the class-1 column of 2-D scores) or one-vs-rest macro."""
    t = as_array(y_true, "y_true").reshape(-1)
    s = as_array(scores, "scores")
    if s.ndim == 1 or s.shape[1] == 1:
        fpr, tpr, _ = roc_curve(t, s.reshape(-1))
        return auc(fpr, tpr)
    if s.shape[1] == 2 and set(np.unique(t)) <= {0, 1}:
        fpr, tpr, _ = roc_curve(t, s[:, 1])
        return auc(fpr, tpr)
    if multi_class != "ovr":
        raise ValueError("only multi_class='ovr' (one-vs-rest) is supported")
    areas, weights = [], []
    for c in range(s.shape[1]):
        yc = (t == c).astype(np.int64)
        if yc.all() or not yc.any():
            continue
        fpr, tpr, _ = roc_curve(yc, s[:, c])
        areas.append(auc(fpr, tpr))
        weights.append(yc.sum())
    if not areas:
        raise ValueError("ROC AUC needs at least one class with both positive and negative samples")
    if average == "weighted":
        return float(np.average(areas, weights=weights))
    return float(np.mean(areas))
