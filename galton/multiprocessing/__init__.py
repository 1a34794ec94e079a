"""``galton.multiprocessing`` (``torch.multiprocessing``): Python's ``multiprocessing``, with
tensors that cross process boundaries through shared memory, and ``spawn``.

Everything ``multiprocessing`` exports is here (``Process``, ``Queue``, ``Pipe``, ``Pool``,
``get_context``, ``set_start_method``, ``cpu_count``, ...), so Hogwild-style training runs as
in PyTorch::

    model.share_memory()                      # parameters move into shared memory, in place
    procs = [mp.Process(target=train, args=(model,)) for _ in range(4)]

A tensor sent through a ``Queue``, a ``Pipe`` or a spawned process's arguments is moved into
shared memory (if it is not there yet) and travels as its segment's name, offset, shape,
strides and dtype only (reductions.py); the receiver maps the same memory, so both see every
later change. multiprocessing pickles the other Python objects it sends, as it always does;
galton itself never unpickles anything. Modules refuse pickling: send their tensors (fork, the
default start method on Linux, needs no sending at all).
"""
import multiprocessing

from .reductions import init_reductions
from .spawn import (ProcessContext, ProcessException, ProcessExitedException,  # noqa: F401
                    ProcessRaisedException, SpawnContext, spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "SpawnContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException", "init_reductions"]
__all__ += multiprocessing.__all__
# everything multiprocessing exports (its default context's Process, Queue, ...)
globals().update({_n: getattr(multiprocessing, _n) for _n in multiprocessing.__all__})

# PyTorch's two strategy names on Linux; galton has one mechanism for both: a named POSIX
# shared-memory segment per tensor (closest to PyTorch's "file_system")
_ALL_STRATEGIES = frozenset({"file_descriptor", "file_system"})
_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Choose how tensors are shared ('file_descriptor' or 'file_system'; galton shares both
    ways through named shared-memory segments)."""
    global _strategy
    if new_strategy not in _ALL_STRATEGIES:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}: one of "
                             f"{sorted(_ALL_STRATEGIES)}")
    _strategy = new_strategy


def get_sharing_strategy():
    """The strategy last set (``'file_descriptor'`` unless changed, as PyTorch on Linux)."""
    return _strategy


def get_all_sharing_strategies():
    return set(_ALL_STRATEGIES)


init_reductions()
