"""Classification metrics: accuracy, confusion matrix, precision/recall/F1, balanced accuracy, MCC.

Arguments follow scikit-learn's order (``y_true, y_pred``) and accept tensors, arrays or lists;
a 2-D ``y_pred`` (scores or logits) is reduced to its argmax.
"""
import numpy as np

from ._inputs import as_array, labels


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the labels."""
    t, p = labels(y_true, y_pred)
    return float((t == p).mean()) if t.size else 0.0


def top_k_accuracy(y_true, scores, k=5):
    """Fraction of samples whose label is among the k highest scores."""
    t = as_array(y_true).reshape(-1).astype(np.int64)
    s = as_array(scores, "scores")
    if s.ndim != 2 or s.shape[0] != t.size:
        raise ValueError(f"scores must have shape (n_samples, n_classes) = ({t.size}, C), got {s.shape}")
    k = min(k, s.shape[1])
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    return float((top == t[:, None]).any(axis=1).mean())


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts C[i, j] of samples of true class i predicted as class j."""
    t, p = labels(y_true, y_pred)
    n = num_classes or int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    if t.size and (t.min() < 0 or p.min() < 0 or t.max() >= n or p.max() >= n):
        raise ValueError(f"labels must lie in [0, {n}), got values from "
                         f"{min(t.min(), p.min())} to {max(t.max(), p.max())}")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def _safe_div(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def precision_recall_f1(y_true, y_pred, average="macro", num_classes=None):
    """Precision, recall and F1: per class (average=None), 'macro', 'micro', 'weighted', or
    'binary' (of class 1). Classes with no predicted (or no true) samples score 0, as in sklearn."""
    cm = confusion_matrix(y_true, y_pred, num_classes)
    tp = np.diag(cm).astype(np.float64)
    pred_pos, true_pos = cm.sum(axis=0), cm.sum(axis=1)
    if average == "micro":
        p = r = _safe_div(tp.sum(), cm.sum())
        return float(p), float(r), float(p)
    prec, rec = _safe_div(tp, pred_pos), _safe_div(tp, true_pos)
    f1 = _safe_div(2 * prec * rec, prec + rec)
    if average is None:
        return prec, rec, f1
    if average == "binary":
        if cm.shape[0] > 2:
            raise ValueError("average='binary' needs two classes; use 'macro', 'micro' or 'weighted'")
        return float(prec[1]), float(rec[1]), float(f1[1])
    present = (true_pos + pred_pos) > 0  # sklearn averages over labels that occur
    if average == "macro":
        return tuple(float(v[present].mean()) if present.any() else 0.0 for v in (prec, rec, f1))
    if average == "weighted":
        w = true_pos / max(true_pos.sum(), 1)
        return tuple(float((v * w).sum()) for v in (prec, rec, f1))
    raise ValueError(f"average must be None, 'binary', 'micro', 'macro' or 'weighted', got {average!r}")


def precision(y_true, y_pred, average="macro", num_classes=None):
    return precision_recall_f1(y_true, y_pred, average, num_classes)[0]


def recall(y_true, y_pred, average="macro", num_classes=None):
    return precision_recall_f1(y_true, y_pred, average, num_classes)[1]


def f1_score(y_true, y_pred, average="macro", num_classes=None):
    return precision_recall_f1(y_true, y_pred, average, num_classes)[2]


def balanced_accuracy(y_true, y_pred):
    """Mean recall over the classes present in y_true."""
    cm = confusion_matrix(y_true, y_pred)
    true_pos = cm.sum(axis=1)
    present = true_pos > 0
    return float((np.diag(cm)[present] / true_pos[present]).mean())


def matthews_corrcoef(y_true, y_pred):
    """Matthews correlation coefficient (the multi-class form), in [-1, 1]."""
    cm = confusion_matrix(y_true, y_pred).astype(np.float64)
    t, p = cm.sum(axis=1), cm.sum(axis=0)
    c, s = np.trace(cm), cm.sum()
    cov_tp = c * s - t @ p
    cov_tt = s * s - t @ t
    cov_pp = s * s - p @ p
    denom = np.sqrt(cov_tt * cov_pp)
    return float(cov_tp / denom) if denom else 0.0


def classification_report(y_true, y_pred, class_names=None, digits=3):
    """A text table: precision, recall, F1 and support per class, then accuracy and averages."""
    cm = confusion_matrix(y_true, y_pred)
    prec, rec, f1 = precision_recall_f1(y_true, y_pred, average=None, num_classes=cm.shape[0])
    support = cm.sum(axis=1)
    names = [str(c) for c in (class_names or range(cm.shape[0]))]
    width = max(12, max(len(n) for n in names) + 2)
    head = f"{'':>{width}} {'precision':>10} {'recall':>10} {'f1-score':>10} {'support':>10}"
    rows = [head, ""]
    for i, n in enumerate(names[:cm.shape[0]]):
        rows.append(f"{n:>{width}} {prec[i]:>10.{digits}f} {rec[i]:>10.{digits}f} "
                    f"{f1[i]:>10.{digits}f} {support[i]:>10d}")
    total = int(support.sum())
    rows.append("")
    rows.append(f"{'accuracy':>{width}} {'':>10} {'':>10} {accuracy(y_true, y_pred):>10.{digits}f} "
                f"{total:>10d}")
    for avg in ("macro", "weighted"):
        p, r, f = precision_recall_f1(y_true, y_pred, avg, cm.shape[0])
        rows.append(f"{avg + ' avg':>{width}} {p:>10.{digits}f} {r:>10.{digits}f} {f:>10.{digits}f} "
                    f"{total:>10d}")
    return "\n".join(rows)
