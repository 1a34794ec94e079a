"""``torch.ops.profiler``: the two operators PyTorch's ``record_function`` is made of, so that
a span can be opened and closed by separate calls (graph code emitted by ``torch.fx`` tracers
does this). The handle is the open ``record_function``."""
from ..profiler.profiler import record_function

__all__ = ["_record_function_enter", "_record_function_exit"]


def _record_function_enter(name, args=None):
    """Open a profiler span named ``name``; returns its handle."""
    handle = record_function(name, args)
    handle.__enter__()
    return handle


def _record_function_exit(handle):
    """Close the span ``handle`` opened by ``_record_function_enter``."""
    handle.__exit__(None, None, None)
