"""Smoke tests of the sequence, attention and autoencoder examples: each runs end to end in a
subprocess with tiny flags, prints its figure and writes its pictures."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_example(name, args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_sequence_lstm(tmp_path):
    out = run_example("sequence_lstm.py", ["--epochs", "1", "--limit", "64", "--hidden", "8",
                                           "--plot", "waves.png"], tmp_path)
    for kind in ("RNN", "LSTM", "GRU"):
        assert re.search(rf"^{kind}\s.*final test MSE \d+\.\d+", out, re.M), out
    assert (tmp_path / "waves.png").stat().st_size > 0


def test_transformer_classifier(tmp_path):
    out = run_example("transformer_classifier.py", ["--epochs", "1", "--limit", "64",
                                                    "--plot", "att.png"], tmp_path)
    assert re.search(r"Final test accuracy: \d+\.\d%", out), out
    assert (tmp_path / "att.png").stat().st_size > 0


def test_autoencoder_mnist(tmp_path):
    out = run_example("autoencoder_mnist.py", ["--epochs", "1", "--limit", "256", "--out", "ae"],
                      tmp_path)
    assert "218,514 parameters" in out  # the book's figure for 784-128-64-2-64-128-784
    assert re.search(r"Final test reconstruction MSE: \d\.\d+", out), out
    assert (tmp_path / "ae" / "codes.png").exists()
    assert (tmp_path / "ae" / "reconstructions.png").exists()


def test_vae_mnist(tmp_path):
    out = run_example("vae_mnist.py", ["--epochs", "2", "--limit", "256", "--out", "vae"], tmp_path)
    elbos = [float(v) for v in re.findall(r"ELBO\s+(-?\d+\.\d+) nats/image", out)]
    assert len(elbos) == 2, out
    assert elbos[1] > elbos[0]  # the bound rises while training
    assert re.search(r"Final test ELBO: -?\d+\.\d+", out), out
    assert (tmp_path / "vae" / "samples.png").exists()


def test_conv_autoencoder(tmp_path):
    out = run_example("conv_autoencoder.py", ["--epochs", "1", "--limit", "128", "--noise", "0.5",
                                              "--out", "den"], tmp_path)
    assert re.search(r"noisy input \d\.\d+ .*denoised \d\.\d+", out), out
    assert (tmp_path / "den" / "denoising.png").exists()
