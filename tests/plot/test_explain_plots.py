"""The pictures of galton.explain: heat maps, grids, feature maps, filters, attention."""
import numpy as np
import pytest
from PIL import Image

import galton
from galton import nn, plot


def _size(path):
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        return im.size


def _cnn():
    galton.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 26 * 26, 3))


def test_attribution_map_scaling():
    a = np.zeros((1, 4, 4))
    a[0, 0, 0], a[0, 1, 1] = -2.0, 1.0
    assert plot.attribution_map(a, percentile=100).max() == 1.0
    np.testing.assert_allclose(plot.attribution_map(a, "positive", 100)[1, 1], 1.0)
    assert plot.attribution_map(a, "positive", 100)[0, 0] == 0
    assert plot.attribution_map(a, "all", 100)[0, 0] == -1
    assert plot.attribution_map(np.zeros((3, 3))).max() == 0
    with pytest.raises(ValueError, match="sign must be"):
        plot.attribution_map(a, "negative")


def test_heatmap_and_grids(tmp_path):
    rng = np.random.default_rng(0)
    img, attr = rng.random((1, 28, 28)), rng.standard_normal((1, 28, 28))
    assert _size(plot.heatmap(img, attr, tmp_path / "h.png", title="7"))[0] > 150
    assert _size(plot.heatmap(img, attr, tmp_path / "s.png", sign="all"))[0] > 150
    p = plot.methods_grid(galton.tensor(img), {"saliency": attr, "ig": attr * 2},
                          tmp_path / "m.png", mean=[0.5], std=[0.5])
    w, h = _size(p)
    assert w > 2 * h
    p = plot.inputs_grid(rng.random((5, 1, 28, 28)), rng.random((5, 1, 28, 28)),
                         tmp_path / "i.png", titles=list("abcde"), cols=3)
    assert _size(p)[1] > 200
    with pytest.raises(ValueError, match="does not match the image"):
        plot.heatmap(img, attr[:, :10], tmp_path / "bad.png")
    with pytest.raises(ValueError, match="5 images but 2 attributions"):
        plot.inputs_grid(rng.random((5, 1, 8, 8)), rng.random((2, 1, 8, 8)))


def test_feature_maps_and_filters(tmp_path):
    model = _cnn()
    x = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    assert _size(plot.feature_maps(model, x, "1", tmp_path / "fm.png", cols=3))[0] > 150
    assert _size(plot.first_filters(model, tmp_path / "f.png"))[0] > 100
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        plot.feature_maps(model, x, "conv9")
    with pytest.raises(ValueError, match="no .N, C, H, W. feature maps"):
        plot.feature_maps(model, x, "3")
    with pytest.raises(ValueError, match="no 2-D convolutional layer"):
        plot.first_filters(nn.Linear(2, 2))


def test_attention_heatmap(tmp_path):
    w = np.random.default_rng(0).random((2, 4, 4))
    w /= w.sum(-1, keepdims=True)
    p = plot.attention_heatmap(w, ["the", "cat", "sat", "."], path=tmp_path / "a.png")
    assert _size(p)[0] > 150
    with pytest.raises(ValueError, match="take one input of a batch"):
        plot.attention_heatmap(np.zeros((1, 2, 4, 4)))
