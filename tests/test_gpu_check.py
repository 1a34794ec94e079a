"""benchmarks/gpu_check.sh and gpu_bench.py, the parts a CPU can check: the script parses, picks
CuPy's wheel for the CUDA it finds, stops when there is none; the benchmark's logic runs at tiny
sizes on the CPU (no GPU here: these say nothing about GPU speed)."""
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "gpu_check.sh")
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _dry(cuda_version, tmp_path):
    env = dict(os.environ, GPU_CHECK_DRY="1", GPU_CHECK_CUDA_VERSION=cuda_version,
               GPU_CHECK_OUT=str(tmp_path), PYTHON=sys.executable)
    return subprocess.run(["bash", SCRIPT], capture_output=True, text=True, env=env, timeout=60)


def test_script_parses():
    out = subprocess.run(["bash", "-n", SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("version,package", [("12.4", "cupy-cuda12x"), ("11.8", "cupy-cuda11x"),
                                             ("13.0", "cupy-cuda13x")])
def test_dry_run_installs_the_wheel_for_the_cuda_found(version, package, tmp_path):
    out = _dry(version, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert f"gpu_check: CUDA {version} -> {package}" in lines
    assert any(ln.startswith("+ ") and f"pip install --quiet {package}" in ln for ln in lines)
    # the device tests run on the GPU, then the suite, then the benchmark against PyTorch
    runs = [ln for ln in lines if ln.startswith("+ ")]
    assert "tests/test_device_standin.py" in runs[1] and "tests" in runs[2].split()
    assert "gpu_bench.py --device cuda" in runs[3]


def test_no_cuda_stops_with_a_message(tmp_path):
    out = _dry("9.0", tmp_path)
    assert out.returncode == 2
    assert "no CUDA found" in out.stderr


def test_gpu_bench_logic_runs_tiny_on_the_cpu(tmp_path):
    pytest.importorskip("torch")
    rows = tmp_path / "rows.json"
    out = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "gpu_bench.py"),
                          "--device", "cpu", "--tiny", "--only", "mlp,lstm", "--reps", "1",
                          "--rounds", "1", "--json", str(rows)],
                         capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert out.returncode == 0, out.stdout + out.stderr
    import json
    got = json.loads(rows.read_text())
    assert [r["workload"] for r in got] == ["mlp", "lstm"]
    assert all(r["ratio"] > 0 and "error" not in r for r in got)
    assert "| mlp |" in out.stdout
