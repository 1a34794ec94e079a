"""``galton.nn.parallel``: running a module on several devices, as ``torch.nn.parallel``.

galton computes on one device per process, so ``DataParallel`` is the pass-through that
PyTorch's is on a machine without GPUs (or with one).
"""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel
from .sync_batchnorm import SyncBatchNorm

__all__ = ["DataParallel", "DistributedDataParallel", "SyncBatchNorm", "data_parallel"]
