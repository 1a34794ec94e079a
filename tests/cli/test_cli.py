"""The galton command line end to end: train -> evaluate -> predict in a subprocess on small
data, the run folder's files, resume, Ctrl-C, and one clear line with exit status 2 for each
kind of bad input."""
import csv
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import galton
from galton.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TINY = """
import galton.nn as nn

class Tiny(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, num_classes))

    def forward(self, x):
        return self.net(x)

class XorNet(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.2),
                                 nn.Linear(16, num_classes))

    def forward(self, x):
        return self.net(x)

class OneLogit(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))

    def forward(self, x):
        return self.net(x)

CALLS = [0]

class CtrlC(XorNet):
    # raises KeyboardInterrupt, as Ctrl-C would, in the 5th training batch of a process
    def forward(self, x):
        if self.training:
            CALLS[0] += 1
            if CALLS[0] == 5:
                raise KeyboardInterrupt
        return super().forward(x)
"""


def galton_cli(*args, cwd=None):
    """Run ``python -m galton ARGS`` in a subprocess; returns the CompletedProcess."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-m", "galton", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "nets.py"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory, models):
    """One small run: a linear model on 256 MNIST-sample images, 1 epoch, in a subprocess."""
    folder = tmp_path_factory.mktemp("runs") / "tiny"
    p = galton_cli("train", "--model", f"{models}:Tiny", "--data", "mnist-sample", "--limit", 256,
                   "--epochs", 1, "--batch-size", 16, "--optimizer", "adam", "--lr", 0.01,
                   "--out", folder)
    assert p.returncode == 0, p.stderr
    assert "Test accuracy:" in p.stdout and "Traceback" not in p.stderr
    assert "Epoch 1/1" in p.stderr and "loss " in p.stderr  # the progress bar
    return folder


def digit_pictures(folder, n=3):
    """Test digits as a user would give them: dark ink on white, larger, RGB or grey, PNG and
    JPEG, off-centre."""
    from PIL import Image
    test = galton.vision.datasets.MNISTSample(train=False)
    paths = []
    for i in range(n):
        ink = Image.fromarray(255 - test.data._data[i]).resize((90, 110))
        canvas = Image.new("L", (160, 150), 255)
        canvas.paste(ink, (20 + 10 * i, 15))
        path = folder / (f"digit{i}.jpg" if i == 1 else f"digit{i}.png")
        (canvas.convert("RGB") if i == 2 else canvas).save(path)
        paths.append(path)
    return paths, [int(t) for t in test.targets._data[:n]]


# --- the happy path ----------------------------------------------------------------------------
def test_train_writes_a_complete_run_folder(run):
    from PIL import Image
    for name in ("config.json", "best.safetensors", "last.safetensors", "model.safetensors",
                 "history.csv", "metrics.json", "training_curves.png", "predictions.png",
                 "confusion_matrix.png"):
        assert (run / name).is_file(), name
    config = json.loads((run / "config.json").read_text())
    assert config["limit"] == 256 and config["optimizer"] == "adam" and config["batch_size"] == 16
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["samples"] == 2000 and 0.5 < metrics["accuracy"] <= 1.0
    assert len(metrics["per_class"]) == 10 and np.sum(metrics["confusion_matrix"]) == 2000
    with open(run / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["epoch"] == "1" and float(rows[0]["loss"]) > 0
    for name, min_w, min_h in (("training_curves.png", 300, 200), ("predictions.png", 800, 400),
                               ("confusion_matrix.png", 400, 400)):
        with Image.open(run / name) as img:
            assert img.format == "PNG" and img.width >= min_w and img.height >= min_h, name
    with Image.open(run / "predictions.png") as img:  # a grid of 8 columns by 4 rows
        assert img.width > img.height


def test_model_file_holds_weights_and_metadata(run):
    from galton.train import load_model
    from galton.train.models import read_model_metadata
    model, meta = load_model(run, model=read_model_metadata(run)["spec"])
    assert meta["classes"][7] == "7 - seven" and meta["input_shape"] == [1, 28, 28]
    assert meta["mean"] == [0.5] and meta["std"] == [0.5] and meta["preprocess"] == "digits"
    assert meta["galton_version"] == galton.__version__ and meta["spec"].endswith(":Tiny")
    assert meta["metrics"]["accuracy"] == json.loads((run / "metrics.json").read_text())[
        "accuracy"]
    assert not model.training


def test_evaluate_prints_the_report_and_writes_metrics(run, models):
    (run / "metrics.json").unlink()
    p = galton_cli("evaluate", run, "--model", f"{models}:Tiny")
    assert p.returncode == 0, p.stderr
    assert "precision" in p.stdout and "confusion matrix" in p.stdout and "9 - nine" in p.stdout
    assert json.loads((run / "metrics.json").read_text())["samples"] == 2000


def test_predict_labels_user_images(run, models, tmp_path):
    paths, labels = digit_pictures(tmp_path)
    p = galton_cli("predict", run, *paths, "--json", "--model", f"{models}:Tiny")
    assert p.returncode == 0, p.stderr
    rows = json.loads(p.stdout)
    assert [r["file"] for r in rows] == [str(x) for x in paths]
    for r in rows:
        assert 0 < r["confidence"] <= 1 and r["label"].startswith(str(r["index"]))
    # a linear model after one epoch on 256 images still reads most clear digits
    assert sum(r["index"] == t for r, t in zip(rows, labels)) >= 2
    p = galton_cli("predict", run, paths[0], "--top", 3, "--model", f"{models}:Tiny")
    assert p.returncode == 0 and p.stdout.startswith(f"{paths[0]}: ") and "%" in p.stdout


def test_info_shows_metadata_and_tensors(run, capsys):
    assert main(["info", str(run / "model.safetensors")]) == 0
    text = capsys.readouterr().out
    assert "galton model file" in text and "net.1.weight" in text and "(10, 784)" in text
    assert main(["info", str(run / "last.safetensors"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "galton training checkpoint" and info["metadata"]["epoch"] == 1


def test_zoo_cnn_trains_from_the_command_line(tmp_path):
    p = galton_cli("train", "--model", "mnist_cnn", "--data", "mnist-sample", "--limit", 256,
                   "--epochs", 1, "--optimizer", "sgd", "--lr", 0.01, "--momentum", 0.9,
                   "--no-progress", "--out", tmp_path / "cnn")
    assert p.returncode == 0, p.stderr
    meta = galton.train.models.read_model_metadata(tmp_path / "cnn")
    assert meta["spec"] == "mnist_cnn" and meta["kwargs"] == {"num_classes": 10}


# --- resume and Ctrl-C -------------------------------------------------------------------------
def weights(folder):
    return {k: v._data for k, v in galton.load(folder / "model.safetensors")["state_dict"].items()}


def test_resume_gives_the_weights_of_an_uninterrupted_run(models, tmp_path):
    common = ["--model", f"{models}:XorNet", "--data", "xor", "--optimizer", "sgd", "--lr", "0.1",
              "--momentum", "0.9", "--scheduler", "step", "--step-size", "1", "--no-progress"]
    assert main(["train", *common, "--epochs", "2", "--out", str(tmp_path / "full")]) == 0
    assert main(["train", *common, "--epochs", "1", "--out", str(tmp_path / "half")]) == 0
    galton.manual_seed(1234)
    assert main(["train", "--resume", str(tmp_path / "half" / "last.safetensors"),
                 "--epochs", "2", "--no-progress", "--model", f"{models}:XorNet"]) == 0
    a, b = weights(tmp_path / "full"), weights(tmp_path / "half")
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    with open(tmp_path / "half" / "history.csv", newline="") as f:
        assert [r["epoch"] for r in csv.DictReader(f)] == ["1", "2"]


def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(models, tmp_path, capsys):
    folder = tmp_path / "run"
    rc = main(["train", "--model", f"{models}:CtrlC", "--data", "xor", "--epochs", "2",
               "--batch-size", "100", "--no-progress", "--out", str(folder)])
    assert rc == 130
    assert (folder / "interrupted.safetensors").is_file()
    assert not (folder / "model.safetensors").exists()
    assert f"--resume {folder / 'interrupted.safetensors'} --epochs 2 --model {models}:CtrlC" in \
        capsys.readouterr().out
    # the interrupt came in the first epoch's 5th batch: no epoch was finished yet
    assert galton.load(folder / "interrupted.safetensors")["epoch"] == 0
    rc = main(["train", "--resume", str(folder / "interrupted.safetensors"), "--no-progress",
               "--model", f"{models}:CtrlC"])
    assert rc == 0 and (folder / "model.safetensors").is_file()


# --- other data and options --------------------------------------------------------------------
def test_binary_model_with_one_logit_and_early_stopping(models, tmp_path, capsys):
    folder = tmp_path / "bin"
    assert main(["train", "--model", f"{models}:OneLogit", "--data", "xor", "--epochs", "3",
                 "--optimizer", "adam", "--lr", "0.05", "--early-stopping", "2",
                 "--no-progress", "--out", str(folder)]) == 0
    meta = galton.train.models.read_model_metadata(folder)
    assert meta["loss"] == "bce"
    with open(folder / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert "val_loss" in rows[0] and json.loads((folder / "config.json").read_text())[
        "val_split"] == 0.1
    assert json.loads((folder / "metrics.json").read_text())["accuracy"] > 0.9
    capsys.readouterr()
    assert main(["evaluate", str(folder), "--model", f"{models}:OneLogit"]) == 0
    assert "accuracy" in capsys.readouterr().out


def tensorboard_scalars(folder):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_tensorboard_flag_logs_one_scalar_per_epoch(models, tmp_path, capsys):
    folder = tmp_path / "tb_run"
    assert main(["train", "--model", f"{models}:XorNet", "--data", "xor", "--epochs", "3",
                 "--val-split", "0.2", "--no-progress", "--tensorboard", "--out",
                 str(folder)]) == 0
    assert f"TensorBoard logs: {folder / 'tensorboard'}" in capsys.readouterr().out
    assert len(list((folder / "tensorboard").glob("events.out.tfevents.*"))) == 1
    scalars = tensorboard_scalars(folder / "tensorboard")
    assert {"loss/train", "loss/val", "accuracy/train", "accuracy/val", "lr"} <= set(scalars)
    with open(folder / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for tag, key in [("loss/train", "loss"), ("loss/val", "val_loss"), ("lr", "lr")]:
        assert [step for step, _ in scalars[tag]] == [1, 2, 3]
        np.testing.assert_allclose([v for _, v in scalars[tag]], [float(r[key]) for r in rows],
                                   rtol=1e-6)


def test_tensorboard_flag_takes_a_folder_and_is_off_by_default(models, tmp_path):
    logs = tmp_path / "elsewhere" / "tb"
    assert main(["train", "--model", f"{models}:XorNet", "--data", "xor", "--epochs", "2",
                 "--no-progress", "--tensorboard", str(logs), "--out",
                 str(tmp_path / "a")]) == 0
    assert [s for s, _ in tensorboard_scalars(logs)["loss/train"]] == [1, 2]
    assert not (tmp_path / "a" / "tensorboard").exists()
    assert main(["train", "--model", f"{models}:XorNet", "--data", "xor", "--epochs", "1",
                 "--no-progress", "--out", str(tmp_path / "b")]) == 0
    assert not (tmp_path / "b" / "tensorboard").exists()
    assert not list((tmp_path / "b").rglob("events.out.tfevents.*"))


def test_image_folder_dataset_and_prediction(models, tmp_path, capsys):
    from PIL import Image, ImageDraw
    rng = np.random.default_rng(0)
    for cls in ("circle", "square"):
        (tmp_path / "shapes" / cls).mkdir(parents=True)
        for i in range(12):
            img = Image.new("RGB", (40, 32), (255, 255, 255))
            d = ImageDraw.Draw(img)
            x, y = rng.integers(2, 12, size=2)
            box = (x, y, x + 18, y + 16)
            (d.ellipse if cls == "circle" else d.rectangle)(box, fill=(200, 30, 30))
            img.save(tmp_path / "shapes" / cls / f"{i}.png")
    nets = tmp_path / "shape_net.py"
    nets.write_text(textwrap.dedent("""
        import galton.nn as nn
        class ShapeNet(nn.Module):
            def __init__(self, num_classes, in_channels):
                super().__init__()
                self.net = nn.Sequential(nn.Conv2d(in_channels, 4, 3), nn.ReLU(), nn.Flatten(),
                                         nn.Linear(4 * 14 * 14, num_classes))
            def forward(self, x):
                return self.net(x)
    """))
    folder = tmp_path / "run"
    assert main(["train", "--model", f"{nets}:ShapeNet", "--data", str(tmp_path / "shapes"),
                 "--image-size", "16", "16", "--epochs", "1", "--no-progress",
                 "--out", str(folder)]) == 0
    meta = galton.train.models.read_model_metadata(folder)
    assert meta["classes"] == ["circle", "square"] and meta["input_shape"] == [3, 16, 16]
    assert meta["kwargs"] == {"num_classes": 2, "in_channels": 3}
    capsys.readouterr()
    assert main(["predict", str(folder), str(tmp_path / "shapes" / "square" / "0.png"),
                 "--model", f"{nets}:ShapeNet"]) == 0
    out = capsys.readouterr().out
    assert out.split(": ")[1].split(" (")[0] in ("circle", "square")


def test_summary_data_and_help(capsys):
    assert main(["summary", "mnist_cnn", "--input-size", "1", "28", "28"]) == 0
    assert "Total params: 225,034" in capsys.readouterr().out
    assert main(["data", "list"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in ("mnist-sample", "mnist", "fashion-mnist", "cifar10", "xor"))
    assert main(["data", "info", "mnist-sample", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["available"] and info["input_shape"] == [1, 28, 28] and len(info["classes"]) == 10
    for command in ("train", "evaluate", "predict", "summary", "data", "info"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        assert "examples:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--version"])
    assert galton.__version__ in capsys.readouterr().out


# --- bad input: one clear line on stderr, exit status 2 ----------------------------------------
@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "corrupt.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    (folder / "not_an_image.png").write_text("hello")
    galton.save({"w": galton.zeros(2)}, folder / "weights.safetensors")
    return folder


CASES = [
    (["train", "--model", "no_such_net", "--data", "xor"], "unknown model 'no_such_net'",
     "mnist_cnn"),
    (["train", "--model", "mlp", "--data", "no_such_data"], "unknown dataset 'no_such_data'",
     "mnist-sample"),
    (["train", "--model", "mnist_cnn", "--data", "xor"], "cannot take the inputs of xor", "(2,)"),
    (["train", "--model", "{models}:Missing", "--data", "xor"], "has no class 'Missing'",
     "OneLogit"),
    (["train", "--model", "{bad}/nowhere.py:Net", "--data", "xor"], "not found", "nowhere.py"),
    (["train", "--data", "xor"], "--model required", "--resume"),
    (["train", "--resume", "{bad}/weights.safetensors"], "not a galton training checkpoint",
     "weights.safetensors"),
    (["evaluate", "{bad}/no_run"], "not found", "no_run"),
    (["predict", "{bad}/no_run", "x.png"], "not found", "no_run"),
    (["predict", "{bad}/corrupt.safetensors", "x.png"], "corrupt.safetensors", "galton.load"),
    (["predict", "{bad}/weights.safetensors", "x.png"], "not a galton model file", "weights"),
    (["predict", "{run}", "{bad}/not_an_image.png", "--model", "{models}:Tiny"],
     "cannot read image", "not_an_image.png"),
    (["predict", "{run}", "{bad}/missing.png", "--model", "{models}:Tiny"], "cannot read image",
     "no such file"),
    (["info", "{bad}/corrupt.safetensors"], "corrupt.safetensors", "galton.load"),
    (["info", "{bad}/none.safetensors"], "not found", "none.safetensors"),
    (["summary", "mnist_cnn", "--input-size", "3", "32", "32"], "cannot take an input",
     "[1, 3, 32, 32]"),
    (["summary", "no_such_net", "--input-size", "1", "28", "28"], "unknown model", "lenet5"),
    (["data", "info", "no_such_data"], "unknown dataset", "cifar10"),
    (["data", "fetch"], "needs a dataset NAME", "mnist"),
]


@pytest.mark.parametrize("argv,phrase,detail", CASES, ids=[" ".join(c[0][:2]) + f"-{i}"
                                                           for i, c in enumerate(CASES)])
def test_bad_input_gets_one_line_and_exit_2(argv, phrase, detail, bad_files, models, run,
                                            capsys):
    argv = [a.format(bad=bad_files, models=models, run=run) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"galton {argv[0]}: error: ")
    assert phrase in lines[0] and detail in lines[0], lines[0]


def test_bad_input_in_a_real_process_has_no_traceback(bad_files):
    p = galton_cli("train", "--model", "mlp", "--data", "no_such_data")
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.strip().splitlines() == [p.stderr.strip()]
    p = galton_cli("train", "--model", "mlp", "--data", "xor", "--optimizer", "lbfgs")
    assert p.returncode == 2 and "invalid choice" in p.stderr  # argparse's own usage error


# --- preparing a user's picture (galton.vision.preprocess, what predict uses) -----------------
def test_prepare_digit_inverts_fits_and_centres():
    from PIL import Image
    from galton.vision.preprocess import prepare, prepare_digit
    a = np.full((200, 100), 255, np.uint8)
    a[20:120, 10:40] = 0  # a dark bar, high and to the left, on white paper
    out = prepare_digit(Image.fromarray(a))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out[0].max() == 0 and out[:, 0].max() == 0  # background black after inverting
    rows, cols = np.nonzero(out > 0.5)
    assert rows.max() - rows.min() + 1 in (19, 20, 21)  # the ink's long side fills 20 pixels
    ys, xs = np.indices(out.shape)
    cy, cx = (ys * out).sum() / out.sum(), (xs * out).sum() / out.sum()
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centre of mass in the middle
    x = prepare(Image.fromarray(a).convert("RGB"), (1, 28, 28), "digits", (0.5,), (0.5,))
    np.testing.assert_allclose(x[0], (out - 0.5) / 0.5, atol=1e-6)
    assert prepare_digit(Image.new("L", (50, 50), 255)).max() == 0  # a blank page


def test_prepare_reads_transparent_drawings_and_keeps_light_on_dark():
    from PIL import Image
    from galton.vision.preprocess import prepare_digit
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[10:50, 30:36, 3] = 255  # black strokes on a transparent canvas
    out = prepare_digit(Image.fromarray(rgba, "RGBA"))
    assert out.max() == pytest.approx(1.0) and out[0].max() == 0
    light = np.zeros((64, 64), np.uint8)
    light[10:50, 30:36] = 255  # already MNIST-like: not inverted
    np.testing.assert_allclose(prepare_digit(Image.fromarray(light)), out, atol=1e-5)


def test_fit_image_crops_to_the_aspect_and_resizes():
    from PIL import Image
    from galton.vision.preprocess import fit_image, load_image, ImageReadError
    img = Image.new("RGB", (60, 20), (255, 0, 0))
    out = fit_image(img, (8, 8), 3)
    assert out.shape == (3, 8, 8)
    np.testing.assert_allclose(out[:, 4, 4], [1, 0, 0], atol=1e-6)
    assert fit_image(img, (8, 8), 1).shape == (1, 8, 8)
    with pytest.raises(ImageReadError, match="cannot read image uploaded data"):
        load_image(b"not a picture")
