"""The start-up checks of a served model: what would make every prediction fail or NaN.

JSON cannot hold NaN, so a model that gives NaN cannot answer at all; these checks refuse it
when the service starts, with one line naming the file, instead of a 500 per request.
"""
import numpy as np

__all__ = ["ModelLoadError", "normalisation", "check_finite_weights", "show"]


class ModelLoadError(ValueError):
    """A run folder or checkpoint that cannot be turned into a predictor (says why)."""


def normalisation(values, what, channels, where):
    """``mean``/``std`` as a list of finite floats, one or ``channels`` of them, or None."""
    if values is None:
        return None
    try:
        out = np.asarray(values, dtype=np.float64).reshape(-1).tolist()
    except (TypeError, ValueError):
        raise ModelLoadError(f"{where}: normalisation {what} must be numbers, got "
                             f"{values!r}") from None
    if len(out) not in (1, channels):
        raise ModelLoadError(f"{where}: normalisation {what} has {len(out)} values for "
                             f"{channels} channel(s)")
    if not all(np.isfinite(out)):
        raise ModelLoadError(f"{where}: normalisation {what} {out} is not finite")
    return out


def check_finite_weights(model, where):
    """Refuse a model whose parameters or buffers hold NaN/inf, naming the first such key."""
    for key, value in model.state_dict().items():
        a = np.asarray(value._data)
        if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
            bad = int(a.size - np.count_nonzero(np.isfinite(a)))
            raise ModelLoadError(f"{where}: the model's {key} holds {bad} NaN/inf value(s) "
                                 f"of {a.size}; refusing to serve it")


def show(probs):
    """The first few probabilities, short, for a message."""
    return ", ".join(f"{p:.3g}" for p in np.asarray(probs).ravel()[:4]) + \
        (", ..." if np.asarray(probs).size > 4 else "")
