"""Measuring a trained classifier on a test set: metrics, a text report, the pictures.

>>> result = evaluate_classifier(model, data.test, meta)
>>> print(text_report(result))
>>> write_pictures("runs/a", model, data.test, meta, result, history)
"""
import json
import os

import numpy as np

from .models import probabilities

__all__ = ["evaluate_classifier", "text_report", "write_metrics", "write_pictures"]


def _arrays(dataset):
    x, y = dataset.tensors[0]._data, np.asarray(dataset.tensors[1]._data)
    if y.ndim > 1:  # binary targets as (N, 1) floats
        y = y.reshape(len(y), -1)[:, 0]
    return x, y.astype(np.int64)


def evaluate_classifier(model, dataset, meta, batch_size=500):
    """Predict every sample of a TensorDataset; returns a dict of metrics (JSON-able) with the
    predictions and probabilities under ``"_y_pred"`` and ``"_probs"`` (not written)."""
    from .. import metrics as M
    x, y = _arrays(dataset)
    binary = meta.get("loss") == "bce"
    probs = np.concatenate([probabilities(model, x[i:i + batch_size], binary=binary)
                            for i in range(0, len(x), batch_size)]) if len(x) else \
        np.zeros((0, len(meta["classes"])))
    y_pred = probs.argmax(axis=1)
    classes = list(meta["classes"])
    n = len(classes)
    picked = probs[np.arange(len(y)), y] if len(y) else np.zeros(0)
    loss = float(-np.log(np.clip(picked, 1e-12, 1.0)).mean()) if len(y) else float("nan")
    cm = M.confusion_matrix(y, y_pred, num_classes=n)
    prec, rec, f1 = M.precision_recall_f1(y, y_pred, average=None, num_classes=n)
    per_class = {c: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]),
                     "support": int(cm[i].sum())} for i, c in enumerate(classes)}
    return {
        "dataset": meta.get("dataset"), "split": "test", "samples": int(len(y)),
        "loss": loss, "accuracy": float(M.accuracy(y, y_pred)) if len(y) else float("nan"),
        "balanced_accuracy": float(M.balanced_accuracy(y, y_pred)) if len(y) else float("nan"),
        "macro_f1": float(M.f1_score(y, y_pred, average="macro", num_classes=n)),
        "per_class": per_class, "confusion_matrix": np.asarray(cm).astype(int).tolist(),
        "_y_true": y, "_y_pred": y_pred, "_probs": probs,
    }


def text_report(result, classes):
    """The per-class table (galton.metrics.classification_report) and the confusion matrix."""
    from ..metrics import classification_report
    lines = [f"{result['dataset']} test set: {result['samples']} samples, "
             f"accuracy {100 * result['accuracy']:.2f}%, loss {result['loss']:.4f}", ""]
    lines.append(classification_report(result["_y_true"], result["_y_pred"], class_names=classes))
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    cm = np.asarray(result["confusion_matrix"])
    short = [c.split(" - ")[0][:8] for c in classes]
    width = max(5, max(len(s) for s in short) + 1, len(str(cm.max())) + 1)
    lines.append(" " * width + "".join(f"{s:>{width}}" for s in short))
    for s, row in zip(short, cm):
        lines.append(f"{s:>{width}}" + "".join(f"{v:>{width}d}" for v in row))
    return "\n".join(lines)


def write_metrics(path, result, extra=None):
    """Write the JSON-able part of ``result`` (and ``extra``) to ``path`` atomically."""
    data = {k: v for k, v in result.items() if not k.startswith("_")}
    data.update(extra or {})
    tmp = os.fspath(path) + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, allow_nan=True)
        f.write("\n")
    os.replace(tmp, path)
    return path


def write_pictures(folder, model, dataset, meta, result, history=None, n_images=32):
    """training_curves.png (with a history), predictions.png (a grid of test images with
    their predicted labels, or the decision surface of 2-input data) and confusion_matrix.png.
    Returns the paths written."""
    from .. import plot
    paths = []
    if history:
        paths.append(plot.training_curves(history, path=os.path.join(folder, "training_curves.png")))
    x, y = _arrays(dataset)
    classes = list(meta["classes"])
    short = [c.split(" - ")[0] for c in classes]
    pred_path = os.path.join(folder, "predictions.png")
    shape = tuple(meta.get("input_shape") or ())
    if len(shape) == 3 and len(x):
        k = min(n_images, len(x))
        paths.append(plot.prediction_grid(x[:k], result["_y_pred"][:k], y[:k], short,
                                          path=pred_path, mean=meta.get("mean"),
                                          std=meta.get("std"), title="test images: predicted "
                                          "label (green right, red wrong)"))
    elif shape == (2,) and len(x):
        paths.append(plot.decision_surface(model, x[:200], y[:200], path=pred_path,
                                           title="decision surface (test points)"))
    paths.append(plot.confusion_matrix(np.asarray(result["confusion_matrix"]), short,
                                       path=os.path.join(folder, "confusion_matrix.png")))
    return paths
