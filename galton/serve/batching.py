"""Micro-batching: concurrent requests share one forward pass.

A forward pass of a small CNN on one image is mostly fixed cost (Python per layer, a GEMM
too small to use the cores); on 32 images it costs a few times one image's pass, not 32
times. So one thread owns the model and, whenever it takes a request, also takes every other
request that is already queued or about to be (announced with ``expect()`` while its image is
still being decoded), waiting at most ``window`` seconds for those, up to ``max_batch``.

A lone client never waits: with nothing else queued or announced, its request runs at once.

>>> batcher = MicroBatcher(lambda xs: xs.sum(axis=(1, 2, 3))[:, None], window=0.005)
>>> batcher.submit(np.ones((1, 2, 2), np.float32)).result()
array([4.], dtype=float32)
"""
import threading
import time
from concurrent.futures import Future

import numpy as np

__all__ = ["MicroBatcher"]


class MicroBatcher:
    """Run ``run_batch`` (N×C×H×W array -> N×K array) on batches of queued inputs, in one
    thread of its own.

    max_batch: the largest batch (1: no batching, one forward pass per request, in arrival
    order); window: seconds the thread waits for announced requests to join a batch.
    ``batches`` counts the forward passes, ``sizes`` keeps the last 1000 batch sizes.
    """

    def __init__(self, run_batch, max_batch=32, window=0.005, name="galton-batcher"):
        if int(max_batch) < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if not window >= 0:
            raise ValueError(f"window must be >= 0 seconds, got {window}")
        self.run_batch = run_batch
        self.max_batch = int(max_batch)
        self.window = float(window)
        self.name = name
        self.batches = 0
        self.sizes = []
        self._queue = []            # (input, future) in arrival order
        self._expected = 0          # announced requests not yet submitted
        self._cond = threading.Condition()
        self._thread = None
        self._closed = False

    # --- the clients' side --------------------------------------------------------------
    def expect(self):
        """Announce a request that will be submitted soon (its image is being decoded), so a
        batch being formed waits for it. Pair with ``submit`` or ``cancel``."""
        with self._cond:
            self._expected += 1

    def cancel(self):
        """Withdraw an announcement (the request failed before reaching the model)."""
        with self._cond:
            self._expected = max(0, self._expected - 1)
            self._cond.notify_all()

    def submit(self, x, future=None, expected=False):
        """Queue one input (C×H×W); the future (given or new) receives its output row.

        expected: this request was announced with ``expect()``."""
        future = future if future is not None else Future()
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed")
            if expected:
                self._expected = max(0, self._expected - 1)
            self._queue.append((x, future))
            self._start()
            self._cond.notify_all()
        return future

    @property
    def pending(self):
        """Inputs queued and not yet taken into a batch."""
        with self._cond:
            return len(self._queue)

    def close(self):
        """Stop the thread after the queued inputs are answered."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    # --- the model's side ---------------------------------------------------------------
    def _start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def _next_batch(self):
        """The next batch of (input, future), or None when closed and drained."""
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            deadline = time.monotonic() + self.window
            # wait for announced requests while the batch has room and the window is open
            while (len(self._queue) < self.max_batch and self._expected > 0
                   and not self._closed):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            return batch

    def _loop(self):
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            live = [(x, f) for x, f in batch if f.set_running_or_notify_cancel()]
            if not live:
                continue
            self.batches += 1
            self.sizes = self.sizes[-999:] + [len(live)]
            try:
                out = self.run_batch(np.stack([x for x, _ in live]))
            except BaseException as exc:  # noqa: BLE001  (each waiting request gets it)
                for _, f in live:
                    f.set_exception(exc)
                continue
            for (_, f), row in zip(live, out):
                f.set_result(row)
