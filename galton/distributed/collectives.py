"""Collectives on tensors, in place, with PyTorch's signatures. Each one starts MPI's
non-blocking form (``Iallreduce``, ``Ibcast``, ...) on the tensor's memory and returns a Work
when ``async_op=True``; otherwise it waits. ``src``/``dst`` are global ranks, as in PyTorch.
A process outside ``group`` takes no part and gets None."""
import numpy as np

from . import _mpi
from ._buffers import array_of, buffer, check_reducible
from .process_group import resolve
from .reduce_op import ReduceOp, mpi_op
from .work import run

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single", "barrier"]


def _finish_op(arr, op, size, write_back):
    """What follows the MPI call on this side: AVG divides the sum by the group's size."""
    def finish():
        if op is ReduceOp.AVG:
            if arr.dtype.kind == "f":
                np.divide(arr, size, out=arr)
            else:  # PyTorch's integer AVG rounds toward zero (a true division, then truncation)
                arr[...] = np.trunc(arr / size).astype(arr.dtype)
        write_back()
    return finish


def _reduction(tensor, op):
    arr, write_back = buffer(tensor)
    check_reducible(arr, op.name if isinstance(op, ReduceOp) else str(op))
    return arr, write_back


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's ``tensor`` becomes the reduction (``op``) of all ranks' tensors."""
    pg = resolve(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    arr, write_back = _reduction(tensor, op)
    req = pg.comm.Iallreduce(MPI.IN_PLACE, arr, mpi_op(op, MPI))
    return run(req, _finish_op(arr, op, pg.size(), write_back), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Every rank's ``tensor`` becomes rank ``src``'s."""
    pg = resolve(group)
    if pg is None:
        return None
    arr, write_back = buffer(tensor)
    req = pg.comm.Ibcast(arr, root=pg.group_rank(src, "src"))
    return run(req, write_back, async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank ``dst``'s ``tensor`` becomes the reduction of all ranks' (the others' are kept)."""
    pg = resolve(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    arr, write_back = _reduction(tensor, op)
    root = pg.group_rank(dst, "dst")
    if pg.rank() == root:
        req = pg.comm.Ireduce(MPI.IN_PLACE, arr, mpi_op(op, MPI), root=root)
        return run(req, _finish_op(arr, op, pg.size(), write_back), async_op)
    req = pg.comm.Ireduce(arr, None, mpi_op(op, MPI), root=root)
    return run(req, None, async_op)


def _check_list(tensors, like, size, what):
    if len(tensors) != size:
        raise ValueError(f"{what} holds {len(tensors)} tensors; the group has {size} ranks")
    for i, t in enumerate(tensors):
        a = array_of(t, f"{what}[{i}]")
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"{what}[{i}] has shape {tuple(a.shape)} and dtype {a.dtype}; "
                             f"expected {tuple(like.shape)} and {like.dtype}")


def _copy_out(stacked, tensors):
    def finish():
        for t, part in zip(tensors, stacked):
            t._data[...] = part
    return finish


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[i]`` becomes rank i's ``tensor``, on every rank."""
    pg = resolve(group)
    if pg is None:
        return None
    arr = np.ascontiguousarray(array_of(tensor))
    _check_list(tensor_list, arr, pg.size(), "tensor_list")
    stacked = np.empty((pg.size(),) + arr.shape, arr.dtype)
    req = pg.comm.Iallgather(arr, stacked)
    return run(req, _copy_out(stacked, tensor_list), async_op)


def _check_numel(out, inp, size, out_name, in_name):
    if out.size != inp.size * size or out.dtype != inp.dtype:
        raise ValueError(f"{out_name} must hold world_size ({size}) x {in_name}'s "
                         f"{inp.size} elements of dtype {inp.dtype}; got {out.size} of "
                         f"{out.dtype}")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (world_size times the input's size: concatenated or stacked along
    dim 0) becomes every rank's ``input_tensor`` in rank order."""
    pg = resolve(group)
    if pg is None:
        return None
    inp = np.ascontiguousarray(array_of(input_tensor, "input_tensor"))
    out, write_back = buffer(output_tensor, "output_tensor")
    _check_numel(out, inp, pg.size(), "output_tensor", "input_tensor")
    req = pg.comm.Iallgather(inp, out)
    return run(req, write_back, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (world_size blocks along dim 0) over the ranks; rank i's ``output``
    becomes block i of the result."""
    pg = resolve(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    inp = np.ascontiguousarray(array_of(input, "input"))
    out, write_back = _reduction(output, op)
    _check_numel(inp, out, pg.size(), "input", "output")
    req = pg.comm.Ireduce_scatter_block(inp, out, mpi_op(op, MPI))
    return run(req, _finish_op(out, op, pg.size(), write_back), async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Rank ``dst``'s ``gather_list[i]`` becomes rank i's ``tensor``."""
    pg = resolve(group)
    if pg is None:
        return None
    arr = np.ascontiguousarray(array_of(tensor))
    root = pg.group_rank(dst, "dst")
    if pg.rank() != root:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                             "ranks.")
        return run(pg.comm.Igather(arr, None, root=root), None, async_op)
    if gather_list is None:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    _check_list(gather_list, arr, pg.size(), "gather_list")
    stacked = np.empty((pg.size(),) + arr.shape, arr.dtype)
    req = pg.comm.Igather(arr, stacked, root=root)
    return run(req, _copy_out(stacked, gather_list), async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank i's ``tensor`` becomes rank ``src``'s ``scatter_list[i]``."""
    pg = resolve(group)
    if pg is None:
        return None
    arr, write_back = buffer(tensor)
    root = pg.group_rank(src, "src")
    send = None
    if pg.rank() == root:
        if scatter_list is None:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, arr, pg.size(), "scatter_list")
        send = np.ascontiguousarray(np.stack([t._data for t in scatter_list]))
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    req = pg.comm.Iscatter(send, arr, root=root)
    return run(req, write_back, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op=False):
    """Split ``input`` along dim 0 (equal parts, or ``input_split_sizes`` rows); part j goes to
    rank j, and ``output`` holds the parts received from ranks 0, 1, ... in order."""
    pg = resolve(group)
    if pg is None:
        return None
    inp = np.ascontiguousarray(array_of(input, "input"))
    out, write_back = buffer(output, "output")
    if inp.dtype != out.dtype:
        raise ValueError(f"output has dtype {out.dtype}, input {inp.dtype}")
    size = pg.size()
    if output_split_sizes is None and input_split_sizes is None:
        if inp.shape[0] % size or out.size != inp.size:
            raise ValueError(f"all_to_all_single: input's dim 0 ({inp.shape[0]}) must split "
                             f"evenly over {size} ranks and output must hold as many elements")
        req = pg.comm.Ialltoall(inp, out)
        return run(req, write_back, async_op)
    send = _counts(inp, input_split_sizes, size, "input")
    recv = _counts(out, output_split_sizes, size, "output")
    req = pg.comm.Ialltoallv([inp, send], [out, recv])
    return run(req, write_back, async_op)


def _counts(arr, splits, size, what):
    """(counts, displacements) in elements for rows ``splits`` of ``arr`` along dim 0."""
    rows = list(splits) if splits else [arr.shape[0] // size] * size
    if len(rows) != size or sum(rows) != arr.shape[0]:
        raise ValueError(f"{what}_split_sizes {rows} must have {size} entries summing to "
                         f"{what}'s dim 0 ({arr.shape[0]})")
    row = int(np.prod(arr.shape[1:], dtype=np.int64))
    counts = [r * row for r in rows]
    displs = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    return (counts, displs)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of ``group`` reaches the barrier."""
    pg = resolve(group)
    if pg is None:
        return None
    return run(pg.comm.Ibarrier(), None, async_op)
