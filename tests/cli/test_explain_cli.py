"""`galton explain` and `galton evaluate --explain N` on a small CNN trained for one epoch."""
import json

import numpy as np
import pytest
from PIL import Image

import galton
from galton.cli import main

NETS = """
import galton.nn as nn

class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(4)
        self.fc = nn.Linear(8 * 6 * 6, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.relu(self.conv1(x))).flatten(1))
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    (folder / "nets.py").write_text(NETS)
    code = main(["train", "--model", f"{folder / 'nets.py'}:SmallCNN", "--data", "mnist-sample",
                 "--limit", "512", "--epochs", "1", "--batch-size", "32", "--optimizer", "adam",
                 "--lr", "0.003", "--out", str(folder / "run")])
    assert code == 0
    return folder / "run"


def model(run):
    """The run folder and the model class it was trained with, as each command names them
    (galton never imports a file because a run folder names it)."""
    return [str(run), "--model", f"{run.parent / 'nets.py'}:SmallCNN"]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """Two test digits as a user draws them: dark ink on white, 84×84."""
    folder = tmp_path_factory.mktemp("digits")
    test = galton.vision.datasets.MNISTSample(train=False)
    paths = []
    for i in range(2):
        path = folder / f"digit{i}.png"
        Image.fromarray(255 - test.data._data[i]).resize((84, 84)).save(path)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("method", ["saliency", "ig", "gradcam", "occlusion", "shap"])
def test_explain_writes_overlays_and_prints_the_class(run, digits, tmp_path, capsys, method):
    assert main(["predict", *model(run), *digits, "--json"]) == 0
    predicted = json.loads(capsys.readouterr().out)
    assert main(["explain", *model(run), *digits, "--method", method, "--out",
                 str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for path, p in zip(digits, predicted):
        assert f"{path}: {p['label']} ({100 * p['confidence']:.1f}%)" in text
        png = tmp_path / (path.rsplit("/", 1)[1][:-4] + f"_{method}.png")
        assert f"wrote {png}" in text
        with Image.open(png) as img:
            assert img.format == "PNG" and img.width > 200
    if method == "ig":
        assert text.count("the completeness delta") == 2


def test_explain_a_chosen_class_and_all_methods(run, digits, tmp_path, capsys):
    assert main(["explain", *model(run), digits[0], "--method", "all", "--target", "7",
                 "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "explaining class 7 (" in text
    with Image.open(tmp_path / "digit0_all.png") as img:
        assert img.width > 4 * img.height  # input + five methods in a row
    assert main(["explain", *model(run), digits[0], "--target", "7 - seven", "--out",
                 str(tmp_path)]) == 0
    assert "explaining class 7 (" in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["--target", "11"], "--target 11 is out of range: the model has 10 classes"),
    (["--target", "eleven"], "--target 'eleven' is neither a class index nor a class name"),
    (["--method", "gradcam", "--layer", "conv7"], "no layer named 'conv7'"),
    (["--alpha", "2"], "--alpha must be between 0 and 1"),
])
def test_explain_errors_are_one_line(run, digits, tmp_path, capsys, args, message):
    assert main(["explain", *model(run), digits[0], "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_explain_missing_image(run, tmp_path, capsys):
    assert main(["explain", *model(run), str(tmp_path / "nothing.png")]) == 2
    assert "nothing.png" in capsys.readouterr().err


def test_evaluate_explain_draws_the_confident_mistakes(run, tmp_path, capsys):
    assert main(["evaluate", *model(run), "--explain", "6", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "the 6 most confidently wrong test images with their gradcam" in text
    with Image.open(tmp_path / "mistakes_explained.png") as img:
        assert img.width > img.height > 100
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["accuracy"] < 1.0
    assert main(["evaluate", *model(run), "--explain", "-1"]) == 2


def test_confident_mistakes_are_the_most_confident():
    from galton.cli.evaluate import confident_mistakes
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.3, 0.7]])
    y_pred, y = probs.argmax(1), np.array([0, 0, 1, 0, 1])
    assert confident_mistakes(probs, y_pred, y, 5).tolist() == [3, 1, 2]
    assert confident_mistakes(probs, y_pred, y, 2).tolist() == [3, 1]
    assert confident_mistakes(probs, y_pred, y_pred, 2).tolist() == []
