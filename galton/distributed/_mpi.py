"""The MPI engine, imported on first use: importing ``mpi4py.MPI`` starts MPI in this process,
which a program that never calls ``init_process_group`` should not pay for."""
import importlib.util

_MISSING = ("galton.distributed needs mpi4py and an MPI library: "
            "pip install 'galton[distributed]' (mpi4py and MPICH from PyPI)")


def available():
    """Whether mpi4py can be imported (without starting MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """The ``mpi4py.MPI`` module, or one clear error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise RuntimeError(_MISSING) from exc
    return MPI


def abort(status=1):
    """MPI_Abort on the whole job, a moment after the caller's last line to stderr: mpiexec
    forwards each rank's stderr through a pipe, and an abort right after the write can tear the
    job down before that line is forwarded (the "rank R failed" line of the fault tests went
    missing in a few full test runs on a loaded 2-core machine; this race is the likely cause,
    not a proven one, and the pause costs only a failing job)."""
    import sys
    import time
    sys.stderr.flush()
    time.sleep(0.2)
    mpi().COMM_WORLD.Abort(status)
