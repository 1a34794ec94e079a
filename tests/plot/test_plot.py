import numpy as np
import pytest
from PIL import Image

import galton
from galton import plot


def _size(path):
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        return im.size


def test_training_curves(tmp_path):
    hist = [{"epoch": 1, "loss": 1.0, "val_loss": 1.1, "accuracy": 0.5, "val_accuracy": 0.45},
            {"epoch": 2, "loss": 0.5, "val_loss": 0.7, "accuracy": 0.8, "val_accuracy": 0.7}]
    p = plot.training_curves(hist, tmp_path / "curves.png")
    w, h = _size(p)
    assert w > h > 100
    with pytest.raises(ValueError, match="empty"):
        plot.training_curves([], tmp_path / "x.png")


def test_prediction_grid_and_confusion(tmp_path):
    imgs = np.random.default_rng(0).random((10, 1, 28, 28)).astype(np.float32)
    p = plot.prediction_grid(galton.from_numpy(imgs), [1] * 10, [1] * 5 + [2] * 5, path=
                             tmp_path / "grid.png", cols=5)
    assert _size(p)[0] > 200
    cm = np.array([[5, 1], [2, 7]])
    assert _size(plot.confusion_matrix(cm, ["a", "b"], tmp_path / "cm.png"))[0] > 100


def test_roc_and_filters(tmp_path):
    t = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.1, 0.8, 0.3, 0.6, 0.9, 0.4])
    assert _size(plot.roc_curve(t, s, tmp_path / "roc.png"))[0] > 100
    w = np.random.default_rng(0).standard_normal((8, 1, 3, 3))
    assert _size(plot.filters(w, tmp_path / "f.png"))[0] > 100
    with pytest.raises(ValueError, match="conv weight"):
        plot.filters(np.zeros((3, 3)))


def test_decision_surface_calls_model(tmp_path):
    calls = []

    def model(x):
        calls.append(tuple(x.shape))
        return (x[:, :1] - x[:, 1:]).abs()
    p = plot.decision_surface(model, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0],
                              tmp_path / "xor.png", resolution=50)
    assert calls == [(2500, 2)] and _size(p)[0] > 100


def test_no_half_written_file_on_error(tmp_path, monkeypatch):
    import matplotlib.figure
    def boom(self, *a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", boom)
    with pytest.raises(OSError):
        plot.confusion_matrix(np.eye(2), path=tmp_path / "cm.png")
    assert list(tmp_path.iterdir()) == []
