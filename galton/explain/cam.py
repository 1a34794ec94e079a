"""Class activation maps of a convolutional layer chosen by name: Grad-CAM (Selvaraju et al.
2017) and Grad-CAM++ (Chattopadhyay et al. 2018).

A forward hook on the layer keeps its output A (N, K, h, w); the gradient of the target
score with respect to A is taken with ``autograd.grad`` (so no parameter's ``.grad`` is
touched). Grad-CAM weighs each channel by its mean gradient; Grad-CAM++ by the positive
gradients weighted per position, which separates several instances of a class better.
"""
import numpy as np

from ..autograd import grad
from ..tensor import Tensor
from ._common import as_array, logits_2d, selected_score, target_indices

__all__ = ["grad_cam", "grad_cam_plus_plus", "layer_activations", "conv_layers",
           "last_conv_layer"]


def conv_layers(model):
    """Names of the model's convolutional layers (Conv1d/2d/3d), in the order they were added."""
    from ..nn.conv import _ConvNd
    return [name for name, m in model.named_modules() if isinstance(m, _ConvNd) and name]


def last_conv_layer(model):
    """The name of the model's last convolutional layer (the usual choice for Grad-CAM)."""
    names = conv_layers(model)
    if not names:
        raise ValueError(f"{type(model).__name__} has no convolutional layer: Grad-CAM needs "
                         "one (use saliency or integrated_gradients for other models)")
    return names[-1]


def _layer(model, name):
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n]
        raise ValueError(f"{type(model).__name__} has no layer named {name!r}; its layers: "
                         f"{', '.join(names)}") from None


def layer_activations(model, inputs, layer, target=None, with_grad=True):
    """(A, dy_c/dA, outputs, target indices) of the layer named ``layer`` for ``inputs``,
    as NumPy arrays (dy_c/dA is None with ``with_grad=False``)."""
    from ..autograd import no_grad
    x = as_array(inputs)
    module = _layer(model, layer)
    seen = []

    def keep(mod, args, out):
        if not isinstance(out, Tensor):
            raise ValueError(f"layer {layer!r} returns {type(out).__name__}, not a tensor")
        seen.append(out)

    handle = module.register_forward_hook(keep)
    try:
        if not with_grad:
            with no_grad():
                out = model(Tensor._wrap(x))
        else:
            out = model(Tensor._wrap(x))
    finally:
        handle.remove()
    if not seen:
        raise ValueError(f"layer {layer!r} was not called by {type(model).__name__}'s forward")
    if len(seen) > 1:
        raise ValueError(f"layer {layer!r} is called {len(seen)} times in one forward pass: "
                         "choose a layer that runs once")
    act = seen[0]
    scores = logits_2d(out._data)
    idx = target_indices(target, scores)
    if not with_grad:
        return act._data, None, scores, idx
    if not act.requires_grad:
        raise ValueError(f"layer {layer!r}'s output does not depend on any parameter that "
                         "requires grad; Grad-CAM needs its gradient")
    (g,) = grad(selected_score(out, idx), [act])
    return act._data, g._data, scores, idx


def _finish(cam, x_shape, relu, upsample):
    if relu:
        cam = np.maximum(cam, 0)
    cam = cam.astype(np.float32)
    if upsample and cam.ndim == 4 and cam.shape[2:] != tuple(x_shape[2:]):
        from ..nn.functional import interpolate
        cam = interpolate(Tensor._wrap(cam), size=tuple(x_shape[2:]), mode="bilinear",
                          align_corners=False)._data
    return Tensor._wrap(np.ascontiguousarray(cam))


def grad_cam(model, inputs, layer=None, target=None, relu=True, upsample=True):
    """Grad-CAM: ReLU(Σ_k w_k A_k) with w_k the mean over positions of ∂y_c/∂A_k.

    layer: the name of a layer in ``model.named_modules()`` ("conv2", "layer4.1.conv2";
    None: the last convolutional layer). Returns (N, 1, H, W): upsampled bilinearly to the
    input's size, or at the layer's size with ``upsample=False``. ``relu=False`` keeps the
    negative evidence. Captum: ``LayerGradCam(model, layer).attribute(x, target,
    relu_attributions=True)``.
    """
    x = as_array(inputs)
    a, g, _, _ = layer_activations(model, x, layer or last_conv_layer(model), target)
    axes = tuple(range(2, g.ndim))
    w = g.mean(axis=axes, keepdims=True)
    return _finish((w * a).sum(axis=1, keepdims=True), x.shape, relu, upsample)


def grad_cam_plus_plus(model, inputs, layer=None, target=None, upsample=True, eps=1e-7):
    """Grad-CAM++: w_k = Σ_ij α_ij^k ReLU(∂y_c/∂A_k,ij) with
    α = g² / (2g² + Σ_ab A_k,ab · g³) (the closed form of the paper for an exponential
    score), then ReLU(Σ_k w_k A_k), upsampled as ``grad_cam``."""
    x = as_array(inputs)
    a, g, _, _ = layer_activations(model, x, layer or last_conv_layer(model), target)
    a64, g64 = a.astype(np.float64), g.astype(np.float64)
    axes = tuple(range(2, g.ndim))
    g2 = g64 * g64
    denom = 2 * g2 + a64.sum(axis=axes, keepdims=True) * g2 * g64
    alpha = np.where(g64 != 0, g2 / (denom + eps), 0.0)
    w = (alpha * np.maximum(g64, 0)).sum(axis=axes, keepdims=True)
    return _finish((w * a64).sum(axis=1, keepdims=True), x.shape, True, upsample)
