"""galton.train callbacks: EarlyStopping (restores the best weights), ModelCheckpoint (best and
last), CSVLogger (one row per epoch), and their state in training checkpoints."""
import csv

import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.train import (Callback, CSVLogger, EarlyStopping, ModelCheckpoint, Trainer,
                          load_training_state)
from galton.utils.data import DataLoader, TensorDataset


class ScriptedLosses(Callback):
    """Overwrite the epoch's val_loss with a scripted sequence (runs before the others), and
    remember the weights at each epoch's end."""

    def __init__(self, losses):
        self.losses, self.weights = list(losses), []

    def on_epoch_end(self, trainer, logs):
        logs["val_loss"] = self.losses[logs["epoch"] - 1]
        trainer.history[-1]["val_loss"] = logs["val_loss"]
        self.weights.append({k: v._data.copy() for k, v in trainer.model.state_dict().items()})


def setup(callbacks, checkpoint_dir=None):
    galton.manual_seed(0)
    x = galton.randn(32, 4)
    y = galton.from_numpy((x._data[:, 0] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    trainer = Trainer(model, nn.CrossEntropyLoss(), galton.optim.SGD(model.parameters(), lr=0.1),
                      callbacks=callbacks, progress=False, checkpoint_dir=checkpoint_dir)
    return trainer, DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    script = ScriptedLosses([1.0, 0.5, 0.7, 0.6, 0.55, 0.4])
    stop = EarlyStopping(monitor="val_loss", patience=3)
    trainer, loader = setup([script, stop])
    history = trainer.fit(loader, epochs=6)
    assert len(history) == 5 and stop.stopped_epoch == 5
    assert stop.best == 0.5 and stop.best_epoch == 2
    final = trainer.model.state_dict()
    for k, v in final.items():
        np.testing.assert_array_equal(v._data, script.weights[1][k])
    # the weights did move after epoch 2, so the restore is what put them back
    assert any(not np.array_equal(script.weights[1][k], script.weights[-1][k]) for k in final)


def test_early_stopping_min_delta_and_max_mode():
    script = ScriptedLosses([1.0, 0.95, 0.92])
    stop = EarlyStopping(monitor="val_loss", patience=2, min_delta=0.1)
    trainer, loader = setup([script, stop])
    assert len(trainer.fit(loader, epochs=3)) == 3 and stop.stopped_epoch == 3
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="sideways")


def test_early_stopping_without_the_monitored_value_says_so():
    trainer, loader = setup([EarlyStopping(monitor="val_loss")])
    with pytest.raises(KeyError, match="validation loader"):
        trainer.fit(loader, epochs=1)


def test_early_stopping_state_survives_a_checkpoint(tmp_path):
    script = ScriptedLosses([1.0, 0.5, 0.7])
    stop = EarlyStopping(patience=5)
    trainer, loader = setup([script, stop, ModelCheckpoint(tmp_path, monitor="val_loss")])
    trainer.fit(loader, epochs=3)
    fresh_stop = EarlyStopping(patience=5)
    fresh, _ = setup([ScriptedLosses([]), fresh_stop, ModelCheckpoint(tmp_path)])
    load_training_state(fresh, tmp_path / "last.safetensors")
    assert (fresh_stop.best, fresh_stop.best_epoch, fresh_stop.wait) == (0.5, 2, 1)
    for k, v in fresh_stop._best_weights.items():
        np.testing.assert_array_equal(v, script.weights[1][k])


def test_model_checkpoint_writes_best_when_improved_and_last_every_epoch(tmp_path):
    script = ScriptedLosses([1.0, 0.5, 0.7])
    trainer, loader = setup([script, ModelCheckpoint(tmp_path, monitor="val_loss")])
    trainer.fit(loader, epochs=3)
    best = galton.load(tmp_path / "best.safetensors")
    last = galton.load(tmp_path / "last.safetensors")
    assert best["epoch"] == 2 and last["epoch"] == 3
    assert best["format"] == last["format"] == "galton-training-state/1"
    for k in script.weights[1]:
        np.testing.assert_array_equal(best["model"][k]._data, script.weights[1][k])
        np.testing.assert_array_equal(last["model"][k]._data, script.weights[2][k])
    assert best["callbacks"]["ModelCheckpoint"]["best"] == 0.5


def test_model_checkpoint_falls_back_to_the_training_loss(tmp_path):
    trainer, loader = setup([ModelCheckpoint(tmp_path / "run", save_last=False)])
    trainer.fit(loader, epochs=2)
    assert (tmp_path / "run" / "best.safetensors").is_file()
    assert not (tmp_path / "run" / "last.safetensors").exists()


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    path = tmp_path / "logs" / "history.csv"
    trainer, loader = setup([CSVLogger(path)])
    trainer.fit(loader, loader, epochs=3)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert set(rows[0]) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert float(rows[2]["loss"]) == pytest.approx(trainer.history[2]["loss"])
    assert not (tmp_path / "logs" / "history.csv.tmp").exists()


def test_callback_hooks_are_called_in_order():
    calls = []

    class Spy(Callback):
        def on_fit_start(self, trainer):
            calls.append("fit_start")

        def on_epoch_start(self, trainer):
            calls.append("epoch_start")

        def on_batch_end(self, trainer, batch_index, loss):
            calls.append(f"batch{batch_index}")
            assert np.isfinite(loss)

        def on_epoch_end(self, trainer, logs):
            calls.append(f"epoch_end{logs['epoch']}")

        def on_fit_end(self, trainer):
            calls.append("fit_end")
    trainer, loader = setup([Spy()])
    trainer.fit(loader, epochs=2)
    epoch = ["epoch_start", "batch0", "batch1", "batch2", "batch3"]
    assert calls == ["fit_start", *epoch, "epoch_end1", *epoch, "epoch_end2", "fit_end"]


# --- TensorBoardCallback ------------------------------------------------------------------
def tensorboard_scalars(folder):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_tags_of_epoch_log_keys():
    from galton.train.callbacks import tensorboard_tag
    assert [tensorboard_tag(k) for k in ("loss", "val_loss", "accuracy", "val_accuracy", "lr",
                                         "seconds")] == \
        ["loss/train", "loss/val", "accuracy/train", "accuracy/val", "lr", "seconds"]


def test_tensorboard_callback_logs_every_epoch_value(tmp_path):
    from galton.train.callbacks import TensorBoardCallback
    cb = TensorBoardCallback(tmp_path / "tb")
    trainer, loader = setup([cb])
    history = trainer.fit(loader, loader, epochs=3)
    assert cb.writer is None  # closed at the end of fit
    scalars = tensorboard_scalars(tmp_path / "tb")
    assert set(scalars) == {"loss/train", "loss/val", "accuracy/train", "accuracy/val", "lr",
                            "seconds"}
    for tag, key in [("loss/train", "loss"), ("loss/val", "val_loss"),
                     ("accuracy/val", "val_accuracy"), ("lr", "lr")]:
        assert [s for s, _ in scalars[tag]] == [1, 2, 3]
        np.testing.assert_allclose([v for _, v in scalars[tag]], [h[key] for h in history],
                                   rtol=1e-6)


def order_event_files(folder):
    """Rename the event files by age, so TensorBoard reads them in writing order: files opened
    in the same second differ only by a counter, which sorts as text (10 before 9)."""
    import os
    paths = sorted(folder.glob("events.out.tfevents.*"), key=lambda p: p.stat().st_mtime_ns)
    for i, path in enumerate(paths):
        if not path.name.startswith("events.out.tfevents.00000000"):
            os.rename(path, folder / f"events.out.tfevents.{i + 1:010d}.h.1.1")


def test_tensorboard_callback_resumed_run_hides_stale_epochs(tmp_path):
    from galton.train.callbacks import TensorBoardCallback
    trainer, loader = setup([TensorBoardCallback(tmp_path / "tb")])
    trainer.fit(loader, epochs=2)
    order_event_files(tmp_path / "tb")
    first = trainer.history[1]["loss"]
    trainer.fit(loader, epochs=4)  # the run goes on to epoch 4, then crashes ...
    order_event_files(tmp_path / "tb")
    again, _ = setup([TensorBoardCallback(tmp_path / "tb")])
    again.epoch = 2  # ... and resumes from epoch 2's checkpoint: epochs 3 and 4 are redone
    again.fit(loader, epochs=3)
    order_event_files(tmp_path / "tb")
    scalars = tensorboard_scalars(tmp_path / "tb")["loss/train"]
    assert [s for s, _ in scalars] == [1, 2, 3]
    assert scalars[1][1] == pytest.approx(first)
    assert scalars[2][1] == pytest.approx(again.history[-1]["loss"])
