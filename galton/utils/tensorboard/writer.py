"""``SummaryWriter``: TensorBoard logs with PyTorch's API, without tensorflow or tensorboard.

>>> from galton.utils.tensorboard import SummaryWriter
>>> with SummaryWriter("runs/mnist") as writer:
...     for step, loss in enumerate(losses):
...         writer.add_scalar("Loss/train", loss, step)

Then ``tensorboard --logdir runs`` shows the curves. The event files are written by
``_events.py`` and read by TensorBoard exactly as PyTorch's are.
"""
import os
import socket
import threading
import time
import weakref
from datetime import datetime

import numpy as np

from . import _events, _summary

__all__ = ["SummaryWriter"]

_uid_lock = threading.Lock()
_uid = [0]


def _next_uid():
    # a process-wide counter, so two writers opened in the same second get distinct files
    with _uid_lock:
        _uid[0] += 1
        return _uid[0]


class _EventFileWriter:
    """One event file: events queue up in memory and reach the disk every ``flush_secs`` (a
    daemon thread), when ``max_queue`` are pending, on ``flush()`` and on ``close()``."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        name = "events.out.tfevents.%010d.%s.%s.%s" % (time.time(), socket.gethostname(),
                                                       os.getpid(), _next_uid())
        self.path = os.path.join(self.log_dir, name + filename_suffix)
        self._file = open(self.path, "wb")
        self._pending = []
        self._lock = threading.Lock()
        self._max_queue = max(int(max_queue), 1)
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


class SummaryWriter:
    """Write scalars, images, histograms and text for TensorBoard (as
    ``torch.utils.tensorboard.SummaryWriter``).

    ``log_dir`` defaults to ``runs/<Mon DD_HH-MM-SS>_<host><comment>``. Each writer creates
    one file ``events.out.tfevents.<time>.<host>.<pid>.<n><filename_suffix>`` in it; events
    reach the disk every ``flush_secs`` seconds, when ``max_queue`` are pending, on
    ``flush()`` and on ``close()``. ``purge_step`` tells TensorBoard to hide events at or
    after that step from an earlier (crashed) run written to the same folder.

    >>> writer = SummaryWriter(comment="_lr0.01")
    >>> writer.add_scalar("Loss/train", 0.25, global_step=3)
    >>> writer.close()
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = None
        self.all_writers = None
        self._get_file_writer()
        self.default_bins = _summary.tensorflow_bins()

    # --- files --------------------------------------------------------------------------
    def _get_file_writer(self):
        """The writer of this run's own event file, reopened after ``close()``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = _EventFileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                                self.filename_suffix)
            self.all_writers = {self.file_writer.log_dir: self.file_writer}
            if self.purge_step is not None:
                step = int(self.purge_step)
                self.file_writer.add_event(_events.event(time.time(), step,
                                                         file_version="brain.Event:2"))
                self.file_writer.add_event(_events.event(
                    time.time(), step, session_log=_events.session_log(_events.SESSION_START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The folder this writer writes to."""
        return self.log_dir

    def _add_summary(self, value, global_step, walltime, writer=None):
        walltime = time.time() if walltime is None else walltime
        step = None if global_step is None else int(global_step)
        (writer or self._get_file_writer()).add_event(
            _events.event(walltime, step, summary=_events.summary(value)))

    # --- scalars ------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number (a float, or a tensor/array with one element) under ``tag``.

        ``new_style=True`` stores it as a tensor for TensorBoard's scalars plugin (in float64
        with ``double_precision=True``) instead of the classic ``simple_value``.
        """
        value = _summary.scalar_value(tag, scalar_value, new_style, double_precision)
        self._add_summary(value, global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers on one chart: each key of ``tag_scalar_dict`` goes to its own
        folder ``<log_dir>/<main_tag>_<key>`` under the tag ``main_tag``, as PyTorch does.

        >>> writer.add_scalars("loss", {"train": 0.3, "val": 0.4}, epoch)
        """
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().log_dir
        for tag, scalar_value in tag_scalar_dict.items():
            folder = base + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(folder)
            if writer is None:
                writer = _EventFileWriter(folder, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
                self.all_writers[folder] = writer
            self._add_summary(_summary.scalar_value(main_tag, scalar_value), global_step,
                              walltime, writer)

    # --- histograms ---------------------------------------------------------------------
    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None):
        """Log the distribution of ``values`` (e.g. a layer's weights).

        ``bins`` is anything ``numpy.histogram`` takes; ``"tensorflow"`` (the default) uses
        TensorFlow's exponential bins; ``max_bins`` merges neighbouring bins down to at most
        that many.
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        arr = _summary.to_numpy(values).astype(np.float64).reshape(-1)
        self._add_summary(_events.value(tag, histo=_summary.histogram(arr, bins, max_bins)),
                          global_step, walltime)

    # --- images -------------------------------------------------------------------------
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log one image: a tensor/array in ``dataformats`` (``"CHW"``, ``"HWC"``, ``"HW"``)
        with 1, 3 or 4 channels; floats are taken to lie in [0, 1], uint8 in [0, 255].
        It is stored as PNG.
        """
        arr = _summary.to_hwc(_summary.to_numpy(img_tensor), dataformats)
        self._add_summary(_events.value(tag, image=_summary.encode_image(arr)), global_step,
                          walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Log a batch of images as one grid (up to 8 per row), as PyTorch does."""
        arr = _summary.to_hwc(_summary.to_numpy(img_tensor), dataformats)
        self._add_summary(_events.value(tag, image=_summary.encode_image(arr)), global_step,
                          walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Log a matplotlib figure (or a list of figures, as one grid) as an image."""
        if isinstance(figure, (list, tuple)):
            arr = np.stack([_summary.figure_to_chw(f, close) for f in figure])
            self.add_images(tag, arr, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, _summary.figure_to_chw(figure, close), global_step, walltime,
                           dataformats="CHW")

    # --- text ---------------------------------------------------------------------------
    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Log a string (TensorBoard renders it as Markdown) under ``<tag>/text_summary``."""
        self._add_summary(_summary.text_value(tag, text_string), global_step, walltime)

    # --- life cycle ---------------------------------------------------------------------
    def flush(self):
        """Write every pending event of every file of this writer to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self):
        """Flush and close all files; a later ``add_*`` opens a new event file."""
        for writer in (self.all_writers or {}).values():
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    def __repr__(self):
        return f"SummaryWriter(log_dir={self.log_dir!r})"
