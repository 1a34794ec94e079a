"""Permutation importance against scikit-learn's, SHAP values' additivity for the Kernel,
Permutation and Partition explainers."""
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.inspection import permutation_importance as sk_permutation_importance

import galton
from galton import explain, nn


class Wrapped(ClassifierMixin, BaseEstimator):
    """A galton model as a fitted scikit-learn classifier (predict = argmax)."""

    def __init__(self, model=None, shape=None):
        self.model = model
        self.shape = shape

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        x = np.asarray(X, np.float32).reshape((-1,) + self.shape)
        with galton.no_grad():
            return self.model(galton.tensor(x)).numpy().argmax(1)


def tabular():
    """A linear classifier over 6 features of which the last two are ignored (zero weights),
    and labels that are its predictions with 15% flipped."""
    galton.manual_seed(0)
    model = nn.Linear(6, 3)
    with galton.no_grad():
        model.weight[:, 4:] = 0
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6)).astype(np.float32)
    with galton.no_grad():
        y = model(galton.tensor(X)).numpy().argmax(1)
    flip = rng.random(120) < 0.15
    y[flip] = (y[flip] + 1) % 3
    return model, X, y


def test_permutation_importance_equals_sklearn():
    model, X, y = tabular()
    ours = explain.permutation_importance(model, X, y, n_repeats=4, random_state=7)
    est = Wrapped(model, (6,)).fit(X, y)
    theirs = sk_permutation_importance(est, X, y, scoring="accuracy", n_repeats=4,
                                       random_state=7)
    np.testing.assert_allclose(ours["importances"], theirs.importances)
    np.testing.assert_allclose(ours["importances_mean"], theirs.importances_mean)
    np.testing.assert_allclose(ours["importances_std"], theirs.importances_std)
    assert ours["baseline_score"] == pytest.approx(est.score(X, y))
    assert np.all(ours["importances"][:, 4:] == 0) and ours["importances_mean"][:4].min() > 0


def test_permutation_importance_of_a_function_with_a_metric():
    model, X, y = tabular()
    f = explain.model_function(model)
    mse = explain.permutation_importance(f, X, y.astype(np.float32), metric="r2",
                                         n_repeats=2, random_state=0)
    assert mse["importances"].shape == (6, 2)
    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        explain.permutation_importance(model, X, y, metric="auc")
    with pytest.raises(ValueError, match="X has 120 samples and y has 3"):
        explain.permutation_importance(model, X, y[:3])


def test_permutation_importance_of_image_regions():
    """Pixels as patches of 1×1 are sklearn's columns of the flattened images; with 2×2
    patches, a model that reads only the top-left quarter gives the rest zero importance."""
    galton.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    mask = np.zeros((4, 4), np.float32)
    mask[:2, :2] = 1
    with galton.no_grad():
        model[1].weight.mul_(galton.tensor(mask.reshape(1, 16)))
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 1, 4, 4)).astype(np.float32)
    y = rng.integers(0, 3, 80)
    ours = explain.permutation_importance(model, X, y, patch=1, n_repeats=2, random_state=3)
    theirs = sk_permutation_importance(Wrapped(model, (1, 4, 4)).fit(X, y), X.reshape(80, 16),
                                       y, scoring="accuracy", n_repeats=2, random_state=3)
    np.testing.assert_allclose(ours["importances"], theirs.importances)
    quarters = explain.permutation_importance(model, X, y, patch=(2, 2), n_repeats=3,
                                              random_state=0)
    assert quarters["regions"] == [(0, 2, 0, 2), (0, 2, 2, 4), (2, 4, 0, 2), (2, 4, 2, 4)]
    assert quarters["importance_map"].shape == (4, 4)
    assert np.all(quarters["importances"][1:] == 0) and quarters["importances"][0].any()


def _check_additivity(r, tol):
    assert explain.additivity_gap(r) < tol
    total = r.values.reshape(len(r.values), -1).sum(1)
    np.testing.assert_allclose(total + r.base_values, r.outputs, atol=tol)


@pytest.mark.parametrize("kind", ["kernel", "permutation", "partition"])
def test_shap_additivity_on_a_table(kind):
    """Σ values = f(x) − E[f], E[f] the mean probability over the background."""
    model, X, _ = tabular()
    r = explain.shap_values(model, X[:4], X[20:60], kind, max_evals=200)
    assert r.values.shape == (4, 6)
    _check_additivity(r, 1e-6)
    probs = explain.model_function(model, output="probability")(X[20:60])
    np.testing.assert_allclose(r.base_values, probs.mean(0)[r.target], atol=1e-6)
    # the ignored features get nothing
    assert np.abs(r.values[:, 4:]).max() < 1e-6 < np.abs(r.values[:, :4]).max()


def test_shap_partition_on_images(models, images):
    g, _ = models
    r = explain.shap_values(g, images[:2], 0.0, "partition", target=[1, 2], max_evals=200,
                            output="raw")
    assert r.values.shape == (2, 1, 12, 12)
    _check_additivity(r, 1e-4)
    with galton.no_grad():
        f0 = g(galton.zeros(1, 1, 12, 12)).numpy()[0]
    np.testing.assert_allclose(r.base_values, f0[[1, 2]], atol=1e-5)


def test_shap_errors(models, images):
    g, _ = models
    with pytest.raises(ValueError, match="unknown SHAP explainer 'deep'"):
        explain.shap_values(g, images, images, "deep")
    with pytest.raises(ValueError, match="background must be samples"):
        explain.shap_values(g, images, images[:, :, :5], "kernel")
