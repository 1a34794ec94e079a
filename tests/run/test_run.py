"""``galton run`` end to end, each in a subprocess: a small PyTorch program, unchanged, trains
on galton; --data points torchvision's constructors at a local copy; a missing API is one line
with the program's file:line and exit status 3; the program's own errors keep their
traceback (without galton's frames) and Python's exit statuses."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from galton.vision.io import write_idx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# written as a PyTorch course would write it: nothing in it names galton
PROGRAM = """
import argparse
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
import helper                      # a module next to the script, as python finds it

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
print("argv", sys.argv[1:], __name__, helper.NAME)

torch.manual_seed(0)
tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
train = datasets.MNIST("../data", train=True, download=True, transform=tf)
test = datasets.MNIST("../data", train=False, transform=tf)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(args.epochs):
    for x, y in DataLoader(train, batch_size=100, shuffle=True):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        for p in model.parameters():          # the .data idiom of course code
            p.data.add_(p.grad, alpha=-0.0)
        opt.step()
with torch.no_grad():
    x, y = next(iter(DataLoader(test, batch_size=len(test))))
    acc = (model(x).argmax(1) == y).float().mean().item()
print("sizes", len(train), len(test), "accuracy", round(acc, 3))
"""


def galton_run(*args, cwd, module=("galton", "run")):
    """``python -m galton run ARGS`` (or ``python -m galton.run``) in a subprocess."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ROOT}
    env.pop("GALTON_DEBUG", None)
    cmd = [sys.executable, "-m", *(("galton", "run") if module == ("galton", "run")
                                   else ("galton.run",)), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def _write(folder, name, body):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


def test_a_pytorch_program_trains_unchanged_on_the_mnist_sample(tmp_path):
    prog = _write(tmp_path / "prog", "main.py", PROGRAM)
    _write(tmp_path / "prog", "helper.py", "NAME = 'helper'\n")
    res = galton_run("--data", "mnist=mnist-sample", prog, "--epochs", "1", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"argv ['--epochs', '1'] __main__ helper" in res.stdout
    sizes = res.stdout.split("sizes ")[1].split()
    assert sizes[:2] == ["8000", "2000"]
    assert float(sizes[3]) > 0.85  # one epoch of a linear model on the sample
    # the redirection is said, once per split, never silent
    assert res.stderr.count("reads mnist-sample") == 2


def test_python_dash_m_galton_run_and_a_folder_of_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=12).astype(np.uint8)
    raw = tmp_path / "fashion" / "FashionMNIST" / "raw"  # torchvision's layout under the folder
    raw.mkdir(parents=True)
    write_idx(raw / "t10k-images-idx3-ubyte.gz", images)
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", labels)
    write_idx(raw / "train-images-idx3-ubyte.gz", images[:5])
    write_idx(raw / "train-labels-idx1-ubyte.gz", labels[:5])
    prog = _write(tmp_path, "fash.py", """
        from torchvision.datasets import FashionMNIST
        ds = FashionMNIST("elsewhere", train=False, download=True)
        print(len(ds), int(ds.data.sum()), isinstance(ds, FashionMNIST))
        print(ds.targets.tolist())
    """)
    res = galton_run("--data", f"fashion={tmp_path / 'fashion'}", prog, cwd=tmp_path,
                     module=("galton.run",))
    assert res.returncode == 0, res.stderr
    first, second = res.stdout.splitlines()
    assert first.split() == ["12", str(int(images.sum(dtype=np.int64))), "True"]
    assert second == str(labels.tolist())


@pytest.mark.parametrize("flag, message", [
    ("cifar=x", "unknown dataset 'cifar'"),
    ("fashion=mnist-sample", "mnist-sample holds MNIST digits, not FashionMNIST"),
    ("mnist=/no/such/folder", "/no/such/folder is not a folder"),
    ("mnist", "expected NAME=SOURCE"),
])
def test_bad_data_flags_are_one_line_and_status_2(tmp_path, flag, message):
    prog = _write(tmp_path, "p.py", "print('ran')\n")
    res = galton_run("--data", flag, prog, cwd=tmp_path)
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and message in res.stderr


def test_a_missing_api_is_one_line_with_file_line_and_status_3(tmp_path):
    prog = _write(tmp_path, "gpu.py", """
        import torch

        print("before")
        if torch.no_such_accelerator.is_available():
            print("never")
    """)
    res = galton_run(prog, cwd=tmp_path)
    assert res.returncode == 3 and res.stdout == "before\n"
    assert res.stderr.startswith(f"galton run: {prog}:5: torch.no_such_accelerator is not in "
                                 f"galton")
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def test_program_errors_keep_their_traceback_without_galton_frames(tmp_path):
    prog = _write(tmp_path, "bad.py", """
        import torch

        def shapes():
            return torch.ones(2, 3) @ torch.ones(2, 3)

        shapes()
    """)
    res = galton_run(prog, cwd=tmp_path)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert f'File "{prog}", line 7' in res.stderr and f'File "{prog}", line 5' in res.stderr
    assert os.path.join(ROOT, "galton") not in res.stderr
    assert lines[-1].startswith("RuntimeError") or lines[-1].startswith("ValueError")


@pytest.mark.parametrize("body, status, err", [
    ("import sys\nsys.exit(5)\n", 5, ""),
    ("import sys\nsys.exit('bye')\n", 1, "bye\n"),
    ("raise SystemExit\n", 0, ""),
    ("def f(:\n", 1, "SyntaxError"),
])
def test_exit_statuses_are_pythons(tmp_path, body, status, err):
    prog = _write(tmp_path, "p.py", body)
    res = galton_run(prog, cwd=tmp_path)
    assert res.returncode == status
    assert err in res.stderr


def test_a_missing_script_is_status_2(tmp_path):
    res = galton_run(tmp_path / "nope.py", cwd=tmp_path)
    assert res.returncode == 2 and "nope.py: No such file or directory" in res.stderr
