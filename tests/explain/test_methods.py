"""``attribute``: every method by its command-line name, with black as the baseline."""
import numpy as np
import pytest

from galton import explain


def test_black_baseline_is_black_in_normalised_units():
    b = explain.black_baseline((1, 2, 2), mean=[0.5], std=[0.5])
    np.testing.assert_array_equal(b, -np.ones((1, 2, 2)))
    np.testing.assert_array_equal(explain.black_baseline((3, 1, 1)), 0)


# "shap" is drawn by tests/cli/test_explain_cli.py (shap compiles its Partition explainer
# with Numba on first use, tens of seconds once per process)
@pytest.mark.parametrize("method", [m for m in explain.METHODS if m != "shap"])
def test_every_method_by_name(models, images, method):
    g, _ = models
    attr, extra = explain.attribute(g, images[:2], method, target=[1, 2], mean=[0.5], std=[0.5])
    want = (2, 1, 12, 12)
    assert attr.shape == want and np.isfinite(attr.numpy()).all()
    assert np.abs(attr.numpy()).max() > 0
    if method == "ig":
        ig, delta = explain.integrated_gradients(g, images[:2], [1, 2], baselines=-1.0,
                                                 return_convergence_delta=True)
        np.testing.assert_allclose(attr.numpy(), ig.numpy())
        np.testing.assert_allclose(extra["delta"], delta.numpy(), rtol=1e-6)
    if method == "gradcam":
        np.testing.assert_array_equal(attr.numpy(), explain.grad_cam(g, images[:2], "conv2",
                                                                    [1, 2]).numpy())


def test_attribute_errors(models, images):
    g, _ = models
    with pytest.raises(ValueError, match="unknown method 'lime'"):
        explain.attribute(g, images, "lime")
    with pytest.raises(ValueError, match="needs images"):
        explain.attribute(g, images.reshape(3, 144), "saliency")
