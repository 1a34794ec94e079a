"""``galton.plot``: the pictures of training and evaluation (matplotlib, Agg backend).

Each function draws one picture and, given ``path``, writes it (atomically) and returns the
path; without ``path`` it returns the matplotlib Figure.
"""
from .evaluation import confusion_matrix, decision_surface, roc_curve
from .explain import (attention_heatmap, attribution_map, feature_maps, first_filters, heatmap,
                      inputs_grid, methods_grid)
from .images import filters, image_grid, prediction_grid
from .optim import optimizer_paths
from .training import lr_schedule, training_curves

__all__ = ["confusion_matrix", "decision_surface", "roc_curve", "filters", "image_grid",
           "prediction_grid", "optimizer_paths", "lr_schedule", "training_curves",
           "heatmap", "attribution_map", "methods_grid", "inputs_grid", "feature_maps",
           "first_filters", "attention_heatmap"]
