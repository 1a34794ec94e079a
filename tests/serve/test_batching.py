"""Micro-batching in galton.serve: requests that arrive together share one forward pass, a
lone request never waits, and every answer equals the answer of its image alone."""
import threading
import time

import numpy as np
import pytest

import galton
from galton.serve import Predictor, create_app
from galton.serve.batching import MicroBatcher

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
pytest.importorskip("PIL")
from fastapi.testclient import TestClient  # noqa: E402

from tests.serve.test_app import CLASSES, horizontal, png, post, stroke_model, vertical  # noqa


class Gate:
    """A run_batch that sums each input and, while ``closed``, holds its first call."""

    def __init__(self):
        self.entered, self.release, self.calls = threading.Event(), threading.Event(), []

    def __call__(self, xs):
        self.calls.append(len(xs))
        self.entered.set()
        self.release.wait(10)
        return xs.reshape(len(xs), -1).sum(axis=1, keepdims=True)


def queue_behind_a_busy_model(batcher, gate, n):
    first = batcher.submit(np.full((1, 1, 1), 100.0, np.float32))
    assert gate.entered.wait(10)  # the model is busy with the first input
    futures = [batcher.submit(np.full((1, 1, 1), float(i), np.float32)) for i in range(n)]
    assert batcher.pending == n
    gate.release.set()
    return first, futures


def test_requests_queued_while_the_model_is_busy_share_one_forward_pass():
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=32, window=0.001)
    first, futures = queue_behind_a_busy_model(batcher, gate, 5)
    assert first.result(10)[0] == 100.0
    assert [f.result(10)[0] for f in futures] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert gate.calls == [1, 5] and batcher.batches == 2
    batcher.close()


def test_max_batch_splits_and_one_disables_batching():
    gate = Gate()
    batcher = MicroBatcher(gate, max_batch=4)
    _, futures = queue_behind_a_busy_model(batcher, gate, 10)
    assert [f.result(10)[0] for f in futures] == list(range(10))
    assert gate.calls == [1, 4, 4, 2]
    batcher.close()
    gate = Gate()
    single = MicroBatcher(gate, max_batch=1)
    _, futures = queue_behind_a_busy_model(single, gate, 3)
    assert [f.result(10)[0] for f in futures] == [0.0, 1.0, 2.0]
    assert gate.calls == [1, 1, 1, 1]
    single.close()


def test_a_batch_waits_for_announced_requests_only():
    gate = Gate()
    gate.release.set()
    batcher = MicroBatcher(gate, window=5.0)
    t0 = time.monotonic()
    assert batcher.submit(np.ones((1, 1, 1), np.float32)).result(10)[0] == 1.0
    assert time.monotonic() - t0 < 2.0  # nothing announced: no waiting for the window
    batcher.expect()                     # a request is being decoded...
    early = batcher.submit(np.ones((1, 1, 1), np.float32))

    def later():
        time.sleep(0.1)
        batcher.submit(np.full((1, 1, 1), 2.0, np.float32), expected=True)
    t0 = time.monotonic()
    threading.Thread(target=later).start()
    assert early.result(10)[0] == 1.0
    assert time.monotonic() - t0 < 2.0   # ...and joined the batch: no waiting for the window
    assert gate.calls == [1, 2]
    batcher.expect()
    batcher.cancel()                     # a decode that failed stops the waiting too
    t0 = time.monotonic()
    batcher.submit(np.ones((1, 1, 1), np.float32)).result(10)
    assert time.monotonic() - t0 < 2.0
    batcher.close()


def test_a_failing_forward_pass_fails_every_request_of_its_batch():
    def broken(xs):
        raise RuntimeError("out of luck")
    batcher = MicroBatcher(broken)
    with pytest.raises(RuntimeError, match="out of luck"):
        batcher.submit(np.ones((1, 1, 1), np.float32)).result(10)
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(broken, max_batch=0)
    batcher.close()


class GatedModel(galton.nn.Module):
    """The stroke model; while ``hold`` is set, a forward pass waits for ``release``."""

    def __init__(self):
        super().__init__()
        self.inner = stroke_model()
        self.hold, self.release, self.entered = False, threading.Event(), threading.Event()
        self.sizes = []

    def forward(self, x):
        self.sizes.append(x.shape[0])
        if self.hold:
            self.entered.set()
            self.release.wait(10)
        return self.inner(x)


def test_concurrent_uploads_are_answered_from_one_batch():
    model = GatedModel()
    predictor = Predictor(model, classes=CLASSES, mean=[0.5], std=[0.5], style="digits",
                          max_batch=16, batch_window=0.5)
    client = TestClient(create_app(predictor=predictor))
    images = [png(vertical()), png(horizontal())] * 4
    alone = [predictor.predict_bytes(data) for data in images]  # one forward pass each
    model.sizes.clear()
    model.hold = True
    answers = [None] * len(images)

    def ask(i):
        answers[i] = post(client, images[i]).json()
    first = threading.Thread(target=ask, args=(0,))
    first.start()
    assert model.entered.wait(10)
    rest = [threading.Thread(target=ask, args=(i,)) for i in range(1, len(images))]
    for t in rest:
        t.start()
    deadline = time.monotonic() + 10
    while predictor._batcher.pending < len(rest) and time.monotonic() < deadline:
        time.sleep(0.01)
    model.release.set()
    for t in [first, *rest]:
        t.join()
    assert model.sizes == [1, len(rest)]
    for got, want in zip(answers, alone):
        assert got["label"] == want["label"]
        np.testing.assert_allclose(got["probabilities"], want["probabilities"], rtol=1e-5)
    assert galton.is_grad_enabled()
