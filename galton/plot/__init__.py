"""``galton.plot``: the pictures of training and evaluation (matplotlib, Agg backend).

Each function draws one picture and, given ``path``, writes it (atomically) and returns the
path; without ``path`` it returns the matplotlib Figure.
"""
from .evaluation import confusion_matrix, decision_surface, roc_curve
from .images import filters, image_grid, prediction_grid
from .optim import optimizer_paths
from .training import lr_schedule, training_curves

__all__ = ["confusion_matrix", "decision_surface", "roc_curve", "filters", "image_grid",
           "prediction_grid", "optimizer_paths", "lr_schedule", "training_curves"]
