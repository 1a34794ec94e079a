"""``galton.cuda.nccl``, as ``torch.cuda.nccl`` in a PyTorch built without NCCL: galton has no
NCCL (its collectives, on the CPU and on CuPy arrays, run on MPI; see galton.distributed), so
programs that ask before using it take their other path."""
import warnings

__all__ = ["is_available", "version"]


def is_available(tensors):
    """False: no tensor can go through NCCL here (PyTorch without NCCL warns the same)."""
    warnings.warn("galton is not compiled with NCCL support", stacklevel=2)
    return False


def version():
    """NCCL's version; galton has none, so this is an error that says what to use instead."""
    raise RuntimeError("galton has no NCCL: torch.distributed programs run on MPI here "
                       "(init_process_group('mpi') or 'gloo'); check "
                       "torch.distributed.is_nccl_available() before asking NCCL's version")
