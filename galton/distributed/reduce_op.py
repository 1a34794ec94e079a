"""``ReduceOp``: how ``all_reduce``/``reduce``/``reduce_scatter_tensor`` combine the ranks'
tensors, with PyTorch's names. AVG is not an MPI operation: it is SUM, then a division."""
import enum

__all__ = ["ReduceOp"]


class ReduceOp(enum.Enum):
    """``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX`` (as ``torch.distributed``)."""
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"

    def __repr__(self):
        return f"<ReduceOp.{self.name}: {list(ReduceOp).index(self)}>"


def mpi_op(op, MPI):
    """The MPI operation that carries out ``op`` (AVG travels as SUM)."""
    if not isinstance(op, ReduceOp):
        raise ValueError(f"op must be a galton.distributed.ReduceOp, got {op!r}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX}[op]
