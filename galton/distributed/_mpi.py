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
