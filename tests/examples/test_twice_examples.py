"""The three double-backward examples of the README: Newton's method, WGAN-GP, the Hessian's
spectrum. Short runs; their pictures are written and the numbers checked."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(name, *args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", name), *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_newton_picture(tmp_path):
    out = run("newton.py", "--steps", "6", "--out", str(tmp_path / "n.png"), cwd=tmp_path)
    assert (tmp_path / "n.png").stat().st_size > 10_000
    assert f"picture: {tmp_path / 'n.png'}" in out


def test_wgan_gp_trains_the_critic_towards_unit_gradients(tmp_path):
    out = run("wgan_gp.py", "--iterations", "40", "--out", str(tmp_path / "w.png"), cwd=tmp_path)
    norms = [float(m) for m in re.findall(r"mean ‖∇critic‖ ([\d.]+)", out)]
    assert len(norms) == 10
    # the penalty pulls the critic's gradient norm from its small start towards 1
    assert norms[0] < 0.8 and abs(norms[-1] - 1) < 0.2
    assert (tmp_path / "w.png").stat().st_size > 10_000


def test_hessian_spectrum_equals_pytorchs(tmp_path):
    out = run("hessian_spectrum.py", "--steps", "100", "--compare-torch", "--out",
              str(tmp_path / "h.png"), cwd=tmp_path)
    assert "Hessian 141x141" in out
    diff = float(re.search(r"max \|difference\| ([\d.e+-]+)", out).group(1))
    assert diff < 1e-9
    assert (tmp_path / "h.png").stat().st_size > 10_000
