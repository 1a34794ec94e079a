"""Running a small script on several processes with ``mpiexec`` (the one the test venv's MPICH
wheel installed next to its python), with a timeout so a hung collective fails the test."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mpiexec():
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    exe = shutil.which("mpiexec", path=path)
    if exe is None:
        pytest.fail("no mpiexec next to the test python: pip install -e '.[test]' installs "
                    "mpi4py and MPICH")
    return exe


def run_ranks(tmp_path, n, source, timeout=60, args=()):
    """Run ``source`` (dedented) as a script on ``n`` MPI processes; return CompletedProcess."""
    script = tmp_path / f"prog_{n}.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(name, None)
    cmd = [mpiexec(), "-n", str(n), sys.executable, str(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=str(tmp_path))
