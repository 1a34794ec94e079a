"""The full training state in one safe file: model, optimizer, scheduler, epoch, position in
the epoch, RNG (every rank's, in a distributed run), history.

In a distributed run every rank calls ``save_training_state`` (the RNG states are gathered),
and rank 0 alone writes the file, atomically (``galton.save`` writes a temporary file and
renames it), so a crash never leaves half a checkpoint."""
import os

from .. import random as grandom
from . import distributed as _dist


def _module(model):
    return model.module if type(model).__name__ == "DistributedDataParallel" else model


def training_state(trainer, collective=True):
    """Everything a trainer needs to continue exactly where it is, as a saveable dict.
    ``collective``: gather every rank's RNG state (all ranks must call it together)."""
    rng = grandom.get_rng_state()
    state = {
        "format": "galton-training-state/1",
        "epoch": trainer.epoch,
        "model": _module(trainer.model).state_dict(),
        "optimizer": trainer.optimizer.state_dict() if trainer.optimizer is not None else None,
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "rng": rng,
        "rng_ranks": _dist.all_rng_states(rng) if collective else None,
        "world_size": _dist.world_size(),
        "global_step": getattr(trainer, "global_step", 0),
        "position": dict(getattr(trainer, "position", None) or {}) or None,
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


def save_training_state(trainer, path, collective=True):
    """Write ``training_state(trainer)`` to ``path`` (safetensors, atomically; in a distributed
    run every rank calls it and rank 0 writes)."""
    from ..serialization import save
    state = training_state(trainer, collective)
    if _dist.is_main():
        save(state, path)


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
        _module(trainer.model).load_state_dict(state["model"])
        if trainer.optimizer is not None and state["optimizer"] is not None:
            trainer.optimizer.load_state_dict(state["optimizer"])
        if trainer.scheduler is not None and state["scheduler"] is not None:
            trainer.scheduler.load_state_dict(state["scheduler"])
        ranks = state.get("rng_ranks") or []
        me = _dist.rank()
        # each rank continues its own random stream when the world is the one that saved it
        grandom.set_rng_state(ranks[me] if len(ranks) == _dist.world_size() else state["rng"])
        trainer.epoch = int(state["epoch"])
        trainer.global_step = int(state.get("global_step") or 0)
        _resume_position(trainer, state.get("position"))
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


def _resume_position(trainer, pos):
    """A checkpoint saved inside an epoch: the trainer continues from its next batch."""
    from .trainer import _fresh_position
    trainer.position = _fresh_position()
    if not pos or not int(pos.get("step") or 0):
        return
    fresh = trainer.position
    for key in fresh:
        if key in pos:
            fresh[key] = pos[key]
    fresh["step"] = int(fresh["step"])
    fresh["correct"] = int(fresh["correct"])
    fresh["seen"] = int(fresh["seen"])
    fresh["loss"] = float(fresh["loss"])
