"""SHAP values (Lundberg & Lee 2017) through the ``shap`` package's model-agnostic
explainers, with the galton model wrapped as a function of NumPy batches.

Kernel and Permutation explainers hide features by replacing them with the background
data's values (E[f] = the mean output over the background); the Partition explainer groups
features hierarchically, and for images hides regions with a fixed image (the background's
mean, or a given value), which makes it the practical one for pictures.
"""
from collections import namedtuple

import numpy as np

from ..tensor import Tensor
from ._common import as_array
from .permutation import model_function

__all__ = ["shap_values", "ShapValues", "EXPLAINERS"]

EXPLAINERS = ("kernel", "permutation", "partition")

ShapValues = namedtuple("ShapValues", ["values", "base_values", "outputs", "target"])
ShapValues.__doc__ = """SHAP values of one class per input.

values: the inputs' shape; base_values (N,): E[f] of the target class (what the model gives
when every feature is hidden); outputs (N,): f(x) of the target class; target (N,): the
class explained. Additivity: values summed over an input + base_values = outputs
(``additivity_gap``)."""


def additivity_gap(result):
    """max |Σ values + base_values − outputs| over the inputs: SHAP's additivity, 0 up to
    rounding for every explainer here."""
    total = result.values.reshape(len(result.values), -1).sum(axis=1)
    return float(np.max(np.abs(total + result.base_values - result.outputs)))


def _import_shap():
    try:
        import shap
    except ImportError:
        raise ImportError("SHAP values need the shap package: pip install 'galton[explain]' "
                          "(or pip install shap)") from None
    return shap


def shap_values(model, inputs, background, explainer="permutation", target=None,
                output="probability", max_evals=None, seed=0, batch_size=1024):
    """SHAP values of ``inputs`` (N, ...) for the target class (None: the predicted one).

    background: samples (M, ...) standing for "feature unknown" (Kernel, Permutation,
    Partition of a table: at most 100 are used), or for images with ``"partition"`` the
    image that hides a region (one image, a number, or samples whose mean is used);
    explainer: "kernel", "permutation" or "partition"; output: "probability" (softmax) or
    "raw" (the model's outputs); max_evals: model evaluations per input (None: shap's
    default; Kernel's nsamples). Returns ``ShapValues``; ``additivity_gap`` checks it.

    >>> r = shap_values(model, x_test[:5], x_train[:50], "kernel")
    >>> r.values.shape, additivity_gap(r) < 1e-6
    """
    shap = _import_shap()
    if explainer not in EXPLAINERS:
        raise ValueError(f"unknown SHAP explainer {explainer!r}: use one of "
                         f"{', '.join(EXPLAINERS)}")
    x = as_array(inputs).astype(np.float64)
    shape = x.shape[1:]
    f = model_function(model, batch_size, output)
    bg = np.asarray(background._data if isinstance(background, Tensor) else background,
                    np.float64)
    flat_f = lambda z: f(np.asarray(z, np.float32).reshape((-1,) + shape))  # noqa: E731
    is_image = len(shape) == 3
    if explainer == "partition" and is_image:
        values, base = _partition_image(shap, f, x, bg, max_evals, batch_size)
    else:
        if bg.ndim == 0 or bg.shape[1:] != shape:
            raise ValueError(f"background must be samples of the inputs' shape (M, "
                             f"{', '.join(map(str, shape))}), got {bg.shape}")
        xf, bf = x.reshape(len(x), -1), bg.reshape(len(bg), -1)[:100]
        if explainer == "kernel":
            ex = shap.KernelExplainer(flat_f, bf, silent=True)
            kw = {} if max_evals is None else {"nsamples": max_evals}
            values = np.asarray(ex.shap_values(xf, silent=True, **kw))
            base = np.broadcast_to(np.asarray(ex.expected_value), (len(x), values.shape[-1]))
        else:
            cls = shap.PermutationExplainer if explainer == "permutation" else \
                shap.PartitionExplainer
            masker = shap.maskers.Independent(bf, max_samples=100) if explainer == \
                "permutation" else shap.maskers.Partition(bf, max_samples=100)
            kw = {"seed": seed} if explainer == "permutation" else {}
            ex = cls(flat_f, masker, **kw)
            e = ex(xf, max_evals="auto" if max_evals is None else max_evals, silent=True)
            values, base = np.asarray(e.values), np.asarray(e.base_values)
        values = values.reshape((len(x),) + shape + (values.shape[-1],))
    fx = f(x.astype(np.float32))
    t = fx.argmax(axis=1) if target is None else np.broadcast_to(
        np.asarray(target, np.int64).reshape(-1), (len(x),))
    if np.any((t < 0) | (t >= fx.shape[1])):
        raise ValueError(f"target {target} is out of range: the model has {fx.shape[1]} outputs")
    rows = np.arange(len(x))
    return ShapValues(values[rows, ..., t] if values.ndim > 2 else values[rows, t],
                      np.asarray(base)[rows, t], fx[rows, t], t)


def _partition_image(shap, f, x, bg, max_evals, batch_size):
    """Owen values over a hierarchy of image regions: shap's Image masker on (H, W, C)."""
    n, (c, h, w) = len(x), x.shape[1:]
    if bg.ndim == 0:
        mask = np.full((h, w, c), float(bg))
    elif bg.shape == (c, h, w):
        mask = bg.transpose(1, 2, 0)
    elif bg.ndim == 4 and bg.shape[1:] == (c, h, w):
        mask = bg.mean(axis=0).transpose(1, 2, 0)
    else:
        raise ValueError(f"background for images must be a number, one image ({c}, {h}, {w}) "
                         f"or images (M, {c}, {h}, {w}); got shape {bg.shape}")
    hwc = lambda z: f(np.asarray(z, np.float32).reshape(-1, h, w, c).transpose(0, 3, 1, 2))  # noqa: E731
    ex = shap.PartitionExplainer(hwc, shap.maskers.Image(mask, shape=(h, w, c)))
    e = ex(x.transpose(0, 2, 3, 1), max_evals=500 if max_evals is None else max_evals,
           batch_size=min(batch_size, 256), silent=True)
    values = np.asarray(e.values).transpose(0, 3, 1, 2, 4)  # (N, C, H, W, K)
    return values, np.asarray(e.base_values)
