"""Permutation importance (Breiman 2001): how much a score drops when one feature's values
are shuffled among the samples, breaking its link with the target. Any model (a galton
module or a function of a NumPy batch) and any metric; the features are the columns of a
table, image regions (patches), or any groups of input values."""
import numpy as np

from ..tensor import Tensor

__all__ = ["permutation_importance", "model_function", "METRICS"]


def model_function(model, batch_size=1024, output="raw"):
    """``model`` (a galton module, or already a function) as f(NumPy batch) -> NumPy outputs,
    run without a graph in chunks of ``batch_size``. output: "raw" (the model's outputs, as
    (N, K)) or "probability" (softmax over classes; for one logit, sigmoid as two columns)."""
    from ..nn import Module
    from ._common import forward_scores
    if output not in ("raw", "probability"):
        raise ValueError(f"output must be 'raw' or 'probability', got {output!r}")
    if not isinstance(model, Module):
        if not callable(model):
            raise TypeError(f"model must be a galton nn.Module or a function, got "
                            f"{type(model).__name__}")
        return model

    def f(x):
        x = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.float32)
        out = forward_scores(model, x, chunk=batch_size)
        if output == "raw":
            return out
        out = out.astype(np.float64)
        if out.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-out))
            return np.concatenate([1 - p, p], axis=1)
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return f


def _accuracy(y, out):
    out = np.asarray(out)
    pred = out.argmax(axis=1) if out.ndim == 2 and out.shape[1] > 1 else \
        (out.reshape(len(out)) > 0).astype(np.int64)
    return float(np.mean(pred == np.asarray(y).reshape(-1)))


def _neg_mse(y, out):
    return -float(np.mean((np.asarray(out, np.float64).reshape(len(out), -1)
                           - np.asarray(y, np.float64).reshape(len(y), -1)) ** 2))


def _r2(y, out):
    y = np.asarray(y, np.float64).reshape(len(y), -1)
    out = np.asarray(out, np.float64).reshape(len(out), -1)
    return float(1 - ((y - out) ** 2).sum() / ((y - y.mean(axis=0)) ** 2).sum())


# metric(y_true, model outputs) -> a score where greater is better (as scikit-learn's scorers)
METRICS = {"accuracy": _accuracy, "neg_mean_squared_error": _neg_mse, "r2": _r2}


def _groups(shape, patch, groups):
    """The features as index tuples into one sample (shape): the given groups, image
    patches, or each value of the last dimension (a table's columns)."""
    if groups is not None:
        out = []
        for gi in groups:
            g = np.asarray(gi)
            out.append(np.nonzero(g) if g.dtype == bool else (g,) if len(shape) == 1 else
                       np.unravel_index(g, shape))
        return out, None
    if patch is not None:
        if len(shape) != 3:
            raise ValueError(f"patch= needs images (N, C, H, W); got samples of shape {shape}")
        ph, pw = (patch, patch) if isinstance(patch, int) else patch
        regions = [(y, min(y + ph, shape[1]), x, min(x + pw, shape[2]))
                   for y in range(0, shape[1], ph) for x in range(0, shape[2], pw)]
        return [(slice(None), slice(a, b), slice(c, d)) for a, b, c, d in regions], regions
    if len(shape) != 1:
        raise ValueError(f"samples of shape {shape}: give patch=(h, w) for images or groups= "
                         "for other inputs (each column of a table is a feature by default)")
    return [(j,) for j in range(shape[0])], None


def permutation_importance(model, X, y, metric="accuracy", n_repeats=5, random_state=None,
                           patch=None, groups=None, batch_size=1024):
    """Importance of each feature = score(X) − score(X with that feature shuffled across
    the samples), ``n_repeats`` times.

    model: a galton module or a function of a NumPy batch; metric: a name in ``METRICS`` or
    ``metric(y_true, outputs) -> score`` (greater is better); features: the columns of a
    table (N, F), or with ``patch=(h, w)`` the patches of images (N, C, H, W), or
    ``groups``: index arrays or boolean masks over one sample. The shuffles are
    scikit-learn's (one seed drawn from ``random_state``, each feature's repeats shuffling
    one index array in turn), so a model wrapped for scikit-learn gets the same numbers
    from ``sklearn.inspection.permutation_importance``.

    Returns a dict: ``importances`` (features, n_repeats), ``importances_mean``,
    ``importances_std``, ``baseline_score``; with ``patch``, ``regions`` (y0, y1, x0, x1)
    and ``importance_map`` (H, W), each pixel holding its patch's mean importance.
    """
    f = model_function(model, batch_size)
    score = METRICS.get(metric) if isinstance(metric, str) else metric
    if score is None:
        raise ValueError(f"unknown metric {metric!r}: use one of {', '.join(METRICS)} or a "
                         "function metric(y_true, outputs)")
    X = np.asarray(X._data if isinstance(X, Tensor) else X)
    y = np.asarray(y._data if isinstance(y, Tensor) else y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples and y has {len(y)}")
    if n_repeats < 1:
        raise ValueError(f"n_repeats must be at least 1, got {n_repeats}")
    rs = random_state if isinstance(random_state, np.random.RandomState) else \
        np.random.RandomState(random_state)
    seed = rs.randint(np.iinfo(np.int32).max + 1)
    features, regions = _groups(X.shape[1:], patch, groups)
    baseline = score(y, f(X))
    result = np.empty((len(features), n_repeats))
    for k, feat in enumerate(features):
        feature_rs = np.random.RandomState(seed)
        Xp = X.copy()
        order = np.arange(len(X))
        where = (slice(None),) + tuple(feat)
        for r in range(n_repeats):
            feature_rs.shuffle(order)
            Xp[where] = Xp[order][where]
            result[k, r] = baseline - score(y, f(Xp))
    out = {"importances": result, "importances_mean": result.mean(axis=1),
           "importances_std": result.std(axis=1), "baseline_score": baseline}
    if regions is not None:
        heat = np.zeros(X.shape[2:], np.float64)
        for (a, b, c, d), v in zip(regions, out["importances_mean"]):
            heat[a:b, c:d] = v
        out["regions"], out["importance_map"] = regions, heat
    return out
