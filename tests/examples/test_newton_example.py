"""examples/newton.py: Newton's method by double backward, and a gradient-penalty step."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_newton_example_runs_and_converges(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "newton.py"),
                           "--steps", "7"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line.split() for line in proc.stdout.splitlines() if line[:4].strip().isdigit()]
    newton = [float(r[1]) for r in rows]
    gd = [float(r[2]) for r in rows]
    # DeZero's figures: 2 -> 1.4545 -> 1.1510 -> 1.0253 -> 1.0009 -> 1.0000
    assert newton[1] == pytest.approx(1.4545454545, abs=1e-9)
    assert abs(newton[-1] - 1) < 1e-12 and abs(gd[-1] - 1) > 1e-3
    assert "WGAN-GP critic step: loss" in proc.stdout
