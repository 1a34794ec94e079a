"""A pool of large work arrays that kernels reuse instead of allocating afresh."""
import math
import sys
import threading
from collections import OrderedDict

import numpy as np

# Large work arrays of the kernels are recycled. A fresh multi-megabyte array is mmap'ed by the
# allocator and every one of its pages faults on first touch; on the benchmark machine (a VM)
# that was half the run time of a 50-step LSTM forward+backward. An array in the pool is free
# again when nothing but the pool refers to it (the autograd closure that saved it, a tensor
# wrapping it, any view of it: all hold a reference), so no explicit release is needed and an
# array still in use is never handed out.
_POOL = OrderedDict()        # (shape, dtype) -> arrays, least recently used key first
_POOL_PER_KEY = 8            # e.g. the G of every layer and direction of a deep LSTM
_POOL_MAX_BYTES = 128 << 20
_POOL_MIN_BYTES = 64 << 10   # smaller arrays come from malloc's free lists cheaply anyway
_pool_bytes = 0
_pool_lock = threading.Lock()


def _free_refcount():
    """What sys.getrefcount reports, in buffer's loop, for an array only the pool holds
    (measured rather than assumed: it depends on the interpreter version)."""
    for a in [np.empty(1)]:
        return sys.getrefcount(a)


_FREE_REFS = _free_refcount()


def buffer(shape, dtype, zero=False):
    """An uninitialised (or zeroed) array of this shape, reused from the pool when one is
    free."""
    global _pool_bytes
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < _POOL_MIN_BYTES:
        return (np.zeros if zero else np.empty)(shape, dtype)
    key = (tuple(shape), dtype)
    with _pool_lock:
        arrays = _POOL.get(key)
        if arrays is None:
            arrays = _POOL[key] = []
        _POOL.move_to_end(key)
        for a in arrays:
            if sys.getrefcount(a) == _FREE_REFS:
                break
        else:
            a = np.empty(shape, dtype)
            if len(arrays) < _POOL_PER_KEY:
                arrays.append(a)
                _pool_bytes += nbytes
                while _pool_bytes > _POOL_MAX_BYTES and len(_POOL) > 1:  # drop the oldest
                    old_key, old = _POOL.popitem(last=False)
                    _pool_bytes -= len(old) * math.prod(old_key[0]) * old_key[1].itemsize
    if zero:
        a.fill(0)
    return a
