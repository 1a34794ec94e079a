"""``SummaryWriter``: TensorBoard logs with PyTorch's API, without tensorflow.

>>> from galton.utils.tensorboard import SummaryWriter
>>> with SummaryWriter("runs/mnist") as writer:
...     for step, loss in enumerate(losses):
...         writer.add_scalar("Loss/train", loss, step)

Then ``tensorboard --logdir runs`` shows the curves. With the ``tensorboard`` package
installed (``pip install 'galton[tensorboard]'``) the events are tensorboard's own protobuf
messages written by its ``EventFileWriter`` (``_library.py``); without it galton falls back to
its hand-written encoder (``_fallback.py`` and ``_events.py``), whose files TensorBoard reads
just the same.
"""
import importlib
import os
import socket
import time
from datetime import datetime

import numpy as np

from . import _fallback, _summary

__all__ = ["SummaryWriter"]


def _encoder():
    """The encoder to write with: ``_library`` (tensorboard's messages and EventFileWriter)
    when the tensorboard package imports, else the hand-written ``_fallback``."""
    try:
        # import_module (not ``from . import``) so that a module made unimportable in
        # sys.modules counts as missing, as when tensorboard is not installed
        return importlib.import_module(__package__ + "._library")
    except ImportError:
        return _fallback


class SummaryWriter:
    """Write scalars, images, histograms, text, the model graph and hyperparameters for
    TensorBoard (as
    ``torch.utils.tensorboard.SummaryWriter``).

    ``log_dir`` defaults to ``runs/<Mon DD_HH-MM-SS>_<host><comment>``. Each writer creates
    one file ``events.out.tfevents.<time>.<host>.<pid>.<n><filename_suffix>`` in it; events
    reach the disk every ``flush_secs`` seconds, when ``max_queue`` are pending, on
    ``flush()`` and on ``close()``. ``purge_step`` tells TensorBoard to hide events at or
    after that step from an earlier (crashed) run written to the same folder.

    The events go through the ``tensorboard`` package's ``EventFileWriter`` when it is
    installed; only without it does galton's hand-written protobuf encoder write them.

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
        self._encoder = _encoder()
        self._get_file_writer()
        self.default_bins = _summary.tensorflow_bins()

    # --- files --------------------------------------------------------------------------
    def _get_file_writer(self):
        """The writer of this run's own event file, reopened after ``close()``."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = self._open(self.log_dir)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step, enc = int(self.purge_step), self._encoder
                self.file_writer.add_event(enc.event(time.time(), step,
                                                     file_version="brain.Event:2"))
                self.file_writer.add_event(enc.event(time.time(), step, session_start=True))
                self.purge_step = None
        return self.file_writer

    def _open(self, folder):
        return self._encoder.EventFileWriter(folder, self.max_queue, self.flush_secs,
                                             self.filename_suffix)

    def get_logdir(self):
        """The folder this writer writes to."""
        return self.log_dir

    def _add_summary(self, value, global_step, walltime, writer=None):
        walltime = time.time() if walltime is None else walltime
        step = None if global_step is None else int(global_step)
        (writer or self._get_file_writer()).add_event(
            self._encoder.event(walltime, step, value))

    # --- scalars ------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number (a float, or a tensor/array with one element) under ``tag``.

        ``new_style=True`` stores it as a tensor for TensorBoard's scalars plugin (in float64
        with ``double_precision=True``) instead of the classic ``simple_value``.
        """
        number = _summary.scalar_number(tag, scalar_value)
        self._add_summary(self._encoder.scalar(tag, number, new_style, double_precision),
                          global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers on one chart: each key of ``tag_scalar_dict`` goes to its own
        folder ``<log_dir>/<main_tag>_<key>`` under the tag ``main_tag``, as PyTorch does.

        >>> writer.add_scalars("loss", {"train": 0.3, "val": 0.4}, epoch)
        """
        walltime = time.time() if walltime is None else walltime
        base = self._get_file_writer().get_logdir()
        for tag, scalar_value in tag_scalar_dict.items():
            folder = base + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(folder)
            if writer is None:
                writer = self.all_writers[folder] = self._open(folder)
            number = _summary.scalar_number(main_tag, scalar_value)
            self._add_summary(self._encoder.scalar(main_tag, number), global_step, walltime,
                              writer)

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
        self._add_summary(self._encoder.histogram(tag, _summary.histogram(arr, bins, max_bins)),
                          global_step, walltime)

    # --- images -------------------------------------------------------------------------
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log one image: a tensor/array in ``dataformats`` (``"CHW"``, ``"HWC"``, ``"HW"``)
        with 1, 3 or 4 channels; floats are taken to lie in [0, 1], uint8 in [0, 255].
        It is stored as PNG.
        """
        arr = _summary.to_hwc(_summary.to_numpy(img_tensor), dataformats)
        self._add_summary(self._encoder.image(tag, *_summary.encode_png(arr)), global_step,
                          walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Log a batch of images as one grid (up to 8 per row), as PyTorch does."""
        arr = _summary.to_hwc(_summary.to_numpy(img_tensor), dataformats)
        self._add_summary(self._encoder.image(tag, *_summary.encode_png(arr)), global_step,
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
        self._add_summary(self._encoder.text(tag, text_string), global_step, walltime)

    # --- the model graph and hyperparameters --------------------------------------------
    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Log the graph of ``model`` for TensorBoard's Graphs tab, as PyTorch does.

        The model is traced (``galton.jit.trace``) in eval mode on ``input_to_model`` (a
        tensor or a tuple/list of tensors); each recorded op becomes a node in the box of
        the module that ran it (``Net/Conv2d[conv1]/conv2d.3``), wired to the inputs,
        parameters and ops it reads, with its result shapes. ``verbose`` prints the traced
        graph; ``use_strict_trace`` is accepted for PyTorch compatibility.

        >>> writer.add_graph(model, galton.randn(1, 1, 28, 28))
        """
        from ._graph import graph_nodes
        nodes = graph_nodes(model, input_to_model, verbose)
        self._get_file_writer().add_event(self._encoder.graph_event(time.time(), nodes))

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """Log one run's hyperparameters and final metrics for TensorBoard's HParams tab.

        As PyTorch, the hparams plugin's experiment, session-start and session-end summaries
        and each metric (as a scalar) go to a sub-run ``<log_dir>/<run_name>`` (``run_name``
        defaults to the current time), so calls with different hyperparameters make rows of
        one table. Values are bools, numbers, strings or one-element tensors (None is
        skipped); ``hparam_domain_discrete`` lists the values an hparam can take
        (``{"optimizer": ["sgd", "adam"]}``). Needs the tensorboard package.

        >>> writer.add_hparams({"lr": 0.1, "bsize": 32}, {"hparam/accuracy": 0.9})
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        entries = _summary.hparam_entries(hparam_dict, hparam_domain_discrete)
        numbers = {k: _summary.scalar_number(k, v) for k, v in metric_dict.items()}
        values = self._encoder.hparams(entries, list(metric_dict))
        if not run_name:
            run_name = str(time.time())
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name)
        with SummaryWriter(log_dir=logdir) as w_hp:
            for value in values:
                w_hp._add_summary(value, global_step, None)
            for k, number in numbers.items():
                w_hp.add_scalar(k, number, global_step)

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
