"""Unclear messages and things left behind (issue 14): each is one line naming the file or
argument, and a failed command leaves nothing behind."""
import errno
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import galton
from galton.cli import main
from galton.serialization import _format
from galton.train.run import evaluate_run, train_run
from galton.vision.io import write_idx


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "xor"
    train_run({"model": "mlp", "data": "xor", "epochs": 1}, folder, progress=False)
    return folder


def _copy(run, tmp_path):
    import shutil
    return shutil.copytree(run, tmp_path / "copy")


def _one_line(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for n in needles:
        assert str(n) in err, err
    return err


def test_corrupt_config_json_names_the_file(run, tmp_path):
    folder = _copy(run, tmp_path)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"config\.json is not valid JSON"):
        evaluate_run(folder)


def _edit(path, fn):
    state = galton.load(path)
    fn(state)
    galton.save(state, path)


def test_a_training_checkpoint_missing_a_key_names_the_file_and_key(run, tmp_path, capsys):
    folder = _copy(run, tmp_path)
    _edit(folder / "last.safetensors", lambda s: s.pop("epoch"))
    out = tmp_path / "resumed"
    assert main(["train", "--resume", str(folder / "last.safetensors"), "--epochs", "2",
                 "--out", str(out)]) == 2
    _one_line(capsys, folder / "last.safetensors", "'epoch'")
    assert not out.exists()  # a failed --resume leaves no empty run folder


def test_a_shape_mismatch_on_resume_names_the_checkpoint(run, tmp_path, capsys):
    folder = _copy(run, tmp_path)

    def shrink(state):
        key = next(iter(state["model"]))
        state["model"][key] = galton.zeros(3, 3)
    _edit(folder / "last.safetensors", shrink)
    assert main(["train", "--resume", str(folder / "last.safetensors"), "--epochs", "2",
                 "--out", str(tmp_path / "o")]) == 2
    _one_line(capsys, folder / "last.safetensors", "size mismatch")


def test_a_model_file_without_classes_names_the_file(run, tmp_path, capsys):
    folder = _copy(run, tmp_path)
    _edit(folder / "model.safetensors", lambda s: s["metadata"].pop("classes"))
    assert main(["evaluate", str(folder)]) == 2
    _one_line(capsys, folder / "model.safetensors", "'classes'")


def test_convert_into_a_directory_names_the_directory(tmp_path, capsys):
    galton.save({"w": galton.ones(2)}, tmp_path / "w.safetensors")
    (tmp_path / "outdir").mkdir()
    assert main(["convert", str(tmp_path / "w.safetensors"), str(tmp_path / "outdir")]) == 2
    err = _one_line(capsys, tmp_path / "outdir", "is a directory")
    assert ".tmp" not in err


def test_an_unreachable_or_unreadable_run_folder_is_not_called_missing(tmp_path, capsys,
                                                                      monkeypatch):
    (tmp_path / "afile").write_text("x")
    assert main(["predict", str(tmp_path / "afile" / "run"), "x.png"]) == 2
    _one_line(capsys, tmp_path / "afile" / "run", "a part of that path is a file")
    (tmp_path / "locked").mkdir()
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # tests run as root: permissions cannot stop them
        if "locked" in os.fspath(path):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_stat(path, *args, **kwargs)
    monkeypatch.setattr(os, "stat", stat)
    assert main(["evaluate", str(tmp_path / "locked")]) == 2
    _one_line(capsys, tmp_path / "locked", "permission denied")


def _mnist_files(root, labels, cut=0):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix in ("train", "t10k"):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", np.zeros((len(labels), 28, 28), np.uint8))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.array(labels, np.uint8))
    if cut:
        path = raw / "train-images-idx3-ubyte"
        path.write_bytes(path.read_bytes()[:-cut])
    return raw


def test_an_idx_label_outside_the_classes_names_the_file(tmp_path):
    raw = _mnist_files(tmp_path, [1, 200, 3])
    with pytest.raises(ValueError, match="label 200 is not a class of MNIST") as err:
        galton.vision.datasets.MNIST(tmp_path)
    assert str(raw / "train-labels-idx1-ubyte") in str(err.value)


def test_data_list_does_not_call_a_truncated_file_ready(tmp_path, capsys):
    _mnist_files(tmp_path, [1, 2, 3], cut=100)
    assert main(["data", "list", "--data-root", str(tmp_path)]) == 0
    line = next(li for li in capsys.readouterr().out.splitlines() if li.startswith("mnist "))
    assert "[incomplete: " in line and "train-images-idx3-ubyte" in line, line
    (tmp_path / "MNIST").rename(tmp_path / "gone")
    _mnist_files(tmp_path, [1, 2, 3])
    assert main(["data", "list", "--data-root", str(tmp_path)]) == 0
    line = next(li for li in capsys.readouterr().out.splitlines() if li.startswith("mnist "))
    assert "[ready]" in line, line


def test_a_full_disk_names_the_target_not_the_temporary(tmp_path, monkeypatch):
    def full(tensors, path, metadata=None):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(_format.st, "save_file", full)
    with pytest.raises(OSError) as err:
        galton.save({"w": galton.ones(2)}, tmp_path / "model.pt")
    assert err.value.errno == errno.ENOSPC
    assert str(tmp_path / "model.pt") in str(err.value) and ".tmp" not in str(err.value)
    assert os.listdir(tmp_path) == []


# --- temporaries a killed writer left -------------------------------------------------------
def test_stale_temporaries_of_the_same_target_are_removed_live_ones_kept(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    dead = int(done.stdout)  # a process that has exited
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old = 1_000_000_000  # 2001: long before this save started
        files = {
            f".model.pt.{dead}.0123456789ab.tmp": (old, False),   # writer gone
            ".model.pt.0123456789ab.tmp": (old, False),           # before pids, unchanged since
            f".model.pt.{live.pid}.0123456789ab.tmp": (old, True),  # a live writer's
            ".model.pt.ba9876543210.tmp": (None, True),           # no pid, written just now
            f".other.pt.{dead}.0123456789ab.tmp": (old, True),    # another target's
        }
        for name, (mtime, _) in files.items():
            (tmp_path / name).write_bytes(b"partial")
            if mtime:
                os.utime(tmp_path / name, (mtime, mtime))
        galton.save({"w": galton.ones(2)}, tmp_path / "model.pt")
        left = set(os.listdir(tmp_path))
        assert left == {"model.pt"} | {n for n, (_, kept) in files.items() if kept}
    finally:
        live.kill()
        live.wait()


# --- a model file's constructor arguments --------------------------------------------------
@pytest.mark.parametrize("key,value", [("num_classes", 10**9), ("hidden", [128, 10**12])])
def test_absurd_model_sizes_in_metadata_are_refused_before_allocating(run, tmp_path, key, value,
                                                                      monkeypatch):
    from galton.train import models
    folder = _copy(run, tmp_path)
    _edit(folder / "model.safetensors", lambda s: s["metadata"]["kwargs"].update({key: value}))
    built = []
    monkeypatch.setattr(models, "build_model", lambda *a, **k: built.append(a) or 1 / 0)
    with pytest.raises(ValueError) as err:
        models.load_model(folder)
    msg = str(err.value)
    assert str(folder / "model.safetensors") in msg and f"{key}=" in msg and "GiB" in msg, msg
    assert built == []  # refused before the model was built


def test_the_sizes_of_a_real_model_load(run):
    from galton.train import models
    net, meta = models.load_model(run)
    assert meta["kwargs"]
