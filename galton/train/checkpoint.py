"""The full training state in one safe file: model, optimizer, scheduler, epoch, RNG, history."""
import os

from .. import random as grandom


def training_state(trainer):
    state = {
        "format": "galton-training-state/1",
        "epoch": trainer.epoch,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict() if trainer.optimizer is not None else None,
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "rng": grandom.get_rng_state(),
        "history": trainer.history,
        "callbacks": [cb.state_dict() for cb in trainer.callbacks],
        "metadata": trainer.metadata,
    }
    return state


def save_training_state(trainer, path):
    from ..serialization import save
    save(training_state(trainer), path)


def load_training_state(trainer, path):
    """Restore a trainer from ``path`` so that fit() continues where the run stopped."""
    from ..serialization import load
    path = os.fspath(path)
    state = load(path)
    if not isinstance(state, dict) or state.get("format") != "galton-training-state/1":
        raise ValueError(f"{path} is not a galton training checkpoint (it has no training state; "
                         "a bare state_dict loads with model.load_state_dict(galton.load(path)))")
    trainer.model.load_state_dict(state["model"])
    if trainer.optimizer is not None and state["optimizer"] is not None:
        trainer.optimizer.load_state_dict(state["optimizer"])
    if trainer.scheduler is not None and state["scheduler"] is not None:
        trainer.scheduler.load_state_dict(state["scheduler"])
    grandom.set_rng_state(state["rng"])
    trainer.epoch = int(state["epoch"])
    trainer.history = list(state["history"])
    for cb, cb_state in zip(trainer.callbacks, state.get("callbacks") or []):
        cb.load_state_dict(cb_state)
    return state
