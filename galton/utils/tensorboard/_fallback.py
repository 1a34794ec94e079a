"""The fallback encoder, used when the ``tensorboard`` package is not installed: event files
written by galton itself (the protobuf messages and TFRecord framing of ``_events.py``) with
its own queued, periodically flushed ``EventFileWriter``.

It exposes the same names as ``_library.py`` (``NAME``, ``EventFileWriter``, ``scalar``,
``histogram``, ``image``, ``text``, ``event``, ``graph_event``, ``hparams``), so
``SummaryWriter`` does not care which one it writes through; an event here is its serialised
bytes. ``hparams`` is the exception: it raises ImportError (see there).
"""
import os
import socket
import threading
import time
import weakref

from . import _events

NAME = "galton"

_uid_lock = threading.Lock()
_uid = [0]


def _next_uid():
    # a process-wide counter, so two writers opened in the same second get distinct files
    with _uid_lock:
        _uid[0] += 1
        return _uid[0]


class EventFileWriter:
    """One event file: events queue up in memory and reach the disk every ``flush_secs`` (a
    daemon thread), when ``max_queue_size`` are pending, on ``flush()`` and on ``close()``.
    The constructor takes the arguments of tensorboard's ``EventFileWriter``."""

    def __init__(self, logdir, max_queue_size=10, flush_secs=120, filename_suffix=""):
        self.log_dir = str(logdir)
        os.makedirs(self.log_dir, exist_ok=True)
        name = "events.out.tfevents.%010d.%s.%s.%s" % (time.time(), socket.gethostname(),
                                                       os.getpid(), _next_uid())
        self.path = os.path.join(self.log_dir, name + filename_suffix)
        self._file = open(self.path, "wb")
        self._pending = []
        self._lock = threading.Lock()
        self._max_queue = max(int(max_queue_size), 1)
        self._closed = False
        # TensorBoard recognises an event file by this first event
        self.add_event(_events.event(time.time(), file_version="brain.Event:2",
                                     source_writer="galton"))
        self.flush()
        self._stop = threading.Event()
        self._thread = None
        if flush_secs and flush_secs > 0:
            # the thread holds only a weak reference, so a forgotten writer can be collected
            self._thread = threading.Thread(target=_flush_loop,
                                            args=(weakref.ref(self), self._stop, flush_secs),
                                            name="galton-tensorboard-flush", daemon=True)
            self._thread.start()

    def get_logdir(self):
        """The folder of the event file."""
        return self.log_dir

    def add_event(self, serialised_event):
        with self._lock:
            if self._closed:
                raise RuntimeError(f"SummaryWriter: the event file {self.path} is closed")
            self._pending.append(_events.frame_record(serialised_event))
            if len(self._pending) >= self._max_queue:
                self._write_pending()

    def _write_pending(self):
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending.clear()
        self._file.flush()

    def flush(self):
        with self._lock:
            if not self._closed:
                self._write_pending()

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._write_pending()
            self._file.close()
            self._closed = True
        if self._thread is not None:
            self._stop.set()
            if self._thread is not threading.current_thread():
                self._thread.join()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001  (interpreter shutdown: nothing left to report to)
            pass


def _flush_loop(ref, stop, flush_secs):
    while not stop.wait(flush_secs):
        writer = ref()
        if writer is None:
            return
        writer.flush()
        del writer


# --- Summary.Value messages (serialised) --------------------------------------------------
def scalar(tag, number, new_style=False, double_precision=False):
    """One number: a classic ``simple_value``, or a float32/float64 tensor for the scalars
    plugin with ``new_style=True``."""
    if not new_style:
        return _events.value(tag, simple_value=number)
    if double_precision:
        tensor = _events.tensor(_events.DT_DOUBLE, double_val=[number])
    else:
        tensor = _events.tensor(_events.DT_FLOAT, float_val=[number])
    return _events.value(tag, tensor=tensor, metadata=_events.plugin_metadata("scalars"))


def histogram(tag, h):
    """A histogram from the fields ``_summary.histogram`` computed."""
    return _events.value(tag, histo=_events.histogram(
        h["min"], h["max"], h["num"], h["sum"], h["sum_squares"], h["bucket_limit"],
        h["bucket"]))


def image(tag, height, width, channels, png):
    return _events.value(tag, image=_events.image(height, width, channels, png))


def text(tag, string):
    """A string for TensorBoard's text plugin (rendered as Markdown)."""
    tensor = _events.tensor(_events.DT_STRING, shape=(1,), string_val=[string.encode("utf-8")])
    return _events.value(tag + "/text_summary", tensor=tensor,
                         metadata=_events.plugin_metadata("text"))


def event(wall_time, step=None, value=None, file_version=None, session_start=False):
    """A serialised Event holding one Summary.Value, a file version or a SessionLog START."""
    return _events.event(
        wall_time, step, summary=None if value is None else _events.summary(value),
        file_version=file_version,
        session_log=_events.session_log(_events.SESSION_START) if session_start else None)


def graph_event(wall_time, nodes):
    """A serialised Event holding the GraphDef of ``nodes`` (from ``_graph.graph_nodes``)."""
    return _events.event(wall_time, graph_def=_events.graph_def(nodes))


def hparams(entries, metric_names):
    """Not written by hand: the hparams plugin's messages (Experiment, SessionStartInfo with
    google.protobuf Values, ...) are the tensorboard package's own; guessing their bytes
    could log something TensorBoard misreads."""
    raise ImportError("SummaryWriter.add_hparams needs the tensorboard package (its hparams "
                      "plugin defines the messages it writes): pip install tensorboard")
