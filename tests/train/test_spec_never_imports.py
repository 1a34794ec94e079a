"""A run folder or checkpoint whose metadata names a Python file never makes galton import it:
only the user's own --model does."""
import textwrap

import pytest

import galton
from galton.cli import main
from galton.train.models import load_model, save_model

EVIL = """
import pathlib
pathlib.Path({marker!r}).write_text("imported")
import galton.nn as nn

class Net(nn.Module):
    def __init__(self, num_classes=2):
        super().__init__()
        self.fc = nn.Linear(2, num_classes)

    def forward(self, x):
        return self.fc(x)
"""


@pytest.fixture
def hostile_run(tmp_path):
    """A run folder whose metadata says its model is Net of /…/evil.py, which writes a marker
    file when imported, with weights that fit that Net."""
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.py"
    evil.write_text(textwrap.dedent(EVIL.format(marker=str(marker))))
    folder = tmp_path / "run"
    folder.mkdir()
    weights = galton.nn.Linear(2, 2)
    holder = galton.nn.Module()
    holder.fc = weights
    meta = {"spec": f"{evil}:Net", "kwargs": {"num_classes": 2}, "loss": "ce",
            "classes": ["a", "b"], "input_shape": [2], "dataset": "xor"}
    save_model(str(folder / "model.safetensors"), holder, meta)
    config = {"model": f"{evil}:Net", "data": "xor", "epochs": 1}
    galton.save({"format": "galton-training-state/1", "epoch": 1,
                 "metadata": {"config": config, "model": meta}},
                folder / "last.safetensors")
    return folder, evil, marker


def test_load_model_refuses_a_file_spec_from_metadata(hostile_run):
    folder, evil, marker = hostile_run
    with pytest.raises(ValueError, match="never imports a file because a checkpoint names it") \
            as err:
        load_model(folder)
    assert f"--model {evil}:Net" in str(err.value) and "\n" not in str(err.value)
    assert not marker.exists()
    # the user's own choice imports it, as `galton train --model evil.py:Net` would
    model, _ = load_model(folder, model=f"{evil}:Net")
    assert marker.exists() and type(model).__name__ == "Net"


@pytest.mark.parametrize("argv", [
    ["predict", "{run}", "{run}/x.png"],
    ["evaluate", "{run}"],
    ["train", "--resume", "{run}/last.safetensors"],
])
def test_the_cli_refuses_it_in_one_line(hostile_run, capsys, argv):
    folder, evil, marker = hostile_run
    assert main([a.format(run=folder) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never imports a file" in err[0] and f"--model {evil}:Net" in err[0]
    assert not marker.exists()


def test_serve_refuses_it(hostile_run):
    pytest.importorskip("PIL")
    from galton.serve import ModelLoadError, Predictor
    folder, evil, marker = hostile_run
    with pytest.raises(ModelLoadError, match="never imports a file"):
        Predictor.load(folder)
    assert not marker.exists()
