"""galton.train.Trainer: accuracy on binary and multiclass tasks, schedulers, resume that gives
exactly the weights of an uninterrupted run, Ctrl-C that saves the training state."""
import numpy as np
import pytest

import galton
import galton.nn as nn
from galton.train import Callback, ModelCheckpoint, Trainer, load_training_state
from galton.utils.data import DataLoader, TensorDataset


def blobs(n=200, classes=3, dim=2, seed=0):
    """Well separated Gaussian blobs: a task any small net learns in a few epochs."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, size=(classes, dim))
    y = rng.integers(0, classes, size=n)
    x = centres[y] + rng.normal(0, 0.5, size=(n, dim))
    return galton.from_numpy(x.astype(np.float32)), galton.from_numpy(y.astype(np.int64))


def mlp(inp=2, out=3):
    return nn.Sequential(nn.Linear(inp, 16), nn.ReLU(), nn.Linear(16, out))


def make_trainer(model, lr=0.1, **kw):
    return Trainer(model, nn.CrossEntropyLoss(), galton.optim.SGD(model.parameters(), lr=lr,
                                                                  momentum=0.9),
                   progress=False, **kw)


def test_multiclass_accuracy_matches_a_manual_count():
    x, y = blobs()
    model = mlp()
    trainer = make_trainer(model)
    history = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True), epochs=5)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4, 5]
    assert history[-1]["accuracy"] > 0.95
    logs = trainer.evaluate(DataLoader(TensorDataset(x, y), batch_size=64))
    with galton.no_grad():
        pred = model(x)._data.argmax(axis=1)
    assert logs["accuracy"] == pytest.approx(float((pred == y._data).mean()))
    ref = nn.CrossEntropyLoss()(model(x), y).item()
    assert logs["loss"] == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize("loss_name,final", [("BCEWithLogitsLoss", None),
                                             ("BCELoss", nn.Sigmoid)])
def test_binary_accuracy_uses_the_right_threshold(loss_name, final):
    x, y = blobs(classes=2)
    yf = galton.from_numpy(y._data.astype(np.float32).reshape(-1, 1))
    layers = [nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)] + ([final()] if final else [])
    model = nn.Sequential(*layers)
    trainer = Trainer(model, getattr(nn, loss_name)(), galton.optim.Adam(model.parameters(),
                                                                         lr=0.05),
                      progress=False)
    trainer.fit(DataLoader(TensorDataset(x, yf), batch_size=50, shuffle=True), epochs=8)
    logs = trainer.evaluate(DataLoader(TensorDataset(x, yf), batch_size=200))
    with galton.no_grad():
        out = model(x)._data.reshape(-1)
    pred = out > (0.0 if final is None else 0.5)
    assert logs["accuracy"] == pytest.approx(float((pred == (y._data == 1)).mean()))
    assert logs["accuracy"] > 0.95


def test_regression_has_loss_but_no_accuracy():
    x = galton.randn(64, 3)
    y = x.sum(dim=1, keepdim=True)
    model = nn.Linear(3, 1)
    trainer = Trainer(model, nn.MSELoss(), galton.optim.SGD(model.parameters(), lr=0.05),
                      progress=False)
    history = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=20)
    assert "accuracy" not in history[-1]
    assert history[-1]["loss"] < history[0]["loss"] / 10


def _run(epochs, resume_from=None, save_to=None, seed=0):
    """Train the same dropout MLP on shuffled batches (so weights depend on the RNG)."""
    galton.manual_seed(seed)
    x, y = blobs(n=120)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    opt = galton.optim.Adam(model.parameters(), lr=0.01)
    sched = galton.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    callbacks = [ModelCheckpoint(save_to, monitor="loss")] if save_to else []
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=sched, progress=False,
                      callbacks=callbacks)
    if resume_from:
        trainer.resume(resume_from)
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True), epochs=epochs)
    return trainer


def test_resume_gives_exactly_the_weights_of_an_uninterrupted_run(tmp_path):
    full = _run(3)
    _run(1, save_to=tmp_path)
    galton.manual_seed(123)  # a different RNG state before resuming must not matter
    resumed = _run(3, resume_from=tmp_path / "last.safetensors", seed=99)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k]._data, b[k]._data, err_msg=k)
    assert resumed.epoch == 3
    assert [h["loss"] for h in resumed.history] == [h["loss"] for h in full.history]
    assert resumed.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"]


def test_resume_rejects_a_file_that_is_not_a_training_state(tmp_path):
    model = mlp()
    galton.save(model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="not a galton training checkpoint"):
        make_trainer(model).resume(tmp_path / "weights.safetensors")


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) at a given batch of a given epoch."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, trainer, batch_index, loss):
        if trainer.epoch == self.epoch and batch_index == self.batch:
            raise KeyboardInterrupt


def test_ctrl_c_from_a_callback_saves_the_training_state(tmp_path):
    x, y = blobs(n=96)
    model = mlp()
    trainer = make_trainer(model, callbacks=[InterruptAt(epoch=1, batch=2)],
                           checkpoint_dir=str(tmp_path))
    history = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=4)
    assert trainer.interrupted and len(history) == 1 and trainer.epoch == 1
    path = tmp_path / "interrupted.safetensors"
    assert trainer.interrupt_path == str(path) and path.is_file()
    fresh = make_trainer(mlp())
    state = load_training_state(fresh, path)
    assert state["epoch"] == 1 and fresh.epoch == 1
    for k, v in model.state_dict().items():  # the weights at the moment of the interrupt
        np.testing.assert_array_equal(fresh.model.state_dict()[k]._data, v._data)


class InterruptingLoader:
    """A loader whose iterator raises KeyboardInterrupt after ``after`` batches."""

    def __init__(self, loader, after):
        self.loader, self.after = loader, after

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for i, batch in enumerate(self.loader):
            if i == self.after:
                raise KeyboardInterrupt
            yield batch


def test_ctrl_c_from_the_loader_saves_and_fit_returns(tmp_path):
    x, y = blobs(n=64)
    trainer = make_trainer(mlp(), checkpoint_dir=str(tmp_path / "run"))
    history = trainer.fit(InterruptingLoader(DataLoader(TensorDataset(x, y), batch_size=16), 2),
                          epochs=2)
    assert trainer.interrupted and history == []
    assert (tmp_path / "run" / "interrupted.safetensors").is_file()
    # without a checkpoint folder it still stops cleanly, saving nothing
    trainer = make_trainer(mlp())
    trainer.fit(InterruptingLoader(DataLoader(TensorDataset(x, y), batch_size=16), 1), epochs=1)
    assert trainer.interrupted and trainer.interrupt_path is None


def test_onecycle_steps_per_batch_and_step_lr_per_epoch():
    x, y = blobs(n=64)
    model = mlp()
    opt = galton.optim.SGD(model.parameters(), lr=0.1)
    sched = galton.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=2 * 4)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=sched, progress=False)
    assert trainer.scheduler_step == "batch"
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=2)
    assert sched.last_epoch == 8  # stepped after each of the 2 x 4 batches
    model = mlp()
    opt = galton.optim.SGD(model.parameters(), lr=0.1)
    sched = galton.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=sched, progress=False)
    history = trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=3)
    assert [h["lr"] for h in history] == [0.1, 0.05, 0.025]
    with pytest.raises(ValueError, match="scheduler_step"):
        Trainer(model, nn.CrossEntropyLoss(), opt, scheduler_step="sometimes")


def test_callbacks_must_be_callback_objects():
    with pytest.raises(TypeError, match="galton.train.Callback"):
        make_trainer(mlp(), callbacks=[lambda t: None])


def test_progress_bar_shows_epoch_and_running_loss(capsys):
    x, y = blobs(n=32)
    model = mlp()
    trainer = Trainer(model, nn.CrossEntropyLoss(), galton.optim.SGD(model.parameters(), lr=0.1),
                      progress=True)
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16), epochs=1)
    err = capsys.readouterr().err
    assert "Epoch 1/1" in err and "2/2" in err and "loss " in err


def test_fit_function_returns_the_history():
    x, y = blobs(n=32)
    model = mlp()
    history = galton.train.fit(model, nn.CrossEntropyLoss(),
                               galton.optim.SGD(model.parameters(), lr=0.1),
                               DataLoader(TensorDataset(x, y), batch_size=16),
                               DataLoader(TensorDataset(x, y), batch_size=16), epochs=2,
                               progress=False)
    assert len(history) == 2 and {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(
        history[0])


def test_max_steps_inside_an_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    """One process with a shuffling loader (the order drawn from galton's generator) and a
    dropout layer (which draws too): stop after 5 steps, in the middle of epoch 2, resume in a
    fresh trainer; the weights and the history are those of the run that never stopped."""
    x, y = blobs(n=64)

    def run(**kw):
        galton.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
        return make_trainer(model, **kw), loader

    full, loader = run()
    full.fit(loader, epochs=3)
    stopped, loader = run(max_steps=5, checkpoint_dir=str(tmp_path))
    history = stopped.fit(loader, epochs=3)
    assert stopped.stopped and len(history) == 1 and stopped.global_step == 5
    galton.manual_seed(99)  # the resumed trainer's generator state comes from the checkpoint
    resumed, loader = run()
    state = resumed.resume(tmp_path / "last.safetensors")
    assert state["position"]["step"] == 1 and resumed.epoch == 1
    resumed.fit(loader, epochs=3)
    assert resumed.global_step == 12
    for k, v in full.model.state_dict().items():
        np.testing.assert_array_equal(resumed.model.state_dict()[k]._data, v._data, err_msg=k)
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in full.history]
    assert [{k: v for k, v in h.items() if k != "seconds"} for h in resumed.history] == strip


def test_a_mid_epoch_checkpoint_refuses_a_loader_of_another_length(tmp_path):
    x, y = blobs(n=64)
    trainer = make_trainer(mlp(), max_steps=2, checkpoint_dir=str(tmp_path))
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True), epochs=2)
    other = make_trainer(mlp())
    other.resume(tmp_path / "last.safetensors")
    with pytest.raises(ValueError, match="stopped after batch 2 of 4 of epoch 1, but this run "
                                         "has 2 batches per epoch"):
        other.fit(DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True), epochs=2)
