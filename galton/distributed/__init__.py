"""``galton.distributed``: training on several processes and machines, as ``torch.distributed``,
on MPI (mpi4py with MPICH or Open MPI) rather than a protocol of our own.

    # mpiexec -n 2 python train.py      or      galton run --nproc-per-node 2 train.py
    import galton.distributed as dist
    dist.init_process_group("mpi")
    t = galton.ones(3) * dist.get_rank()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)       # every rank: 0 + 1 = tensor([1., 1., 1.])

Rooms: ``process_group`` (init, ranks, groups), ``collectives`` (tensor collectives in place),
``p2p`` (send/recv), ``objects`` (small objects as JSON, never pickle), ``work`` (async
handles), ``reduce_op``. ``nn.parallel.DistributedDataParallel`` and
``utils.data.distributed.DistributedSampler`` build on them.
"""
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all_single,
                          barrier, broadcast, gather, reduce, reduce_scatter_tensor, scatter)
from .objects import all_gather_object, broadcast_object_list, gather_object
from .p2p import irecv, isend, recv, send
from .process_group import (GroupMember, ProcessGroup, destroy_process_group, get_backend,
                            get_default_backend_for_device, get_process_group_ranks, get_rank,
                            get_world_size, group, init_process_group, is_available,
                            is_gloo_available, is_initialized, is_mpi_available,
                            is_nccl_available, new_group)
from .reduce_op import ReduceOp
from .work import Work

Backend = type("Backend", (), {"MPI": "mpi", "GLOO": "gloo"})

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
           "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all_single",
           "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather",
           "gather_object", "get_backend", "get_default_backend_for_device",
           "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_gloo_available",
           "is_initialized", "is_mpi_available", "is_nccl_available", "isend", "new_group",
           "recv", "reduce", "reduce_scatter_tensor", "scatter", "send"]
