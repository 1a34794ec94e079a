"""Grad-CAM against Captum's LayerGradCam, Grad-CAM++ against a PyTorch computation written
out here, occlusion against Captum's Occlusion."""
import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from captum.attr import LayerGradCam, Occlusion

from galton import explain

TOL = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer", ["conv1", "conv2", "relu2"])
def test_grad_cam_equals_captum(models, images, layer):
    g, t = models
    ours = explain.grad_cam(g, images, layer, target=[0, 1, 2], upsample=False)
    cam = LayerGradCam(t, t.get_submodule(layer)).attribute(
        torch.tensor(images), target=[0, 1, 2], relu_attributions=True)
    np.testing.assert_allclose(ours.numpy(), cam.detach().numpy(), **TOL)
    up = explain.grad_cam(g, images, layer, target=[0, 1, 2])
    assert up.shape == (3, 1, 12, 12)
    want = tF.interpolate(cam, size=(12, 12), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(up.numpy(), want.detach().numpy(), **TOL)
    signed = explain.grad_cam(g, images, layer, target=[0, 1, 2], relu=False, upsample=False)
    cam = LayerGradCam(t, t.get_submodule(layer)).attribute(torch.tensor(images), target=[0, 1, 2])
    np.testing.assert_allclose(signed.numpy(), cam.detach().numpy(), **TOL)


def test_grad_cam_default_layer_is_the_last_conv(models, images):
    g, _ = models
    assert explain.conv_layers(g) == ["conv1", "conv2"]
    np.testing.assert_array_equal(explain.grad_cam(g, images, target=1).numpy(),
                                  explain.grad_cam(g, images, "conv2", target=1).numpy())


def test_grad_cam_errors(models, images):
    g, _ = models
    with pytest.raises(ValueError, match="no layer named 'conv9'; its layers: conv1, relu1"):
        explain.grad_cam(g, images, "conv9")
    from galton import nn
    with pytest.raises(ValueError, match="has no convolutional layer"):
        explain.grad_cam(nn.Sequential(nn.Flatten(), nn.Linear(144, 3)), images)


def test_grad_cam_plus_plus_equals_torch(models, images):
    """The closed form of Chattopadhyay et al. (as pytorch-grad-cam computes it), in torch."""
    g, t = models
    ours = explain.grad_cam_plus_plus(g, images, "conv2", target=[3, 3, 1], upsample=False)
    kept = {}
    h = t.conv2.register_forward_hook(lambda m, i, o: kept.setdefault("a", o))
    out = t(torch.tensor(images))
    h.remove()
    a = kept["a"]
    (grads,) = torch.autograd.grad(out[[0, 1, 2], [3, 3, 1]].sum(), a)
    a, grads = a.double(), grads.double()
    g2, g3 = grads ** 2, grads ** 3
    alpha = g2 / (2 * g2 + a.sum(dim=(2, 3), keepdim=True) * g3 + 1e-7)
    alpha = torch.where(grads != 0, alpha, torch.zeros_like(alpha))
    w = (alpha * torch.relu(grads)).sum(dim=(2, 3), keepdim=True)
    want = torch.relu((w * a).sum(1, keepdim=True))
    np.testing.assert_allclose(ours.numpy(), want.detach().numpy(), **TOL)
    assert ours.numpy().max() > 0


@pytest.mark.parametrize("window,stride", [((1, 3, 3), 1), ((1, 4, 4), (1, 2, 2)),
                                           ((1, 5, 3), (1, 3, 2))])
def test_occlusion_equals_captum(models, images, window, stride):
    g, t = models
    ours = explain.occlusion(g, images, target=[4, 0, 2], window=window, stride=stride,
                             baseline=0.25, batch_size=40)
    theirs = Occlusion(t).attribute(torch.tensor(images), target=[4, 0, 2],
                                    sliding_window_shapes=window, strides=stride,
                                    baselines=0.25)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL)


def test_occlusion_window_over_all_channels(models, images):
    g, _ = models
    a = explain.occlusion(g, images, target=1, window=(3, 3), stride=3)
    b = explain.occlusion(g, images, target=1, window=(1, 3, 3), stride=(1, 3, 3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="must fit"):
        explain.occlusion(g, images, window=(1, 13, 3))
