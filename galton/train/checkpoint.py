"""The full training state in one safe file: model, optimizer, scheduler, epoch, RNG, history."""
import os

from .. import random as grandom


def training_state(trainer):
    """Everything a trainer needs to continue exactly where it is, as a saveable dict."""
    state = {
        "format": "galton-training-state/1",
        "epoch": trainer.epoch,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict() if trainer.optimizer is not None else None,
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "rng": grandom.get_rng_state(),
        "history": trainer.history,
        "callbacks": _callback_states(trainer.callbacks),
        "metadata": trainer.metadata,
    }
    return state


def _callback_keys(callbacks):
    # by class name, so a resumed run with other callbacks still finds each one's state
    keys, seen = [], {}
    for cb in callbacks:
        name = type(cb).__name__
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return keys


def _callback_states(callbacks):
    return {k: cb.state_dict() for k, cb in zip(_callback_keys(callbacks), callbacks)}


def save_training_state(trainer, path):
    """Write ``training_state(trainer)`` to ``path`` (safetensors, atomically)."""
    from ..serialization import save
    save(training_state(trainer), path)


# what every training checkpoint holds (training_state writes them all)
_KEYS = ("model", "optimizer", "scheduler", "rng", "epoch", "history")


def load_training_state(trainer, path):
    """Restore a trainer from ``path`` so that fit() continues where the run stopped."""
    from ..serialization import load
    path = os.fspath(path)
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != "galton-training-state/1":
        raise ValueError(f"{path} is not a galton training checkpoint (it has no training state; "
                         "a bare state_dict loads with model.load_state_dict(galton.load(path)))")
    missing = [k for k in _KEYS if k not in state]
    if missing:
        raise ValueError(f"{path} is an incomplete training checkpoint (no "
                         f"{', '.join(repr(k) for k in missing)})")
    try:
        trainer.model.load_state_dict(state["model"])
        if trainer.optimizer is not None and state["optimizer"] is not None:
            trainer.optimizer.load_state_dict(state["optimizer"])
        if trainer.scheduler is not None and state["scheduler"] is not None:
            trainer.scheduler.load_state_dict(state["scheduler"])
        grandom.set_rng_state(state["rng"])
        trainer.epoch = int(state["epoch"])
        trainer.history = list(state["history"])
    except (RuntimeError, ValueError, TypeError, KeyError, IndexError) as exc:
        # a shape mismatch or a malformed entry: say which checkpoint does not fit
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise ValueError(f"the training checkpoint {path} does not fit this run: "
                         f"{type(exc).__name__}: {text}") from None
    saved = state.get("callbacks") or {}
    for key, cb in zip(_callback_keys(trainer.callbacks), trainer.callbacks):
        if key in saved:
            cb.load_state_dict(saved[key])
    return state
