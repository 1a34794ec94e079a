"""Saliency, gradient × input, SmoothGrad, Integrated Gradients and guided backpropagation
against Captum on a twin PyTorch model with the same weights."""
import numpy as np
import pytest
import torch
from captum.attr import GuidedBackprop, InputXGradient, IntegratedGradients, Saliency

import galton
from galton import explain

TOL = dict(rtol=1e-4, atol=1e-5)


def T(a):
    return torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("target", [2, [0, 4, 1]])
def test_saliency_equals_captum(models, images, target):
    g, t = models
    ours = explain.saliency(g, images, target=target)
    theirs = Saliency(t).attribute(T(images), target=target)
    assert isinstance(ours, galton.Tensor) and ours.shape == images.shape
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)
    signed = explain.saliency(g, images, target=target, abs=False)
    theirs = Saliency(t).attribute(T(images), target=target, abs=False)
    np.testing.assert_allclose(signed.numpy(), theirs.detach().numpy(), **TOL)
    assert (signed.numpy() < 0).any()


def test_default_target_is_the_predicted_class(models, images):
    g, t = models
    predicted = t(torch.tensor(images)).argmax(1)
    ours = explain.saliency(g, galton.tensor(images))
    theirs = Saliency(t).attribute(T(images), target=predicted)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)


def test_parameters_grad_untouched(models, images):
    g, _ = models
    explain.saliency(g, images, target=1)
    explain.grad_cam(g, images, "conv2", target=1)
    assert all(p.grad is None for p in g.parameters())


def test_input_x_gradient_equals_captum(models, images):
    g, t = models
    ours = explain.input_x_gradient(g, images, target=3)
    theirs = InputXGradient(t).attribute(T(images), target=3)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid", "riemann_left",
                                    "riemann_middle", "riemann_right"])
def test_integrated_gradients_equals_captum(models, images, method):
    g, t = models
    base = np.full_like(images, -0.5)
    ours, delta = explain.integrated_gradients(g, images, target=[1, 2, 3], baselines=base,
                                               n_steps=20, method=method,
                                               return_convergence_delta=True)
    theirs, tdelta = IntegratedGradients(t).attribute(
        T(images), baselines=torch.tensor(base), target=[1, 2, 3], n_steps=20, method=method,
        return_convergence_delta=True)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)
    np.testing.assert_allclose(delta.numpy(), tdelta.detach().numpy(), rtol=1e-3, atol=1e-4)


def test_integrated_gradients_completeness(models, images):
    """Σ attributions = f(x) − f(x') up to the returned delta; the stated tolerance: 50
    Gauss-Legendre steps leave |delta| < 1e-3 (logit units) on this ReLU CNN, and a linear
    model is integrated exactly. internal_batch_size gives the same result."""
    g, t = models
    attr, delta = explain.integrated_gradients(g, images, target=0,
                                               return_convergence_delta=True)
    with torch.no_grad():
        out = t(torch.tensor(images))[:, 0] - t(torch.zeros_like(torch.tensor(images)))[:, 0]
    total = attr.numpy().reshape(3, -1).sum(1)
    np.testing.assert_allclose(total - out.numpy(), delta.numpy(), atol=1e-5)
    assert np.all(np.abs(delta.numpy()) < 1e-3)
    chunked = explain.integrated_gradients(g, images, target=0, internal_batch_size=7)
    np.testing.assert_allclose(chunked.numpy(), attr.numpy(), rtol=1e-5, atol=1e-6)
    linear = galton.nn.Sequential(galton.nn.Flatten(), galton.nn.Linear(144, 4))
    _, d = explain.integrated_gradients(linear, images, target=2, n_steps=3,
                                        return_convergence_delta=True)
    assert np.all(np.abs(d.numpy()) < 1e-5)


def test_ig_steps_are_captums():
    from captum.attr._utils.approximation_methods import approximation_parameters
    for method in ["gausslegendre", "riemann_trapezoid", "riemann_left"]:
        steps, alphas = approximation_parameters(method)
        a, w = explain.ig_steps(9, method)
        np.testing.assert_allclose(a, alphas(9), atol=1e-7)
        np.testing.assert_allclose(w, steps(9), atol=1e-12)
    with pytest.raises(ValueError, match="unknown integration method"):
        explain.ig_steps(9, "simpson")


def test_smoothgrad_is_mean_saliency_over_noise(models, images):
    """SmoothGrad = the mean of Captum's saliency over the same noisy copies."""
    g, t = models
    ours = explain.smoothgrad(g, images, target=4, n_samples=6, stdev=0.3, seed=5)
    noise = np.random.default_rng(5).standard_normal((6,) + images.shape).astype(np.float32)
    sal = Saliency(t)
    theirs = np.mean([sal.attribute(T(images + 0.3 * e), target=4).detach().numpy()
                      for e in noise], axis=0)
    np.testing.assert_allclose(ours.numpy(), theirs, **TOL)
    # and it is smoother than one gradient: neighbouring pixels differ less
    one = explain.saliency(g, images, target=4).numpy()
    rough = lambda a: np.abs(np.diff(a, axis=-1)).mean() / a.mean()  # noqa: E731
    many = explain.smoothgrad(g, images, target=4, n_samples=50, seed=1).numpy()
    assert rough(many) < rough(one)


def test_guided_backprop_equals_captum(models, images):
    g, t = models
    ours = explain.guided_backprop(g, images, target=2)
    theirs = GuidedBackprop(t).attribute(T(images), target=2)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)
    # the hooks are gone afterwards: plain saliency is unchanged
    np.testing.assert_allclose(explain.saliency(g, images, target=2, abs=False).numpy(),
                               Saliency(t).attribute(T(images), target=2, abs=False).numpy(),
                               **TOL)


def test_guided_backprop_needs_relu_modules():
    from galton.vision.models import mnist_cnn
    with pytest.raises(ValueError, match="has none"):
        explain.guided_backprop(mnist_cnn(), np.zeros((1, 1, 28, 28), np.float32))


def test_bad_targets(models, images):
    g, _ = models
    with pytest.raises(ValueError, match="target class 5 is out of range: the model has 5"):
        explain.saliency(g, images, target=5)
    with pytest.raises(ValueError, match="target has 2 entries for a batch of 3"):
        explain.saliency(g, images, target=[1, 2])
    with pytest.raises(ValueError, match="batch"):
        explain.saliency(g, images[0, 0, 0], target=1)


def test_sanity_check_randomised_weights_change_the_maps(models, images):
    """Adebayo et al. 2018: a method whose map survives randomising the weights explains the
    image, not the model. Re-initialising the model (cascading from the top layer) must
    change saliency, IG and Grad-CAM maps (rank correlation well below 1)."""
    g, _ = models
    before = {"saliency": explain.saliency(g, images, target=1).numpy(),
              "ig": explain.integrated_gradients(g, images, target=1).numpy(),
              "gradcam": explain.grad_cam(g, images, "conv2", target=1).numpy()}
    galton.manual_seed(99)
    for name in ["fc", "conv2", "conv1"]:
        g.get_submodule(name).reset_parameters()
    after = {"saliency": explain.saliency(g, images, target=1).numpy(),
             "ig": explain.integrated_gradients(g, images, target=1).numpy(),
             "gradcam": explain.grad_cam(g, images, "conv2", target=1).numpy()}

    def rank_corr(a, b):
        ra, rb = np.argsort(np.argsort(a.ravel())), np.argsort(np.argsort(b.ravel()))
        return np.corrcoef(ra, rb)[0, 1]
    for k in before:
        assert rank_corr(before[k], after[k]) < 0.6, k
