"""Process groups on MPI: the default group (every process ``mpiexec`` started) and the groups
``new_group`` cuts from it. A group wraps an MPI communicator and remembers which global ranks
it holds, because PyTorch's collectives name ``src``/``dst`` by global rank."""
import os
import sys
from datetime import timedelta

from . import _mpi

__all__ = ["ProcessGroup", "GroupMember", "init_process_group", "destroy_process_group",
           "is_available", "is_initialized", "is_mpi_available", "is_nccl_available",
           "is_gloo_available", "get_rank", "get_world_size",
           "get_backend", "new_group", "get_process_group_ranks", "group",
           "get_default_backend_for_device"]

# The backends galton accepts: MPI is the one engine; "gloo" (PyTorch's CPU backend) runs on it
# too, so programs written for torch.distributed on CPUs run unchanged.
_BACKENDS = (None, "mpi", "gloo")
_state = {"default": None}


class ProcessGroup:
    """A set of processes that take part in collectives together (an MPI communicator)."""

    def __init__(self, comm, ranks, timeout):
        self.comm = comm
        self.ranks = list(ranks)
        self.timeout = timeout

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def group_rank(self, global_rank, what="rank"):
        """This group's rank of ``global_rank`` (src/dst are global ranks, as in PyTorch)."""
        try:
            return self.ranks.index(int(global_rank))
        except ValueError:
            raise ValueError(f"{what} {global_rank} is not part of the group with global ranks "
                             f"{self.ranks}") from None

    def __repr__(self):
        return f"ProcessGroup(backend='mpi', ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` (the default group) and ``NON_GROUP_MEMBER`` (what ``new_group``
    returns to a process outside the new group), as in PyTorch."""
    WORLD = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # torch.distributed.group.WORLD


def is_available():
    """True when the MPI engine (mpi4py) can be imported."""
    return _mpi.available()


def is_mpi_available():
    """True when the MPI backend can be used (the one backend galton has)."""
    return _mpi.available()


def is_nccl_available():
    """False: galton has no NCCL; its collectives run on MPI (CUDA tensors included)."""
    return False


def is_gloo_available():
    """Whether ``backend="gloo"`` can be used: galton runs it on MPI, so when MPI can be."""
    return _mpi.available()


def is_initialized():
    """Whether ``init_process_group`` was called (and not yet destroyed)."""
    return _state["default"] is not None


def _default():
    pg = _state["default"]
    if pg is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return pg


def resolve(group):
    """The ProcessGroup a collective runs on, or None for a process outside ``group``."""
    if group is None:
        return _default()
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup from new_group(), got "
                        f"{type(group).__name__}")
    return group


def _env_int(name):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default process group: every process started by ``mpiexec -n N`` (or
    ``galton run --nproc-per-node N``). MPI knows each process's rank and the world size;
    ``rank``/``world_size`` (or the ``RANK``/``WORLD_SIZE`` variables), when given, must agree.

    >>> import galton.distributed as dist
    >>> dist.init_process_group("mpi")
    >>> dist.get_rank(), dist.get_world_size()
    (0, 2)
    """
    if backend is not None and str(backend).lower() not in _BACKENDS:
        raise ValueError(f"galton.distributed has the 'mpi' backend (and runs 'gloo' programs "
                         f"on it); got backend={backend!r}")
    if _state["default"] is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    MPI = _mpi.mpi()
    comm = MPI.COMM_WORLD.Dup()
    size, me = comm.Get_size(), comm.Get_rank()
    for name, given in (("world_size", world_size), ("WORLD_SIZE", _env_int("WORLD_SIZE"))):
        if given is not None and given != -1 and given != size:
            raise ValueError(f"{name}={given}, but MPI started {size} process(es); start the "
                             f"program with mpiexec -n {given} or galton run --nproc-per-node "
                             f"{given}")
    for name, given in (("rank", rank), ("RANK", _env_int("RANK"))):
        if given is not None and given != -1 and given != me:
            raise ValueError(f"{name}={given}, but MPI gave this process rank {me}")
    if timeout is None:
        timeout = timedelta(minutes=30)
    _state["default"] = ProcessGroup(comm, range(size), timeout)
    _install_excepthook(comm)


def _install_excepthook(comm):
    """A rank that raises must not leave the others waiting forever in a collective: the
    uncaught error is printed, named in one line, and MPI_Abort ends every rank of the job."""
    if comm.Get_size() == 1 or getattr(sys.excepthook, "_galton_distributed", False):
        return
    previous = sys.excepthook

    def hook(kind, exc, tb):
        previous(kind, exc, tb)
        print(f"galton.distributed: rank {comm.Get_rank()} failed: {kind.__name__}: {exc}; "
              f"stopping all ranks", file=sys.stderr, flush=True)
        _mpi.abort(1)

    hook._galton_distributed = True
    sys.excepthook = hook


def destroy_process_group(group=None):
    """Leave ``group`` (by default every group: the process group is no longer initialized)."""
    if group is None or group is GroupMember.WORLD:
        pg = _default()
        pg.comm.Free()
        _state["default"] = None
        return
    pg = resolve(group)
    if pg is not None:
        pg.comm.Free()


def get_rank(group=None):
    """This process's rank in ``group`` (-1 outside it)."""
    pg = resolve(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group=None):
    """How many processes ``group`` holds (-1 outside it)."""
    pg = resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None):
    """The backend's name: ``"mpi"``."""
    if resolve(group) is None:
        raise ValueError("Invalid process group specified")
    return "mpi"


# the backend a program gets for a device's tensors: PyTorch's "gloo" for the CPU (galton runs
# it on MPI); for CUDA PyTorch says "nccl", which galton lacks: its collectives on CuPy arrays
# go through MPI, so that is the answer that init_process_group takes
_DEVICE_BACKENDS = {"cpu": "gloo", "cuda": "mpi"}


def get_default_backend_for_device(device):
    """The backend for tensors on ``device`` (a ``device`` or a string such as ``"cuda:0"``),
    as ``init_process_group(backend=...)`` takes it."""
    from ..backend import device as _device
    kind = device.type if isinstance(device, _device) else _device(device).type
    return _DEVICE_BACKENDS[kind]  # device() has refused any other type


def get_process_group_ranks(group):
    """The global ranks ``group`` holds."""
    pg = resolve(group)
    return list(range(get_world_size())) if pg is None and group is None else list(pg.ranks)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None):
    """A group of the given global ranks (all ranks when None). Every process of the default
    group must call it, as in PyTorch; a process outside ``ranks`` gets ``NON_GROUP_MEMBER``."""
    world = _default()
    members = sorted(set(int(r) for r in ranks)) if ranks is not None else list(world.ranks)
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r} is outside the world of {world.size()} "
                             f"processes")
    MPI = _mpi.mpi()
    me = world.rank()
    inside = me in members
    comm = world.comm.Split(0 if inside else MPI.UNDEFINED, members.index(me) if inside else 0)
    if not inside:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, members, timeout or world.timeout)
