"""``galton.metrics``: the book's evaluation measures, checked against scikit-learn.

>>> from galton import metrics
>>> metrics.accuracy([0, 1, 1], [0, 1, 0])
0.6666666666666666
"""
from .classification import (accuracy, balanced_accuracy, classification_report, confusion_matrix,
                             f1_score, matthews_corrcoef, precision, precision_recall_f1, recall,
                             top_k_accuracy)
from .ranking import auc, roc_auc, roc_curve
from .regression import (mae, mean_absolute_error, mean_squared_error, mse, r2, r2_score, rmse,
                         root_mean_squared_error)

__all__ = ["accuracy", "balanced_accuracy", "classification_report", "confusion_matrix", "f1_score",
           "matthews_corrcoef", "precision", "precision_recall_f1", "recall", "top_k_accuracy",
           "auc", "roc_auc", "roc_curve", "mae", "mean_absolute_error", "mean_squared_error", "mse",
           "r2", "r2_score", "rmse", "root_mean_squared_error"]
