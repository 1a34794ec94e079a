"""One entry point for the command line and the service: ``attribute(model, x, method)``,
with defaults that suit an image classifier (window sizes, baselines, SHAP's budget)."""
import numpy as np

from ..tensor import Tensor
from ._common import as_array

__all__ = ["METHODS", "attribute", "black_baseline"]

# name on the command line -> what it is
METHODS = {
    "saliency": "|gradient| of the class score (Simonyan et al. 2013)",
    "input_x_gradient": "input × gradient",
    "smoothgrad": "saliency averaged over noisy copies (Smilkov et al. 2017)",
    "ig": "Integrated Gradients from a black image (Sundararajan et al. 2017)",
    "guided": "guided backpropagation (nn.ReLU modules only)",
    "gradcam": "Grad-CAM of the last convolutional layer (Selvaraju et al. 2017)",
    "gradcam++": "Grad-CAM++ of the last convolutional layer",
    "occlusion": "score drop when a sliding square is blacked out",
    "shap": "SHAP values of image regions (shap's Partition explainer)",
}


def black_baseline(shape, mean=None, std=None):
    """A black image (C, H, W) in the model's normalised units: (0 − mean) / std."""
    c = shape[0]
    m = np.zeros(c) if mean is None else np.broadcast_to(np.asarray(mean, np.float64), (c,))
    s = np.ones(c) if std is None else np.broadcast_to(np.asarray(std, np.float64), (c,))
    return np.broadcast_to(((0 - m) / s).reshape(c, 1, 1), shape).astype(np.float32)


def attribute(model, inputs, method, target=None, layer=None, mean=None, std=None):
    """Attributions of images (N, C, H, W) by ``method`` (a key of ``METHODS``) for
    ``target`` (None: the predicted class): a Tensor (N, C, H, W), or (N, 1, H, W) for the
    CAMs, and a dict of extras (``delta`` for "ig"). mean/std: the model's input
    normalisation, so that "black" (the baseline of ig, occlusion and shap) is black."""
    from . import (grad_cam, grad_cam_plus_plus, guided_backprop, input_x_gradient,
                   integrated_gradients, occlusion, saliency, shap_values, smoothgrad)
    x = as_array(inputs)
    if x.ndim != 4:
        raise ValueError(f"explaining needs images (N, C, H, W), got inputs of shape {x.shape}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    black = black_baseline(x.shape[1:], mean, std)
    if method == "saliency":
        return saliency(model, x, target), {}
    if method == "input_x_gradient":
        return input_x_gradient(model, x, target), {}
    if method == "smoothgrad":
        return smoothgrad(model, x, target), {}
    if method == "guided":
        return guided_backprop(model, x, target), {}
    if method == "ig":
        attr, delta = integrated_gradients(model, x, target, baselines=black,
                                           return_convergence_delta=True)
        return attr, {"delta": delta.numpy().tolist()}
    if method == "gradcam":
        return grad_cam(model, x, layer, target), {}
    if method == "gradcam++":
        return grad_cam_plus_plus(model, x, layer, target), {}
    if method == "occlusion":
        side = max(2, min(x.shape[2:]) // 7)
        return occlusion(model, x, target, window=(side, side), stride=max(1, side // 2),
                         baseline=black), {}
    r = shap_values(model, x, black, "partition", target=target, output="probability",
                    max_evals=300)
    return Tensor._wrap(r.values.astype(np.float32)), {"base_values": r.base_values.tolist()}
