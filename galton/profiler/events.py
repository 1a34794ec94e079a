"""The profiler's results, shaped as ``torch.autograd.profiler_util``'s: ``FunctionEvent`` (one
timed call), ``FunctionEventAvg`` (the calls of one name, summed) and ``EventList`` with
``key_averages()``, ``table()`` and ``export_chrome_trace()``.

Times are in microseconds, as PyTorch's. galton runs on the CPU from the profiler's point of
view (a CuPy kernel is timed as the host call that launches and waits for it), so the device
times are zero.
"""
import json
import os

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList"]


class _Interval:
    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


class FunctionEvent:
    """One recorded call: ``name``, ``time_range``, ``cpu_time_total`` and
    ``self_cpu_time_total`` (its time less its children's), ``input_shapes``."""

    def __init__(self, id, name, thread, start_us, end_us, self_us, depth, input_shapes=None,
                 kind="cpu_op"):
        self.id = id
        self.name = name
        self.key = name
        self.thread = thread
        self.time_range = _Interval(start_us, end_us)
        self.self_cpu_time_total = self_us
        self.depth = depth
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.kind = kind
        self.count = 1
        self.cpu_parent = None
        self.cpu_children = []
        self.device_type = "cpu"

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    cpu_time = cpu_time_total
    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = 0.0
    cpu_memory_usage = self_cpu_memory_usage = device_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} "
                f"cpu_time_total={self.cpu_time_total:.3f}us "
                f"self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class FunctionEventAvg:
    """The calls of one key (name, or name and input shapes) added up."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.is_user_annotation = False

    def add(self, evt):
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.is_user_annotation = evt.kind == "user_annotation"
        return self

    @property
    def cpu_time(self):
        """The average time of one call, children included."""
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self):
        return self.self_cpu_time_total / self.count if self.count else 0.0

    device_time_total = self_device_time_total = cuda_time_total = self_cuda_time_total = 0.0
    device_time = cuda_time = 0.0
    cpu_memory_usage = self_cpu_memory_usage = device_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time:.3f}us "
                f"cpu_time={self.cpu_time:.3f}us count={self.count}>")


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_pct(part, whole):
    return f"{100.0 * part / whole:.2f}%" if whole else "0.00%"


class EventList(list):
    """A list of ``FunctionEvent`` (or of ``FunctionEventAvg`` after ``key_averages``)."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        """One ``FunctionEventAvg`` per name (and per input shapes with
        ``group_by_input_shape=True``), in the order the names first ended."""
        groups = {}
        for evt in self:
            shapes = str(evt.input_shapes) if group_by_input_shape else None
            key = (evt.key, shapes)
            if key not in groups:
                groups[key] = FunctionEventAvg(evt.key, evt.input_shapes
                                               if group_by_input_shape else None)
            groups[key].add(evt)
        return EventList(groups.values())

    def total_average(self):
        """All events added into one ``FunctionEventAvg`` keyed ``Total``."""
        total = FunctionEventAvg("Total")
        for evt in self:
            total.add(evt)
        return total

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75,
              max_name_column_width=55, max_shapes_column_width=80, header=None,
              top_level_events_only=False):
        """The events as PyTorch's profiler prints them: one row per entry, sorted by the
        attribute ``sort_by`` (descending), at most ``row_limit`` rows."""
        events = list(self)
        if top_level_events_only:
            events = [e for e in events if getattr(e, "depth", 0) == 0]
        if sort_by is not None:
            events.sort(key=lambda e: getattr(e, sort_by), reverse=True)
        if row_limit is not None and row_limit > 0:
            events = events[:row_limit]
        total = self.self_cpu_time_total
        show_shapes = any(getattr(e, "input_shapes", None) for e in events)
        name_w = max([len(e.key) for e in events] + [4]) + 4
        if max_name_column_width is not None:
            name_w = min(name_w, max_name_column_width)
        heads = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                 "# of Calls"]
        widths = [name_w] + [12] * 6
        if show_shapes:
            shape_w = min(max([len(str(e.input_shapes)) for e in events] + [12]) + 4,
                          max_shapes_column_width)
            heads.append("Input Shapes")
            widths.append(shape_w)

        def line(cells):
            out = []
            for i, (c, w) in enumerate(zip(cells, widths)):
                c = str(c)
                if len(c) > w:
                    c = c[:w - 3] + "..."
                out.append(c.ljust(w) if i == len(heads) - 1 and show_shapes else c.rjust(w))
            return "  ".join(out) + "  "

        sep = "  ".join("-" * w for w in widths) + "  "
        rows = []
        if header is not None:
            rows += ["=" * len(sep), header]
        rows += [sep, line(heads), sep]
        for e in events:
            cells = [e.key, _format_pct(e.self_cpu_time_total, total),
                     _format_time(e.self_cpu_time_total),
                     _format_pct(e.cpu_time_total, total), _format_time(e.cpu_time_total),
                     _format_time(e.cpu_time), e.count]
            if show_shapes:
                cells.append(e.input_shapes if e.input_shapes is not None else "")
            rows.append(line(cells))
        rows += [sep, f"Self CPU time total: {_format_time(total)}", ""]
        return "\n".join(rows)

    def export_chrome_trace(self, path):
        """Write the events in the Chrome trace format (chrome://tracing, Perfetto,
        TensorBoard's profiler plugin): one complete ("X") event per call."""
        pid = os.getpid()
        trace = [{"ph": "X", "cat": e.kind, "name": e.name, "pid": pid, "tid": e.thread,
                  "ts": e.time_range.start, "dur": e.cpu_time_total,
                  "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}}
                 for e in self]
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)
        return path
