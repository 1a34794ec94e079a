"""Point-to-point: one rank's tensor to another's (``send``/``recv`` block; ``isend``/``irecv``
return a Work). Ranks are global, as in PyTorch."""
import numpy as np

from . import _mpi
from ._buffers import array_of, buffer
from .process_group import resolve
from .work import Work

__all__ = ["send", "recv", "isend", "irecv"]


def _peer(pg, rank, what):
    return pg.group_rank(rank, what)


def isend(tensor, dst, group=None, tag=0):
    """Start sending ``tensor`` to rank ``dst``; returns a Work."""
    pg = resolve(group)
    if pg is None:
        return None
    arr = np.ascontiguousarray(array_of(tensor))
    return Work(pg.comm.Isend(arr, dest=_peer(pg, dst, "dst"), tag=tag))


def send(tensor, dst, group=None, tag=0):
    """Send ``tensor`` to rank ``dst`` (returns when the data is on its way)."""
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def irecv(tensor, src=None, group=None, tag=0):
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None); returns a Work."""
    pg = resolve(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    arr, write_back = buffer(tensor)
    source = MPI.ANY_SOURCE if src is None else _peer(pg, src, "src")
    return Work(pg.comm.Irecv(arr, source=source, tag=tag), write_back)


def recv(tensor, src=None, group=None, tag=0):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); return the sender's rank."""
    pg = resolve(group)
    if pg is None:
        return -1
    MPI = _mpi.mpi()
    arr, write_back = buffer(tensor)
    status = MPI.Status()
    source = MPI.ANY_SOURCE if src is None else _peer(pg, src, "src")
    pg.comm.Recv(arr, source=source, tag=tag, status=status)
    write_back()
    return pg.ranks[status.Get_source()]
