"""The fit loop: train for some epochs, evaluate, keep a history, call callbacks.

>>> trainer = Trainer(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
>>> history = trainer.fit(train_loader, val_loader, epochs=2)
"""
import math
import os
import time

import numpy as np

from .. import random as grandom
from ..autograd import no_grad
from ..tensor import Tensor
from . import distributed as _dist
from .callbacks import Callback
from .checkpoint import load_training_state, save_training_state
from .progress import Progress, log


class TrainingDiverged(RuntimeError):
    """The loss (or the weights) stopped being finite: training stops at once, before the bad
    step's update, and nothing is saved over the last good checkpoint.

    ``epoch`` and ``step`` count from 1; ``value`` is the loss (nan or inf)."""

    def __init__(self, message, epoch, step, value):
        super().__init__(message)
        self.epoch, self.step, self.value = epoch, step, value


def _task(outputs, targets):
    """'multiclass' for (N, C) scores with class indices, 'binary' for one score per sample
    with 0/1 targets, else 'regression' (no accuracy)."""
    o, t = outputs._data, targets._data
    if o.ndim >= 2 and o.shape[1] > 1 and t.dtype.kind in "iu":
        return "multiclass"
    if o.size == t.size and t.dtype.kind in "fb" and np.all((t == 0) | (t == 1)):
        return "binary"
    return "regression"


