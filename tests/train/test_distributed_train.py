"""``galton train --nproc-per-node 2``: the seed-000 Net trained data-parallel through mpiexec on
tiny IDX files the test writes. Two processes end with the weights of one process on the whole
batch; rank 0 alone writes the run folder; a run stopped after k steps (inside an epoch) and
resumed ends exactly where an uninterrupted one does; a bad option stops every rank with one
line."""
import csv
import os
import subprocess
import sys

import numpy as np
import pytest

import galton
from galton.vision.io import write_idx

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N_TRAIN, BATCH, EPOCHS = 48, 16, 2


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """An MNIST folder in torchvision's layout: 48 train and 16 test images of 28x28."""
    root = tmp_path_factory.mktemp("data")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (N_TRAIN + 16, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, N_TRAIN + 16).astype(np.uint8)
    write_idx(raw / "train-images-idx3-ubyte.gz", images[:N_TRAIN])
    write_idx(raw / "train-labels-idx1-ubyte.gz", labels[:N_TRAIN])
    write_idx(raw / "t10k-images-idx3-ubyte.gz", images[N_TRAIN:])
    write_idx(raw / "t10k-labels-idx1-ubyte.gz", labels[N_TRAIN:])
    return root


def galton_train(cwd, *args, timeout=120):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "GALTON_DISTRIBUTED_LAUNCH", "PMI_SIZE",
                 "PMI_RANK"):
        env.pop(name, None)
    cmd = [sys.executable, "-m", "galton", "train", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=str(cwd),
                          timeout=timeout)


def common(data_root):
    return ["--model", "mnist_cnn", "--data", "mnist", "--data-root", data_root,
            "--batch-size", BATCH, "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9",
            "--no-progress"]


def weights(folder):
    return {k: v._data for k, v in galton.load(folder / "model.safetensors")["state_dict"].items()}


def reference_weights(data_root):
    """One process, no MPI: the seed-000 Net on the whole batch of 16, the batches taken in the
    DistributedSampler's order (PyTorch's randperm of seed + epoch), SGD with momentum."""
    from galton.train import build_model, load_data
    from galton.utils.data.distributed import torch_randperm
    galton.manual_seed(0)
    data = load_data("mnist", root=str(data_root), seed=0)
    model, _ = build_model("mnist_cnn", num_classes=10, input_shape=data.input_shape)
    opt = galton.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = data.train.tensors
    for epoch in range(EPOCHS):
        order = np.array(torch_randperm(N_TRAIN, epoch))
        for start in range(0, N_TRAIN, BATCH):
            idx = galton.from_numpy(order[start:start + BATCH])
            opt.zero_grad()
            galton.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    return {k: v._data for k, v in model.state_dict().items()}, model


def test_two_processes_train_as_one_on_the_whole_batch(data_root, tmp_path):
    proc = galton_train(tmp_path, "--nproc-per-node", 2, *common(data_root), "--epochs", EPOCHS,
                        "--out", "run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # rank 0 alone reports and writes
    assert proc.stdout.count("Run folder: run") == 1, proc.stdout
    assert "Trained on 2 processes" in proc.stdout
    folder = tmp_path / "run"
    assert {"model.safetensors", "last.safetensors", "history.csv", "config.json"} <= \
        set(os.listdir(folder))
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]
    state = galton.load(folder / "last.safetensors")
    assert state["world_size"] == 2 and len(state["rng_ranks"]) == 2
    assert state["global_step"] == EPOCHS * N_TRAIN // BATCH
    got = weights(folder)
    ref, _ = reference_weights(data_root)
    galton.manual_seed(0)
    start = build_start(data_root)
    assert list(got) == list(ref)
    for k in ref:
        # float32 (the CLI trains in float32): two half-batch means averaged vs the mean of the
        # whole batch differ in rounding only. Measured: at most 3e-8 (one ulp of weights up
        # to 0.33) after 6 steps; 3e-7 leaves room for other BLAS blockings, while a wrong
        # batch, shard or average moves the weights by more than 1e-4 (checked below)
        np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=3e-7, err_msg=k)
        assert np.abs(ref[k] - start[k]).max() > 1e-4, k  # training did move every tensor


def build_start(data_root):
    from galton.train import build_model
    model, _ = build_model("mnist_cnn", num_classes=10, input_shape=(1, 28, 28))
    return {k: v._data for k, v in model.state_dict().items()}


def test_stopped_after_k_steps_and_resumed_equals_uninterrupted(data_root, tmp_path):
    opts = [*common(data_root), "--scheduler", "onecycle", "--epochs", 3]
    full = galton_train(tmp_path, "--nproc-per-node", 2, *opts, "--out", "full")
    assert full.returncode == 0, full.stdout + full.stderr
    # 3 steps per epoch: stop after 4, inside the second epoch
    half = galton_train(tmp_path, "--nproc-per-node", 2, *opts, "--max-steps", 4, "--out", "half")
    assert half.returncode == 0, half.stdout + half.stderr
    assert "Stopped after 4 steps" in half.stdout and half.stdout.count("Continue with") == 1
    assert not (tmp_path / "half" / "model.safetensors").exists()
    state = galton.load(tmp_path / "half" / "last.safetensors")
    assert state["epoch"] == 1 and state["global_step"] == 4
    assert state["position"]["step"] == 1 and state["position"]["seen"] == BATCH
    resumed = galton_train(tmp_path, "--nproc-per-node", 2, "--resume",
                           tmp_path / "half" / "last.safetensors", "--no-progress")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    a, b = weights(tmp_path / "full"), weights(tmp_path / "half")
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    rows = []
    for run in ("full", "half"):
        with open(tmp_path / run / "history.csv", newline="") as f:
            rows.append([(r["epoch"], r["loss"], r["accuracy"], r["lr"])
                         for r in csv.DictReader(f)])
    assert rows[0] == rows[1] and len(rows[0]) == 3


def test_an_error_on_every_rank_stops_the_job_with_one_line(data_root, tmp_path):
    proc = galton_train(tmp_path, "--nproc-per-node", 2, *common(data_root), "--batch-size", 15,
                        "--out", "bad", timeout=60)
    assert proc.returncode != 0
    assert proc.stderr.count("failed:") == 1, proc.stderr
    assert "galton train: rank 0 failed: ValueError: --batch-size 15 is the batch of all 2 " \
           "processes together: it must be a multiple of 2" in proc.stderr, proc.stderr
