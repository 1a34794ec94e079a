"""Each CNN example runs end to end on a handful of images (a subprocess each, seconds)."""
import os
import re
import subprocess
import sys

import galton

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_example(name, *args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_mnist_cnn(tmp_path):
    weights, grid = tmp_path / "w.pth", tmp_path / "grid.png"
    out = run_example("mnist_cnn.py", "--limit", "256", "--epochs", "1", "--weights",
                      str(weights), "--grid", str(grid), cwd=tmp_path)
    assert "Training on 256 images, testing on 64 (sample); 4 steps per epoch" in out
    assert re.search(r"Epoch: 0 \| Progress: 75\.00% \| Loss: \d+\.\d{6}", out)
    assert re.search(r"Test accuracy: \d+/64 \(\d+\.\d\d%\)", out)
    assert grid.stat().st_size > 0
    # the saved weights are a galton checkpoint of the seed's Net, loadable by the zoo's twin
    from galton.vision import models
    models.mnist_cnn(weights=str(weights))
    assert set(galton.load(str(weights))) == set(models.mnist_cnn().state_dict())


def test_is_seven(tmp_path):
    out = run_example("is_seven.py", "--limit", "500", "--epochs", "1", cwd=tmp_path)
    lines = out.splitlines()
    assert re.fullmatch(r"Device: (cpu|cuda)", lines[0])
    assert lines[1:3] == ["10", "3"]  # len(train_loader), len(test_loader) at batch 50
    assert "epoch= 0 i= 0 num= 0 loss=" in out
    assert re.search(r"Accuracy of the network on the 125 test images: [\d.]+ %", out)
    assert 'Always answering "not 7" would score' in out


def test_lenet5_fashion_on_the_mnist_sample(tmp_path):
    out = run_example("lenet5_fashion.py", "--data", "mnist-sample", "--limit", "400",
                      "--epochs", "2", "--patience", "1", "--out", str(tmp_path), cwd=tmp_path)
    assert "Parameters: 61,706" in out
    assert "360 training images, 40 validation, 100 test" in out
    assert re.search(r"epoch  1 \| train loss \d\.\d{4} acc [\d. ]+% \| val loss", out)
    assert "--- summary ---" in out
    assert "without augmentation: lowest val loss" in out and "with augmentation: lowest" in out
    assert (tmp_path / "lenet5_plain.png").exists() and (tmp_path / "lenet5_augmented.png").exists()


def test_lenet5_fashion_without_data_explains(tmp_path):
    # no local copies, and every download refused at once by a proxy that is not there
    empty = tmp_path / "none"
    empty.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg", GALTON_DATASETS_PATH=str(empty),
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", no_proxy="")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "lenet5_fashion.py"),
                           "--root", str(tmp_path), "--limit", "10", "--epochs", "1"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "--data mnist-sample" in proc.stderr


def test_alexnet_shapes(tmp_path):
    out = run_example("alexnet_shapes.py", "--table", cwd=tmp_path)
    assert re.search(r"features\.0\s+Conv2d\s+\[1, 64, 55, 55\]\s+64 x 3 x 11 x 11 \+ 64 = 23,296",
                     out)
    assert re.search(r"\(flatten\)\s+\[1, 9216\]", out)
    assert re.search(r"classifier\.6\s+Linear\s+\[1, 1000\]", out)
    assert "Parameters counted by hand: 61,100,840; sum(p.numel() for p in " \
           "model.parameters()): 61,100,840" in out
    assert "Parameters counted by hand: 61,706" in out
    assert out.count("Layer-by-layer output equals model(x): True") == 2
    assert "Total params: 61,100,840" in out and "Total params: 61,706" in out


def test_transfer_experiment_at_tiny_sizes(tmp_path):
    plot, results = tmp_path / "transfer.png", tmp_path / "results.json"
    out = run_example("transfer.py", "--pretrain-data", "mnist-sample", "--pretrain-limit", "128",
                      "--pretrain-epochs", "1", "--sizes", "20,40", "--epochs", "1",
                      "--min-steps", "2", "--seeds", "1", "--test-limit", "100",
                      "--plot", str(plot), "--json", str(results), cwd=tmp_path)
    assert "Pretrained on 128 mnist-sample images, 1 epoch(s)" in out
    assert "| labelled digits | scratch | frozen | fine-tune |" in out
    assert re.search(r"\| 40 \| [\d.]+% \| [\d.]+% \| [\d.]+% \|", out)
    assert plot.stat().st_size > 0
    import json
    scores = json.loads(results.read_text())
    assert set(scores) == {"scratch", "frozen", "fine-tune"}
    assert all(0 <= v <= 1 for r in scores.values() for v in r.values())


def test_transfer_subsets_are_class_balanced():
    import importlib.util
    import numpy as np
    spec = importlib.util.spec_from_file_location("transfer_example",
                                                  os.path.join(ROOT, "examples", "transfer.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    y = np.repeat(np.arange(10), 30)
    idx = mod.balanced_subset(y, 53, np.random.default_rng(0))
    assert len(set(idx)) == 53
    assert sorted(np.bincount(y[idx], minlength=10)) == [5] * 7 + [6] * 3
