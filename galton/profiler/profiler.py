"""``profile``, ``schedule`` and ``record_function``, as ``torch.profiler``'s.

>>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
...     with record_function("model_inference"):
...         model(inputs)
>>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

With a ``schedule``, ``prof.step()`` after each training step moves through the wait / warmup
/ active steps; each active span ends by calling ``on_trace_ready(prof)`` (for instance
``tensorboard_trace_handler(dir)``), and each step is an event ``ProfilerStep#<n>``.
"""
import enum
import functools
import os
import socket
import time
import warnings

from ._recorder import Recorder, active
from .events import EventList, FunctionEvent

__all__ = ["ProfilerActivity", "ProfilerAction", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    """What to record: ``CPU`` (galton's ops); the device kinds are accepted, and their device
    time is what the host call that runs the kernel takes (galton waits for its kernels)."""
    CPU = 0
    CUDA = 2
    XPU = 3
    MTIA = 4
    PrivateUse1 = 5


def supported_activities():
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """The step -> action function ``profile(schedule=...)`` follows: skip ``skip_first`` steps,
    then cycles of ``wait`` idle, ``warmup`` and ``active`` recorded steps (the last one saves),
    ``repeat`` times (0: until the end)."""
    if not (wait >= 0 and warmup >= 0 and active > 0 and repeat >= 0 and skip_first >= 0):
        raise AssertionError("Invalid profiler schedule arguments")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError("step should be non-negative")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if skip_first_wait != 0:  # the first cycle starts without its wait
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        mod = step % cycle
        if mod < wait:
            return ProfilerAction.NONE
        if mod < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def _always_record(step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``<worker>.<time>.pt.trace.json``, where TensorBoard's profiler plugin finds it."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns()}.pt.trace.json"
        path = os.path.join(dir_name, name)
        prof.export_chrome_trace(path)
        if use_gzip:
            import gzip
            with open(path, "rb") as f:
                data = f.read()
            with gzip.open(path + ".gz", "wb") as f:
                f.write(data)
            os.remove(path)
    return handler


class record_function:
    """A named span, an event of its own in the profile (``with record_function("loss"):``),
    also usable as a decorator; nothing is recorded when no profiler is on."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._depth = None
        self._recorder = None

    def __enter__(self):
        rec = active()
        if rec is not None:
            self._recorder, self._depth = rec, rec.push(self.name)
        return self

    def __exit__(self, *exc):
        if self._recorder is not None:
            self._recorder.pop(self._depth)
            self._recorder = self._depth = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper


def _to_events(recorder, origin_ns):
    out = EventList()
    for i, (name, start, end, self_ns, depth, thread, shapes, kind) in enumerate(
            sorted(recorder.events, key=lambda e: e[1])):
        # the step spans share one name in the results, as PyTorch's ("ProfilerStep*")
        key = "ProfilerStep*" if name.startswith("ProfilerStep#") else name
        out.append(FunctionEvent(i, key, thread, (start - origin_ns) / 1e3,
                                 (end - origin_ns) / 1e3, self_ns / 1e3, depth, shapes, kind))
    return out


class profile:
    """Records galton's ops (and ``record_function`` spans) between ``start()`` and ``stop()``,
    or inside ``with``; ``key_averages()`` / ``events()`` / ``export_chrome_trace()`` give the
    last finished recording."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False, with_flops=False,
                 with_modules=False, experimental_config=None, execution_trace_observer=None,
                 acc_events=False, use_cuda=None, custom_trace_id_callback=None):
        self.activities = set(activities) if activities else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        if profile_memory or with_stack or with_flops:
            warnings.warn("galton's profiler records times (and shapes): profile_memory, "
                          "with_stack and with_flops add nothing to its tables", stacklevel=2)
        self.step_num = 0
        self.current_action = ProfilerAction.NONE
        self._recorder = None
        self._events = None
        self._accumulated = EventList()
        self._origin = time.perf_counter_ns()
        self._step_span = None

    # the recording
    def _start_recording(self):
        self._recorder = Recorder(self.record_shapes)
        self._recorder.start()

    def _stop_recording(self):
        rec, self._recorder = self._recorder, None
        if rec is None:
            return
        rec.stop()
        events = _to_events(rec, self._origin)
        if self.acc_events:
            self._accumulated.extend(events)
            events = EventList(self._accumulated)
        self._events = events
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _recording(self, action):
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _transition(self, prev, cur):
        if self._recorder is not None and (prev is ProfilerAction.RECORD_AND_SAVE or
                                           not self._recording(cur)):
            self._stop_recording()
        if self._recording(cur) and self._recorder is None:
            self._start_recording()

    def _open_step_span(self):
        if self._recorder is not None and self.schedule is not _always_record:
            self._step_span = record_function(f"ProfilerStep#{self.step_num}")
            self._step_span.__enter__()

    def _close_step_span(self):
        if self._step_span is not None:
            self._step_span.__exit__(None, None, None)
            self._step_span = None

    def start(self):
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._transition(ProfilerAction.NONE, self.current_action)
        self._open_step_span()

    def stop(self):
        self._close_step_span()
        self._transition(self.current_action, ProfilerAction.NONE)
        self.current_action = ProfilerAction.NONE

    def step(self):
        """Mark the end of a training step: the schedule decides what the next one does."""
        self._close_step_span()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transition(prev, self.current_action)
        self._open_step_span()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # the results
    def events(self):
        if self._events is None:
            raise RuntimeError("the profiler has no results yet: stop it (leave the `with` "
                               "block) or reach the end of an active span of its schedule")
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0,
                     group_by_overload_name=False):
        return self.events().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        return self.events().export_chrome_trace(path)
