"""``galton run --nproc-per-node N script.py``: torchrun's stand-in, on MPI.

The launcher starts N copies of ``python -m galton.run script.py`` through ``mpiexec`` (the
MPI library's own launcher: MPICH's Hydra or Open MPI's), so ranks, the world size and the
wiring between the processes come from MPI. Each copy sets the variables a torchrun program
reads (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``) from MPI's
own before the program starts. A rank whose program fails prints one line naming the rank and
its error and aborts the MPI job, so the other ranks cannot wait forever in a collective.
"""
import os
import shutil
import subprocess
import sys

__all__ = ["launch", "launch_command", "set_rank_environment", "abort_job"]

_LAUNCHED = "GALTON_DISTRIBUTED_LAUNCH"
# the rank variables of MPICH/Hydra (PMI_*, MPI_LOCALRANKID) and Open MPI (OMPI_COMM_WORLD_*)
_RANK = ("PMI_RANK", "OMPI_COMM_WORLD_RANK")
_SIZE = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
_LOCAL = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK")


def find_mpiexec():
    """The ``mpiexec`` next to this python (the MPICH wheel's), else the one on PATH."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    return shutil.which("mpiexec", path=path)


def launch(nproc, script, args=(), data=(), hostfile=None, master_addr="127.0.0.1",
           master_port=29500):
    """Run ``script`` on ``nproc`` processes; return the job's exit status."""
    argv = ["-m", "galton.run"]
    for d in data:
        argv += ["--data", d]
    return launch_command(nproc, [*argv, script, *args], hostfile, master_addr, master_port)


def launch_command(nproc, argv, hostfile=None, master_addr="127.0.0.1", master_port=29500,
                   prog="galton run"):
    """Run ``python *argv`` on ``nproc`` processes through mpiexec (each knows it was
    launched: ``set_rank_environment`` gives it its rank); return the job's exit status."""
    if nproc < 1:
        print(f"{prog}: error: --nproc-per-node must be at least 1, got {nproc}",
              file=sys.stderr, flush=True)
        return 2
    exe = find_mpiexec()
    if exe is None:
        print(f"{prog}: error: --nproc-per-node needs mpiexec: pip install "
              "'galton[distributed]' (mpi4py and MPICH)", file=sys.stderr, flush=True)
        return 2
    cmd = [exe, "-n", str(nproc)]
    if hostfile:
        cmd += ["-f", hostfile]
    cmd += [sys.executable, *argv]
    env = dict(os.environ, MASTER_ADDR=str(master_addr), MASTER_PORT=str(master_port))
    env[_LAUNCHED] = "1"
    return subprocess.call(cmd, env=env)


def _first(names, default=None):
    for n in names:
        if os.environ.get(n, "") != "":
            return os.environ[n]
    return default


def set_rank_environment():
    """In a process the launcher started: RANK, WORLD_SIZE, LOCAL_RANK from MPI's variables.
    Returns this rank, or None outside the launcher."""
    if os.environ.get(_LAUNCHED) != "1":
        return None
    rank = _first(_RANK, "0")
    os.environ["RANK"] = rank
    os.environ["WORLD_SIZE"] = _first(_SIZE, "1")
    os.environ["LOCAL_RANK"] = _first(_LOCAL, rank)
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")
    return int(rank)


def abort_job(rank, exc, status, prog="galton run"):
    """One line naming the rank and its error, then MPI_Abort: every rank of the job stops."""
    what = f"{type(exc).__name__}: {exc}" if exc is not None else f"exit status {status}"
    print(f"{prog}: rank {rank} failed: {what}", file=sys.stderr, flush=True)
    if "mpi4py.MPI" in sys.modules:  # MPI started: end the whole job now
        from ..distributed import _mpi
        _mpi.abort(status or 1)
    return status
