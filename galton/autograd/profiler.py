"""``torch.autograd.profiler``: the older profiler interface, ``profile()`` as a context
manager whose ``print`` is the table of its events, and ``record_function`` (the same class
as ``torch.profiler.record_function``, as in PyTorch, so patching one patches both).

>>> with galton.autograd.profiler.profile() as prof:
...     model(x)
>>> print(prof)                       # one row per event, in the order they started
>>> print(prof.key_averages().table(sort_by="self_cpu_time_total"))
"""
from ..profiler.events import EventList, FunctionEvent, FunctionEventAvg
from ..profiler.profiler import profile as _profile
from ..profiler.profiler import record_function

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]


class profile:
    """Records galton's ops between ``__enter__`` and ``__exit__`` (nothing when
    ``enabled=False``); ``function_events``, ``key_averages()``, ``table()`` and ``str()`` give
    the results."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, experimental_config=None, acc_events=False,
                 custom_trace_id_callback=None):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self._profiler = None
        self._function_events = None
        self.entered = False

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._profiler = _profile(record_shapes=self.record_shapes)
        self._profiler.__enter__()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        self._profiler.__exit__(exc_type, exc_val, exc_tb)
        self._function_events = self._profiler.events()
        self.entered = False
        return False

    def _check_finish(self):
        if self._function_events is None:
            raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self):
        self._check_finish()
        return self._function_events

    def events(self):
        return self.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def total_average(self):
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self):
        return self.function_events.self_cpu_time_total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit,
                                          max_src_column_width=max_src_column_width,
                                          max_name_column_width=max_name_column_width,
                                          max_shapes_column_width=max_shapes_column_width,
                                          header=header,
                                          top_level_events_only=top_level_events_only)

    def export_chrome_trace(self, path):
        return self.function_events.export_chrome_trace(path)

    def __str__(self):
        return self.table()

    __repr__ = __str__
