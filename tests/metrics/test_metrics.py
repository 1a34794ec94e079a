import numpy as np
import pytest
from sklearn import metrics as skm

import galton
from galton import metrics


@pytest.fixture
def multiclass():
    rng = np.random.default_rng(1)
    t = rng.integers(0, 4, 200)
    p = np.where(rng.random(200) < 0.6, t, rng.integers(0, 4, 200))
    scores = rng.random((200, 4)) + np.eye(4)[t] * rng.random((200, 1))
    return t, p, scores


def test_accuracy_confusion(multiclass):
    t, p, scores = multiclass
    assert metrics.accuracy(t, p) == pytest.approx(skm.accuracy_score(t, p))
    assert metrics.accuracy(galton.tensor(t), galton.tensor(scores)) == pytest.approx(
        skm.accuracy_score(t, scores.argmax(1)))
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p), skm.confusion_matrix(t, p))
    assert metrics.top_k_accuracy(t, scores, k=2) == pytest.approx(
        skm.top_k_accuracy_score(t, scores, k=2))


@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
def test_precision_recall_f1(multiclass, average):
    t, p, _ = multiclass
    ours = metrics.precision_recall_f1(t, p, average=average)
    ref = skm.precision_recall_fscore_support(t, p, average=average, zero_division=0)[:3]
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b)


def test_binary_and_zero_division():
    t = np.array([0, 0, 1, 1, 1])
    p = np.array([0, 1, 1, 1, 0])
    ours = metrics.precision_recall_f1(t, p, average="binary")
    ref = skm.precision_recall_fscore_support(t, p, average="binary")[:3]
    np.testing.assert_allclose(ours, ref)
    # class 2 never predicted: precision 0 for it, as sklearn with zero_division=0
    t2, p2 = np.array([0, 1, 2]), np.array([0, 1, 1])
    np.testing.assert_allclose(metrics.precision(t2, p2, average=None),
                               skm.precision_score(t2, p2, average=None, zero_division=0))


def test_balanced_accuracy_mcc(multiclass):
    t, p, _ = multiclass
    assert metrics.balanced_accuracy(t, p) == pytest.approx(skm.balanced_accuracy_score(t, p))
    assert metrics.matthews_corrcoef(t, p) == pytest.approx(skm.matthews_corrcoef(t, p))
    assert metrics.matthews_corrcoef([0, 1, 0, 1], [1, 0, 1, 0]) == pytest.approx(-1.0)


def test_roc_auc():
    rng = np.random.default_rng(2)
    t = rng.integers(0, 2, 300)
    s = rng.random(300) + 0.5 * t
    s[:20] = 0.5  # ties
    fpr, tpr, thr = metrics.roc_curve(t, s)
    rfpr, rtpr, rthr = skm.roc_curve(t, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, rfpr)
    np.testing.assert_allclose(tpr, rtpr)
    np.testing.assert_allclose(thr[1:], rthr[1:])
    assert metrics.roc_auc(t, s) == pytest.approx(skm.roc_auc_score(t, s))


def test_roc_auc_ovr(multiclass):
    t, _, scores = multiclass
    probs = scores / scores.sum(1, keepdims=True)
    assert metrics.roc_auc(t, probs) == pytest.approx(skm.roc_auc_score(t, probs, multi_class="ovr"))
    assert metrics.roc_auc(t, probs, average="weighted") == pytest.approx(
        skm.roc_auc_score(t, probs, multi_class="ovr", average="weighted"))


def test_regression():
    rng = np.random.default_rng(3)
    t = rng.standard_normal(50)
    p = t + 0.3 * rng.standard_normal(50)
    assert metrics.mae(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert metrics.mse(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert metrics.rmse(t, p) == pytest.approx(np.sqrt(skm.mean_squared_error(t, p)))
    assert metrics.r2_score(t, p) == pytest.approx(skm.r2_score(t, p))
    t2, p2 = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    assert metrics.r2_score(t2, p2) == pytest.approx(skm.r2_score(t2, p2))


def test_bad_input():
    with pytest.raises(ValueError, match="different lengths"):
        metrics.accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="both positive and negative"):
        metrics.roc_curve([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="average must be"):
        metrics.f1_score([0, 1], [0, 1], average="bogus")


def test_report_lists_classes(multiclass):
    t, p, _ = multiclass
    text = metrics.classification_report(t, p, class_names=["a", "b", "c", "d"])
    assert "macro avg" in text and "\n           d" in text
