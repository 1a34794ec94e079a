"""Regression metrics: MAE, MSE, RMSE and R²."""
import numpy as np

from ._inputs import as_array


def _pair(y_true, y_pred):
    t = as_array(y_true, "y_true").astype(np.float64)
    p = as_array(y_pred, "y_pred").astype(np.float64)
    if t.shape != p.shape:
        if t.size == p.size:
            p = p.reshape(t.shape)
        else:
            raise ValueError(f"y_true and y_pred have different shapes: {t.shape} and {p.shape}")
    return t, p


def mean_absolute_error(y_true, y_pred):
    t, p = _pair(y_true, y_pred)
    return float(np.abs(t - p).mean())


def mean_squared_error(y_true, y_pred):
    t, p = _pair(y_true, y_pred)
    return float(((t - p) ** 2).mean())


def root_mean_squared_error(y_true, y_pred):
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def r2_score(y_true, y_pred):
    """1 - SS_res / SS_tot, averaged uniformly over output columns like sklearn."""
    t, p = _pair(y_true, y_pred)
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    ss_res = ((t - p) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    score = np.where(ss_tot != 0, 1 - ss_res / np.where(ss_tot != 0, ss_tot, 1),
                     np.where(ss_res == 0, 1.0, 0.0))
    return float(score.mean())


mae, mse, rmse, r2 = mean_absolute_error, mean_squared_error, root_mean_squared_error, r2_score