class Trainer:
    """Trains ``model`` with ``loss_fn`` and ``optimizer``; history is a list of dicts per epoch.

    scheduler: stepped once per epoch (ReduceLROnPlateau with the validation loss), or once
    per batch with ``scheduler_step="batch"`` (the default for OneCycleLR and CyclicLR, whose
    schedules count steps); grad_clip: max gradient norm, or None; logits: for binary tasks,
    whether the model outputs logits (threshold 0) or probabilities (threshold 0.5) — inferred
    from the loss if None; checkpoint_dir: where Ctrl-C saves ``interrupted.safetensors``;
    metadata: JSON-able facts saved in every training checkpoint; stop_on_nonfinite: a loss
    that becomes NaN or infinite (or weights that do, by the end of an epoch) raises
    ``TrainingDiverged`` naming the epoch and step, before the epoch's checkpoints are written.

    Ctrl-C (KeyboardInterrupt) during ``fit`` ends training cleanly: the state is saved (with
    ``checkpoint_dir``), ``trainer.interrupted`` becomes True and fit returns the history.

    max_steps: stop after this many optimizer steps in all (``trainer.stopped`` becomes True);
    the state is saved to ``checkpoint_dir/last.safetensors`` with the position in the epoch,
    and a resumed trainer continues from that very batch. ``model`` may be a
    ``DistributedDataParallel``: then the epoch's loss and accuracy are summed over the ranks,
    and checkpoints hold the inner module's weights (and every rank's RNG state), written by
    rank 0 alone.
    """

    def __init__(self, model, loss_fn, optimizer, *, scheduler=None, device="cpu",
                 grad_clip=None, callbacks=(), progress=True, logits=None, metadata=None,
                 scheduler_step=None, checkpoint_dir=None, stop_on_nonfinite=True,
                 max_steps=None):
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.scheduler, self.device, self.grad_clip = scheduler, device, grad_clip
        if scheduler_step is None:
            per_batch = type(scheduler).__name__ in ("OneCycleLR", "CyclicLR")
            scheduler_step = "batch" if per_batch else "epoch"
        if scheduler_step not in ("epoch", "batch"):
            raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
        self.scheduler_step = scheduler_step
        self.checkpoint_dir = checkpoint_dir
        self.interrupt_path = None
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be galton.train.Callback objects, got {cb!r}")
        self.progress = progress
        if logits is None:
            logits = type(loss_fn).__name__ in ("BCEWithLogitsLoss", "CrossEntropyLoss")
        self.threshold = 0.0 if logits else 0.5
        self.history = []
        self.epoch = 0
        self.stop_training = False
        self.interrupted = False
        self.metadata = dict(metadata or {})
        self.stop_on_nonfinite = stop_on_nonfinite
        self.max_steps = max_steps
        self.stopped = False
        self.global_step = 0
        # where in the current epoch training stands (a mid-epoch checkpoint saves it): batches
        # done, the epoch's running sums (over all ranks), and the RNG state the epoch's
        # shuffle was drawn from
        self.position = _fresh_position()

    @property
    def module(self):
        """The model itself (inside a DistributedDataParallel wrapper, its ``module``)."""
        return getattr(self.model, "module", self.model) if _is_ddp(self.model) else self.model

    # --- one pass ------------------------------------------------------------------------------
    def _to_device(self, batch):
        x, y = batch[0], batch[1]
        if self.device != "cpu":
            x, y = x.to(self.device), y.to(self.device)
        return x, y

    def _count_correct(self, out, y, task):
        if task == "multiclass":
            return int((out._data.argmax(axis=1) == y._data).sum())
        if task == "binary":
            return int(((out._data.reshape(-1) > self.threshold) == (y._data.reshape(-1) > 0.5)).sum())
        return 0

    def _batches(self, loader):
        """The epoch's batches from where ``position`` says it stands: the shuffle is drawn as
        it was when the epoch began, and the batches already trained on are passed over."""
        sampler = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):  # a DistributedSampler: shuffled by seed + epoch
            sampler.set_epoch(self.epoch)
        pos = self.position
        if pos["step"] == 0:
            pos["rng"] = grandom.get_rng_state()
            return iter(loader)
        if pos["step"] >= len(loader) or pos.get("steps") not in (None, len(loader)):
            raise ValueError(f"the checkpoint stopped after batch {pos['step']} of "
                             f"{pos.get('steps')} of epoch {self.epoch + 1}, but this run has "
                             f"{len(loader)} batches per epoch (another --batch-size, --limit "
                             "or dataset?): resume it with the settings it was saved with")
        now = grandom.get_rng_state()
        if pos.get("rng") is not None:
            grandom.set_rng_state(pos["rng"])
        it = iter(loader)
        for _ in range(pos["step"]):  # drawn lazily: skip them on the epoch's own order
            next(it)
        grandom.set_rng_state(now)
        return it

    def train_epoch(self, loader):
        """One epoch of training (or its rest, after a mid-epoch resume); returns
        {'loss': ..., 'accuracy': ...}, summed over every rank of a distributed run."""
        self.model.train()
        pos = self.position
        total_loss, correct, seen = pos["loss"], pos["correct"], pos["seen"]
        mine = [0.0, 0, 0]  # this rank's part since the position (the rest is in pos)
        task = pos.get("task")
        desc = f"Epoch {self.epoch + 1}" + (f"/{self._epochs}" if getattr(self, "_epochs", None) else "")
        for cb in self.callbacks:
            cb.on_epoch_start(self)
        step_scheduler = self.scheduler is not None and self.scheduler_step == "batch"
        batches = self._batches(loader)
        pos["steps"] = len(loader)
        with Progress(len(loader), desc, enabled=self.progress and _dist.is_main()) as bar:
            if pos["step"]:
                bar.update(pos["step"])
            for i, batch in enumerate(batches, start=pos["step"]):
                x, y = self._to_device(batch)
                self.optimizer.zero_grad()
                out = self.model(x)
                loss = self.loss_fn(out, y)
                value = loss.item()
                if self.stop_on_nonfinite and not math.isfinite(value):
                    self._diverged(f"the loss became {value}", i + 1, len(loader), value)
                loss.backward()
                if self.grad_clip:
                    from ..nn.utils import clip_grad_norm_
                    clip_grad_norm_(self.model.parameters(), self.grad_clip)
                self.optimizer.step()
                if step_scheduler:
                    self.scheduler.step()
                self.global_step += 1
                n = len(y)
                if task is None:
                    task = _task(out, y)
                mine[0] += value * n
                mine[1] += self._count_correct(out, y, task)
                mine[2] += n
                bar.update(1, postfix=f"loss {(total_loss + mine[0]) / (seen + mine[2]):.4f}")
                for cb in self.callbacks:
                    cb.on_batch_end(self, i, value)
                if self.max_steps is not None and self.global_step >= self.max_steps \
                        and i + 1 < len(loader):
                    self._stop_mid_epoch(i + 1, mine, task)
                    return None
        total_loss, correct, seen = (a + b for a, b in zip((total_loss, correct, seen),
                                                          _dist.all_sum(mine)))
        self.position = _fresh_position()
        if self.max_steps is not None and self.global_step >= self.max_steps:
            self.stopped = True
        logs = {"loss": total_loss / max(seen, 1)}
        if task in ("multiclass", "binary"):
            logs["accuracy"] = correct / max(seen, 1)
        return logs

    def _stop_mid_epoch(self, step, mine, task):
        """max_steps reached inside an epoch: keep the position and save the state there."""
        done = _dist.all_sum(mine)
        pos = self.position
        pos.update(step=step, loss=pos["loss"] + done[0], correct=pos["correct"] + done[1],
                   seen=pos["seen"] + done[2], task=task)
        self.stopped = self.stop_training = True
        if self.checkpoint_dir:
            path = os.path.join(self.checkpoint_dir, "last.safetensors")
            save_training_state(self, path)
            if _dist.is_main():
                log(f"Stopped after {self.global_step} steps (epoch {self.epoch + 1}, step {step} "
                    f"of {pos['steps']}): training state saved to {path}")

    def _diverged(self, what, step, steps, value):
        raise TrainingDiverged(
            f"{what} in epoch {self.epoch + 1}, step {step} of {steps}: training stopped "
            "(lower the learning rate, or clip the gradients)", self.epoch + 1, step, value)

    def _check_finite(self, logs, steps):
        """At an epoch's end, before its checkpoints: the weights and losses must be finite."""
        bad = [name for name, p in self.model.named_parameters()
               if not np.isfinite(p._data).all()]
        if bad:
            self._diverged(f"the weights became NaN or infinite ({', '.join(bad[:3])}"
                           f"{', ...' if len(bad) > 3 else ''})", steps, steps, float("nan"))
        for key, what in (("loss", "the training loss"), ("val_loss", "the validation loss")):
            if key in logs and not math.isfinite(logs[key]):
                self._diverged(f"{what} became {logs[key]}", steps, steps, logs[key])

    def evaluate(self, loader):
        """Average loss (and accuracy) over a loader, in eval mode without gradients (every
        rank of a distributed run evaluates the whole loader, so all get the same answer)."""
        self.model.eval()
        total_loss, correct, seen, task = 0.0, 0, 0, None
        with no_grad():
            for batch in loader:
                x, y = self._to_device(batch)
                out = self.module(x)
                n = len(y)
                total_loss += self.loss_fn(out, y).item() * n
                seen += n
                if task is None:
                    task = _task(out, y)
                correct += self._count_correct(out, y, task)
        logs = {"loss": total_loss / max(seen, 1)}
        if task in ("multiclass", "binary"):
            logs["accuracy"] = correct / max(seen, 1)
        return logs

    def predict(self, loader):
        """Model outputs and targets over a loader, as NumPy arrays."""
        self.model.eval()
        outs, targets = [], []
        with no_grad():
            for batch in loader:
                x, y = self._to_device(batch)
                outs.append(self.module(x)._data)
                targets.append(y._data if isinstance(y, Tensor) else np.asarray(y))
        return np.concatenate(outs), np.concatenate(targets)

    # --- the loop ------------------------------------------------------------------------------
    def fit(self, train_loader, val_loader=None, epochs=1):
        """Train until ``epochs`` epochs are done in total (a resumed trainer continues)."""
        self._epochs = epochs
        self.stop_training = False
        self.interrupted = self.stopped = False
        for cb in self.callbacks:
            cb.on_fit_start(self)
        try:
            while self.epoch < epochs and not self.stop_training:
                if self.max_steps is not None and self.global_step >= self.max_steps:
                    self.stopped = True
                    break
                start = time.perf_counter()
                logs = self.train_epoch(train_loader)
                if logs is None:  # max_steps inside the epoch: its state is saved
                    break
                if val_loader is not None:
                    logs.update({f"val_{k}": v for k, v in self.evaluate(val_loader).items()})
                if self.stop_on_nonfinite:
                    self._check_finite(logs, len(train_loader))
                self.epoch += 1
                logs = {"epoch": self.epoch, **logs,
                        "lr": self.optimizer.param_groups[0]["lr"],
                        "seconds": round(time.perf_counter() - start, 3)}
                if self.scheduler is not None and self.scheduler_step == "epoch":
                    if type(self.scheduler).__name__ == "ReduceLROnPlateau":
                        self.scheduler.step(logs.get("val_loss", logs["loss"]))
                    else:
                        self.scheduler.step()
                self.history.append(logs)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, logs)
                if self.stopped:
                    self.stop_training = True
        except KeyboardInterrupt:
            self.interrupted = True
            self._on_interrupt()
        for cb in self.callbacks:
            cb.on_fit_end(self)
        return self.history

    def _on_interrupt(self):
        # the weights are mid-epoch; epoch counts the finished ones, so a resume redoes this
        # one. Ranks stop at different points, so rank 0 saves alone (no collective).
        if self.checkpoint_dir and _dist.is_main():
            os.makedirs(self.checkpoint_dir, exist_ok=True)
            self.interrupt_path = os.path.join(self.checkpoint_dir, "interrupted.safetensors")
            save_training_state(self, self.interrupt_path, collective=False)
            log(f"Interrupted in epoch {self.epoch + 1}: training state saved to "
                f"{self.interrupt_path}")

    def save(self, path):
        """The full training state (for resume) as a safetensors checkpoint."""
        save_training_state(self, path)

    def resume(self, path):
        """Restore model, optimizer, scheduler, epoch, RNG and history from ``path``."""
        return load_training_state(self, path)


def _fresh_position():
    return {"step": 0, "steps": None, "loss": 0.0, "correct": 0, "seen": 0, "task": None,
            "rng": None}


def _is_ddp(model):
    return type(model).__name__ == "DistributedDataParallel" and hasattr(model, "module")


def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs=1, **kwargs):
    """Train ``model`` and return the history (a list of dicts, one per epoch)."""
    return Trainer(model, loss_fn, optimizer, **kwargs).fit(train_loader, val_loader, epochs)
