"""Keep freed activation arrays' memory in the process instead of handing it back to the OS.

A training step allocates and frees the same multi-megabyte arrays every time (activations,
their gradients, im2col columns). glibc's malloc serves blocks over its mmap threshold with
a fresh ``mmap`` and returns the top of its heap to the OS when more than the trim threshold
is free there, so each step touches brand-new pages: one page fault per 4 KiB, which on the
seed-000 step cost more than all the ReLU and pooling arithmetic (measured: 20 ms -> 15 ms
per step with the settings below). Raising both thresholds lets freed blocks be reused,
as PyTorch's CPU allocator effectively does. Peak memory is unchanged; memory freed after
the peak stays reserved by the process until it exits.

Linux/glibc only; elsewhere, or with ``GALTON_MALLOC_TUNING=0``, nothing is changed.
"""
import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20   # glibc's maximum on 64-bit systems: larger blocks still use mmap
TRIM_THRESHOLD = 1 << 30    # keep up to 1 GiB free at the top of the heap

tuned = False


def tune():
    """Apply the thresholds once (at ``import galton``); True when they are in force."""
    global tuned
    if tuned or not sys.platform.startswith("linux"):
        return tuned
    if os.environ.get("GALTON_MALLOC_TUNING", "1") in ("0", "false", "no", "off"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc only: musl and others have other knobs
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned
