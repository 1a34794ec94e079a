"""A run whose loss stops being finite stops at once with the epoch and step, keeps the last
good checkpoint and exits non-zero; numeric options that cannot train are refused (issue 14)."""
import math
import os

import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.cli import main
from galton.train import Trainer, TrainingDiverged
from galton.utils.data import DataLoader, TensorDataset

XOR = ["train", "--model", "mlp", "--data", "xor", "--no-progress", "--seed", "0"]


def _loader(n=32, batch=8):
    g = galton.Generator().manual_seed(0)
    x = galton.randn(n, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=batch)


def _model():
    galton.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))


def test_trainer_stops_at_the_first_nan_loss_with_epoch_and_step():
    model = _model()
    trainer = Trainer(model, nn.CrossEntropyLoss(), galton.optim.SGD(model.parameters(), lr=1e30),
                      progress=False)
    with pytest.raises(TrainingDiverged, match=r"the loss became nan in epoch 1, step 2 of 4") as e:
        trainer.fit(_loader(), epochs=3)
    assert (e.value.epoch, e.value.step) == (1, 2) and math.isnan(e.value.value)
    assert trainer.history == [] and trainer.epoch == 0


def test_weights_that_turn_infinite_in_the_last_step_stop_before_the_checkpoint(tmp_path):
    class Blowup(galton.optim.SGD):  # a finite loss every step, infinite weights after the last
        calls = 0

        def step(self, closure=None):
            super().step(closure)
            Blowup.calls += 1
            if Blowup.calls == 4:
                with galton.no_grad():
                    model[0].weight[0, 0] = float("inf")

    model = _model()
    ckpt = galton.train.ModelCheckpoint(tmp_path, monitor="loss")
    trainer = Trainer(model, nn.CrossEntropyLoss(), Blowup(model.parameters(), lr=0.1),
                      progress=False, callbacks=[ckpt])
    with pytest.raises(TrainingDiverged, match=r"weights became NaN or infinite \(0\.weight\) "
                                               r"in epoch 1, step 4 of 4"):
        trainer.fit(_loader(), epochs=2)
    assert not os.path.exists(tmp_path / "last.safetensors")


def test_stop_on_nonfinite_false_trains_on_as_before():
    model = _model()
    trainer = Trainer(model, nn.CrossEntropyLoss(), galton.optim.SGD(model.parameters(), lr=1e30),
                      progress=False, stop_on_nonfinite=False)
    history = trainer.fit(_loader(), epochs=1)
    assert math.isnan(history[0]["loss"])


def test_cli_run_that_diverges_in_epoch_2_keeps_epoch_1_and_exits_non_zero(tmp_path, capsys):
    out = tmp_path / "run"
    # epoch 1 at lr 0.01; StepLR then multiplies it by 1e30
    rc = main(XOR + ["--epochs", "3", "--lr", "0.01", "--scheduler", "step", "--step-size", "1",
                     "--gamma", "1e30", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert rc != 0
    assert len(err.splitlines()) == 1, err
    assert "the loss became nan in epoch 2, step" in err
    assert f"the last good checkpoint is {out / 'last.safetensors'} (epoch 1)" in err
    state = galton.load(str(out / "last.safetensors"))
    assert state["epoch"] == 1
    assert all(np.isfinite(v.numpy()).all() for v in state["model"].values())
    assert not (out / "model.safetensors").exists()


def test_cli_run_that_diverges_in_epoch_1_says_no_checkpoint(tmp_path, capsys):
    rc = main(XOR + ["--epochs", "2", "--lr", "1e30", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert rc != 0
    assert "in epoch 1, step 2 of" in err and "no epoch finished, so no checkpoint" in err


@pytest.mark.parametrize("args,phrase", [
    (["--lr", "inf"], "--lr must be a finite number >= 0, got inf"),
    (["--lr", "nan"], "--lr must be a finite number >= 0, got nan"),
    (["--lr", "-0.1"], "--lr must be a finite number >= 0, got -0.1"),
    (["--grad-clip", "-1"], "--grad-clip must be a finite number > 0, got -1.0"),
    (["--grad-clip", "0"], "--grad-clip must be a finite number > 0, got 0.0"),
    (["--epochs", "0"], "--epochs must be an integer >= 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be an integer >= 1, got 0"),
    (["--batch-size", "-5"], "--batch-size must be an integer >= 1, got -5"),
    (["--momentum", "-1"], "--momentum must be a finite number >= 0, got -1.0"),
    (["--weight-decay=-1e-4"], "--weight-decay must be a finite number >= 0"),
    (["--gamma", "0"], "--gamma must be a finite number > 0, got 0.0"),
    (["--step-size", "0"], "--step-size must be an integer >= 1, got 0"),
    (["--val-split", "1"], "--val-split must be a finite number >= 0 and < 1, got 1.0"),
    (["--val-split", "-0.1"], "--val-split must be a finite number >= 0 and < 1"),
    (["--limit", "0"], "--limit must be an integer >= 1, got 0"),
    (["--early-stopping", "-1"], "--early-stopping must be an integer >= 0, got -1"),
    (["--image-size", "0", "28"], "--image-size must be two sizes >= 1 (H W), got [0, 28]"),
])
def test_numeric_options_that_cannot_train_are_refused(args, phrase, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(XOR + args + ["--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"galton train: error: {phrase}" or phrase in err, err
    assert not out.exists()  # refused before the run folder is made
