"""The rank-aware side of a training run: ``galton train --nproc-per-node N`` (or ``mpiexec -n
N galton train ...``) trains data-parallel, every rank on its shard of each batch.

A training run is distributed when it runs inside ``galton run``/``galton train``'s MPI
launcher (even with one process) or when MPI started several copies of it. Then every rank
loads the data and builds the model the same way, ``DistributedDataParallel`` averages the
gradients, a ``DistributedSampler`` cuts each global batch of ``--batch-size`` samples into
one slice per rank, and rank 0 alone prints, writes the run folder and its checkpoints.
Everything here is a no-op answer (rank 0 of 1) outside a distributed run.
"""
import os

import numpy as np

from ..run import _launch

__all__ = ["active", "setup", "rank", "world_size", "is_main", "all_sum", "all_rng_states",
           "barrier", "abort"]

# MPI's own count of processes: MPICH/Hydra, Open MPI, Slurm's PMI
_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


def active():
    """Whether this training process is one rank of a distributed run."""
    if os.environ.get(_launch._LAUNCHED) == "1":
        return True
    return any(int(os.environ.get(v) or 1) > 1 for v in _SIZE_VARS)


def setup():
    """Join the process group (once); returns (rank, world size)."""
    from .. import distributed as dist
    _launch.set_rank_environment()
    if not dist.is_initialized():
        dist.init_process_group("mpi")
    return dist.get_rank(), dist.get_world_size()


def _dist():
    from .. import distributed as dist
    return dist if dist.is_initialized() else None


def rank():
    """This process's rank (0 outside a distributed run)."""
    d = _dist()
    return d.get_rank() if d else 0


def world_size():
    """How many ranks train together (1 outside a distributed run)."""
    d = _dist()
    return d.get_world_size() if d else 1


def is_main():
    """Rank 0: the one that prints and writes files."""
    return rank() == 0


def all_sum(values):
    """The sums of ``values`` (floats) over every rank, identical on every rank: reduced in
    float64, then rank 0's result broadcast, so decisions taken on them (early stopping, the
    best checkpoint) are the same everywhere."""
    d = _dist()
    if d is None or d.get_world_size() == 1:
        return [float(v) for v in values]
    from ..tensor import Tensor
    t = Tensor._wrap(np.asarray(values, dtype=np.float64))
    d.all_reduce(t)
    d.broadcast(t, src=0)
    return [float(v) for v in t._data]


def all_rng_states(state):
    """Every rank's RNG state (JSON-able dicts), in rank order; ``[state]`` outside a run."""
    d = _dist()
    if d is None or d.get_world_size() == 1:
        return [state]
    states = [None] * d.get_world_size()
    d.all_gather_object(states, state)
    return states


def barrier():
    d = _dist()
    if d is not None and d.get_world_size() > 1:
        d.barrier()


def abort(exc, status):
    """A rank that fails: one line naming it and the error, then every rank stops (MPI_Abort),
    so none waits forever in a collective. An error every rank meets (a bad option) is told
    once: the other ranks give rank 0 a moment to tell it and end the job first."""
    import sys
    import time

    from ..cli._common import one_line
    me = rank()
    if me:
        time.sleep(1.0)
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C outside the fit loop (which saves)
        print(f"galton train: interrupted (rank {me}); stopping all ranks", file=sys.stderr,
              flush=True)
    else:
        print(f"galton train: rank {me} failed: {type(exc).__name__}: {one_line(exc)}",
              file=sys.stderr, flush=True)
    from .. import distributed as dist
    if dist.is_initialized():
        from ..distributed import _mpi
        _mpi.abort(status or 1)
    return status
