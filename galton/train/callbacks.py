"""Callbacks: hooks into the fit loop (early stopping, checkpoints, CSV log, TensorBoard, LR
scheduling).

A callback may define any of ``on_fit_start(trainer)``, ``on_epoch_start(trainer)``,
``on_batch_end(trainer, batch_index, loss)``, ``on_epoch_end(trainer, logs)`` and
``on_fit_end(trainer)``; setting ``trainer.stop_training = True`` ends training after the epoch.
A callback's ``state_dict()`` goes into training checkpoints, so a resumed run continues it.
"""
import csv
import math
import os

import numpy as np

from ..tensor import Tensor
from .checkpoint import save_training_state


class Callback:
    """The base of callbacks: every hook does nothing until a subclass defines it."""

    def on_fit_start(self, trainer):
        pass

    def on_epoch_start(self, trainer):
        pass

    def on_batch_end(self, trainer, batch_index, loss):
        pass

    def on_epoch_end(self, trainer, logs):
        pass

    def on_fit_end(self, trainer):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def _improved(mode, value, best, min_delta):
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _mode_for(monitor, mode):
    if mode == "auto":
        return "min" if "loss" in monitor or "error" in monitor else "max"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
    return mode


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs;
    with ``restore_best_weights`` the model ends with the weights of its best epoch."""

    def __init__(self, monitor="val_loss", patience=3, min_delta=0.0, mode="auto",
                 restore_best_weights=True):
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = _mode_for(monitor, mode)
        self.restore = restore_best_weights
        self.best, self.best_epoch, self.wait = None, None, 0
        self._best_weights = None
        self.stopped_epoch = None

    def on_epoch_end(self, trainer, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors '{self.monitor}' but the epoch logs have only "
                           f"{sorted(logs)} (validation metrics need a validation loader)")
        value = logs[self.monitor]
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, logs["epoch"], 0
            if self.restore:
                self._best_weights = {k: v._data.copy() for k, v in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = logs["epoch"]
                trainer.stop_training = True

    def on_fit_end(self, trainer):
        if self.restore and self._best_weights is not None and self.stopped_epoch is not None:
            trainer.model.load_state_dict(self._best_weights)

    def state_dict(self):
        # the best weights travel too: a resumed run can still restore them at the end
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "best_weights": self._best_weights}

    def load_state_dict(self, state):
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
        weights = state.get("best_weights")
        if weights is not None:
            self._best_weights = {k: np.array(v._data if isinstance(v, Tensor) else v)
                                  for k, v in weights.items()}


class ModelCheckpoint(Callback):
    """Write ``last.safetensors`` after every epoch and ``best.safetensors`` when ``monitor``
    improves (full training state: model, optimizer, scheduler, epoch, RNG)."""

    def __init__(self, folder, monitor="val_loss", mode="auto", save_last=True):
        self.folder, self.monitor = os.fspath(folder), monitor
        self.mode = _mode_for(monitor, mode)
        self.save_last = save_last
        self.best = None

    def on_epoch_end(self, trainer, logs):
        os.makedirs(self.folder, exist_ok=True)
        value = logs.get(self.monitor, logs.get("loss"))
        if value is not None and not (isinstance(value, float) and math.isnan(value)) and \
                _improved(self.mode, value, self.best, 0.0):
            self.best = value
            save_training_state(trainer, os.path.join(self.folder, "best.safetensors"))
        if self.save_last:
            save_training_state(trainer, os.path.join(self.folder, "last.safetensors"))

    def state_dict(self):
        return {"best": self.best}

    def load_state_dict(self, state):
        self.best = state["best"]


class CSVLogger(Callback):
    """One row per epoch in a CSV file (rewritten whole each epoch, so it is never half written)."""

    def __init__(self, path):
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer, logs):
        rows = trainer.history
        keys = []
        for r in rows:
            keys += [k for k in r if k not in keys]
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.path)


class LRSchedulerCallback(Callback):
    """Step a scheduler once per epoch (ReduceLROnPlateau gets the monitored value)."""

    def __init__(self, scheduler, monitor="val_loss"):
        self.scheduler, self.monitor = scheduler, monitor

    def on_epoch_end(self, trainer, logs):
        if type(self.scheduler).__name__ == "ReduceLROnPlateau":
            self.scheduler.step(logs.get(self.monitor, logs["loss"]))
        else:
            self.scheduler.step()


def tensorboard_tag(key):
    """The TensorBoard tag of an epoch-log key: ``loss`` -> ``loss/train``, ``val_loss`` ->
    ``loss/val`` (so both curves share one chart section), ``lr`` and ``seconds`` as they are."""
    if key in ("lr", "seconds"):
        return key
    if key.startswith("val_"):
        return key[4:] + "/val"
    return key + "/train"


class TensorBoardCallback(Callback):
    """Log every number of each epoch's logs as a TensorBoard scalar at step ``epoch``:
    ``loss/train``, ``loss/val``, ``accuracy/train``, ``accuracy/val``, ``lr``, ``seconds``.

    The events go to ``log_dir`` through ``galton.utils.tensorboard.SummaryWriter``; the file
    is flushed after every epoch so that a running ``tensorboard --logdir`` sees it at once.
    A resumed run hides the events a crashed run wrote after its last checkpoint (purge_step).

    >>> trainer = Trainer(model, loss_fn, optimizer, callbacks=[TensorBoardCallback("runs/a")])
    """

    def __init__(self, log_dir):
        self.log_dir = os.fspath(log_dir)
        self.writer = None

    def on_fit_start(self, trainer):
        from ..utils.tensorboard import SummaryWriter
        if self.writer is None:
            # a resumed trainer has finished trainer.epoch epochs: later steps are stale
            purge = trainer.epoch + 1 if trainer.epoch else None
            self.writer = SummaryWriter(self.log_dir, purge_step=purge)

    def on_epoch_end(self, trainer, logs):
        step = logs.get("epoch", trainer.epoch)
        for key, value in logs.items():
            if key == "epoch" or isinstance(value, bool) or not isinstance(
                    value, (int, float, np.number)):
                continue
            self.writer.add_scalar(tensorboard_tag(key), float(value), step)
        self.writer.flush()

    def on_fit_end(self, trainer):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
