"""What the profiler records, and how: a ``sys.setprofile`` hook timing galton's ops.

galton has no dispatcher that every op passes through (an op is a Python function in
galton/ops that computes with the array module and records its backward next to it), so the
profiler watches Python calls instead: a call of one of those op functions opens an event named
``galton::<op>``, its return closes it; a backward closure run by the autograd engine is an event
named by its graph node, as PyTorch names the event of a node's backward (``AddmmBackward0``);
``record_function`` opens and closes events by hand. An op called by an op is a child event:
its time counts in the parent's total, not in the parent's self time.

Only the thread that started the profiler is recorded. The hook costs a Python call per Python
or C function called while it is on, so profiled code runs slower than unprofiled code (PyTorch's
profiler has a cost too); the times are of galton's ops under that cost.
"""
import importlib
import inspect
import pkgutil
import sys
import threading
import time

__all__ = ["Recorder", "active", "op_names"]

_op_names = None
_active = None  # the Recorder that is on, if any


def op_names():
    """``{code object: event name}`` for the public op functions of galton/ops."""
    global _op_names
    if _op_names is None:
        from .. import ops
        names = {}
        for info in pkgutil.iter_modules(ops.__path__):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{ops.__name__}.{info.name}")
            for attr, fn in vars(mod).items():
                if attr.startswith("_") or not inspect.isfunction(fn) or \
                        fn.__module__ != mod.__name__:
                    continue
                names.setdefault(inspect.unwrap(fn).__code__, f"galton::{attr}")
        _op_names = names
    return _op_names


def _engine():
    from ..autograd import graph
    return graph._propagate.__code__, graph.__file__


def _shapes(frame):
    """The shapes of a call's positional tensor arguments, ``[]`` for the others (PyTorch's
    "Input Shapes" column)."""
    from ..tensor import Tensor
    code, loc = frame.f_code, frame.f_locals
    out = []
    for name in code.co_varnames[:code.co_argcount]:
        v = loc.get(name)
        out.append(list(v.shape) if isinstance(v, Tensor) else [])
    return out


def active():
    return _active


class Recorder:
    """One recording: start() turns the hook on, stop() turns it off; ``events`` then holds
    ``(name, start_ns, end_ns, self_ns, depth, thread, shapes, kind)`` tuples in the order they
    ended."""

    def __init__(self, record_shapes=False):
        self.record_shapes = record_shapes
        self.events = []
        self._stack = []  # open events: [name, start_ns, child_ns, frame, shapes, kind]
        self._previous = None
        self.thread = None

    def start(self):
        global _active
        if _active is not None:
            raise RuntimeError("Profiler is already enabled on this thread: stop the other "
                               "profile before starting a new one")
        names = op_names()
        propagate, graph_file = _engine()
        stack, record_shapes, clock = self._stack, self.record_shapes, time.perf_counter_ns
        close = self._close

        def hook(frame, event, arg):
            if event == "call":
                code = frame.f_code
                name = names.get(code)
                if name is None:
                    back = frame.f_back
                    # a backward closure is called by the engine; the engine's own helpers
                    # (hooks, leaves) live in graph.py
                    if back is None or back.f_code is not propagate or \
                            code.co_filename == graph_file:
                        return
                    node = back.f_locals.get("node")
                    name = node.name() if node is not None else code.co_qualname
                shapes = _shapes(frame) if record_shapes else None
                stack.append([name, clock(), 0, frame, shapes, "cpu_op"])
            elif event == "return" and stack and stack[-1][3] is frame:
                close(clock())

        self.thread = threading.get_ident()
        self._previous = sys.getprofile()
        _active = self
        sys.setprofile(hook)

    def _close(self, now):
        name, start, child, _, shapes, kind = self._stack.pop()
        total = now - start
        if self._stack:
            self._stack[-1][2] += total
        self.events.append((name, start, now, total - child, len(self._stack), self.thread,
                            shapes, kind))

    def push(self, name, kind="user_annotation"):
        """Open an event by hand (``record_function``)."""
        self._stack.append([name, time.perf_counter_ns(), 0, None, None, kind])
        return len(self._stack)

    def pop(self, depth):
        """Close the event ``push`` opened at ``depth`` (and any left open inside it)."""
        now = time.perf_counter_ns()
        while len(self._stack) >= depth:
            self._close(now)

    def stop(self):
        global _active
        sys.setprofile(self._previous)
        now = time.perf_counter_ns()
        while self._stack:
            self._close(now)
        _active = None
