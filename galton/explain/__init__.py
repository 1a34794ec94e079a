"""``galton.explain``: why did the model say that? Attributions over the input.

Gradient methods (``gradients.py``): ``saliency``, ``input_x_gradient``, ``smoothgrad``,
``integrated_gradients`` (with Captum's convergence delta), ``guided_backprop``.
Class activation maps of a layer chosen by name (``cam.py``): ``grad_cam``,
``grad_cam_plus_plus``. Perturbation (``occlusion.py``): ``occlusion``. Model-agnostic: ``permutation_importance``
(tables or image patches), ``shap_values`` (the ``shap`` package's Kernel, Permutation and
Partition explainers). Attention: ``attention_maps`` (every MultiheadAttention, per head).

Each takes ``(model, inputs, target=None, ...)``, with ``inputs`` a batch (N, ...) and
``target`` the class to explain (None: the predicted one), and returns a Tensor: the
inputs' shape, or (N, 1, H, W) for the CAMs. ``attribute(model, x, method)`` picks one by
its command-line name (``METHODS``) with defaults for image classifiers. The results equal
Captum's on the same
weights (tests/explain). The pictures are in ``galton.plot`` (``heatmap``,
``methods_grid``...).

>>> from galton import explain
>>> attr, delta = explain.integrated_gradients(model, images, target=7,
...                                            return_convergence_delta=True)
>>> cam = explain.grad_cam(model, images, layer="conv2")
"""
from .attention import attention_maps
from .cam import conv_layers, grad_cam, grad_cam_plus_plus, last_conv_layer, layer_activations
from .gradients import (guided_backprop, ig_steps, input_x_gradient, integrated_gradients,
                        saliency, smoothgrad)
from .methods import METHODS, attribute, black_baseline
from .occlusion import occlusion
from .permutation import METRICS, model_function, permutation_importance
from .shapley import EXPLAINERS, ShapValues, additivity_gap, shap_values

__all__ = ["saliency", "input_x_gradient", "smoothgrad", "integrated_gradients",
           "guided_backprop", "ig_steps", "grad_cam", "grad_cam_plus_plus",
           "layer_activations", "conv_layers", "last_conv_layer", "occlusion",
           "permutation_importance", "model_function", "METRICS", "shap_values", "ShapValues",
           "additivity_gap", "EXPLAINERS", "attention_maps",
           "METHODS", "attribute", "black_baseline"]
