"""examples/custom_function.py runs end to end: its gradient checks pass and the network built
on the custom ReLU learns sin(x)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_custom_function_example(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "custom_function.py"),
                           "--steps", "300"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "gradcheck MyReLU: True, ScaledExp: True" in out
    assert "largest gradient difference: 0.0e+00" in out
    assert "grad_fn of a MyReLU output: MyReLUBackward" in out
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", out)]
    assert losses[0] > 0.3 and losses[-1] < 0.002  # sin(x) learnt
