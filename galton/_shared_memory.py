"""Tensors whose memory other processes can map: ``Tensor.share_memory_()``, ``is_shared()``,
and attaching to such memory by name (galton.multiprocessing's reducers do, on the receiving
side).

A shared array lives in a POSIX shared-memory segment (``multiprocessing.shared_memory``),
named by the process that made it. The arrays over a segment hold one ``_Mapping`` object as
their NumPy ``base``, so the mapping lasts exactly as long as some array uses it; then it is
unmapped, and in the process that made it the name is unlinked too. Receivers must therefore
attach before the sender lets go of its tensor (PyTorch asks the same of CUDA tensors); a
process that crashes leaves its names to the resource tracker, which unlinks them.
"""
import atexit
import mmap
import os
import sys
import weakref
from multiprocessing import shared_memory

import numpy as np

_made_here = {}  # name -> pid, the segments this process created and has not unlinked yet
_attached = weakref.WeakValueDictionary()  # name -> its _Mapping here: each segment maps once


class _Mapping:
    """One mapped segment, handed to NumPy through ``__array_interface__`` so that every array
    (and view) over it keeps it alive, and nothing else does."""

    def __init__(self, segment, name, created):
        self._segment = segment  # a SharedMemory, or an mmap attached directly
        self.name = name
        buf = segment.buf if isinstance(segment, shared_memory.SharedMemory) else segment
        probe = np.frombuffer(buf, np.uint8)
        self.address, self.size = probe.ctypes.data, probe.size
        del probe  # no buffer export stays open: closing at the end is always allowed
        self._finalizer = weakref.finalize(self, _release, segment, name, created, os.getpid())
        self._finalizer.atexit = False  # at exit only the name is unlinked (below)

    def array(self, shape, dtype, strides=None):
        """An array over the segment from its start; its NumPy base holds this mapping."""
        return np.asarray(_Interface(self, {"data": (self.address, False), "shape": tuple(shape),
                                            "typestr": np.dtype(dtype).str, "strides": strides,
                                            "version": 3}))


class _Interface:
    """What NumPy reads an array from (and keeps as its base): the mapping and the layout."""

    __slots__ = ("mapping", "__array_interface__")

    def __init__(self, mapping, interface):
        self.mapping = mapping
        self.__array_interface__ = interface


def _release(segment, name, created, pid):
    """Unmap; the creator (and only in its own process, not a forked child) unlinks the name."""
    try:
        segment.close()
    except (BufferError, ValueError):  # pragma: no cover - an export we did not make
        pass
    if created and os.getpid() == pid:
        _unlink(name)


def _unlink(name):
    if _made_here.pop(name, None) is None:
        return
    try:
        shared_memory.SharedMemory(name=name).unlink()  # unregisters from the tracker too
    except FileNotFoundError:  # unlinked already (by a tracker at a crash)
        pass


@atexit.register
def _unlink_all():
    pid = os.getpid()
    for name, owner in list(_made_here.items()):
        if owner == pid:
            _unlink(name)


def _attach_segment(name):
    """Map an existing segment without making this process its owner. Python 3.13 attaches
    untracked; before that, on Linux, the segment's file under /dev/shm (what ``shm_open``
    opens) is mapped directly, since an attaching SharedMemory registers the name with this
    process's resource tracker, which may unlink it when this process exits."""
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    path = os.path.join("/dev/shm", name.lstrip("/"))
    if os.path.exists(path):
        fd = os.open(path, os.O_RDWR)
        try:
            return mmap.mmap(fd, 0)
        finally:
            os.close(fd)
    return shared_memory.SharedMemory(name=name)  # pragma: no cover - no /dev/shm


def segment_of(arr):
    """The _Mapping an array lies in, or None."""
    base = arr
    while isinstance(base, np.ndarray):
        base = base.base
    return base.mapping if isinstance(base, _Interface) else None


def share(arr):
    """``arr``'s values in a new shared segment: the new array (same shape, dtype and
    strides), already shared arrays as they are."""
    if segment_of(arr) is not None:
        return arr
    if type(arr) is not np.ndarray:
        raise RuntimeError("share_memory_: only CPU tensors can be moved to shared memory here")
    src = arr if arr.flags.c_contiguous or _dense(arr) else np.ascontiguousarray(arr)
    seg = shared_memory.SharedMemory(create=True, size=max(src.nbytes, 1))
    _made_here[seg.name] = os.getpid()
    mapping = _Mapping(seg, seg.name, True)
    _attached[seg.name] = mapping  # a tensor coming back here maps onto the same memory
    out = mapping.array(src.shape, src.dtype, None if src.flags.c_contiguous else src.strides)
    out[...] = src
    return out


def _dense(arr):
    """Whether ``arr`` covers a block of exactly arr.nbytes with positive strides (a
    channels-last array is; a slice is not), so its strides can be kept."""
    if arr.size == 0 or any(s <= 0 for s, n in zip(arr.strides, arr.shape) if n > 1):
        return False
    span = sum((n - 1) * s for n, s in zip(arr.shape, arr.strides)) + arr.itemsize
    return span == arr.nbytes


def describe(arr):
    """What a receiver needs to map ``arr`` (which must be shared): segment name, offset of its
    first element, shape, strides and dtype name. No values."""
    mapping = segment_of(arr)
    offset = arr.__array_interface__["data"][0] - mapping.address
    return mapping.name, offset, tuple(arr.shape), tuple(arr.strides), arr.dtype.str


def attach(name, offset, shape, strides, dtype):
    """The array another process described with ``describe``, over the same memory."""
    dtype = np.dtype(dtype)
    mapping = _attached.get(name)
    if mapping is None:
        mapping = _Mapping(_attach_segment(name), name, False)
        _attached[name] = mapping
    span = (sum((n - 1) * s for n, s in zip(shape, strides)) + dtype.itemsize
            if all(shape) else 0)
    if offset < 0 or offset + span > mapping.size or any(s < 0 for s in strides):
        raise RuntimeError(f"a shared tensor's description does not fit its segment {name!r} "
                           f"({mapping.size} bytes): offset {offset}, shape {list(shape)}, "
                           f"strides {list(strides)}")
    full = mapping.array((mapping.size,), np.uint8)
    return np.ndarray(shape, dtype, buffer=full, offset=offset, strides=strides)
