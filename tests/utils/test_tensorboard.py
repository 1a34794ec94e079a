"""galton.utils.tensorboard: SummaryWriter writes through tensorboard's own EventFileWriter
when tensorboard is installed and through the hand-written encoder otherwise; both encoders'
messages equal PyTorch's byte for byte, and TensorBoard reads both kinds of files back."""
import glob
import io
import os
import socket
import struct
import sys
import time

import numpy as np
import pytest

import galton
from galton.utils.tensorboard import SummaryWriter, _events, _fallback
from galton.utils.tensorboard import _summary as gsummary

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from galton.utils.tensorboard import _library  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader  # noqa: E402
from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.summary.writer import event_file_writer as tb_writer  # noqa: E402
from tensorboard.summary.writer.record_writer import masked_crc32c as tb_masked_crc  # noqa: E402
from torch.utils.tensorboard import summary as tsummary  # noqa: E402

PIL = pytest.importorskip("PIL.Image")

ENCODERS = pytest.mark.parametrize("enc", [_library, _fallback], ids=["library", "fallback"])


@pytest.fixture(params=["library", "fallback"])
def backend(request, monkeypatch):
    """Each file test runs twice: with tensorboard importable (the library path) and with
    galton's library encoder made unimportable, as on a machine without tensorboard."""
    if request.param == "fallback":
        monkeypatch.setitem(sys.modules, "galton.utils.tensorboard._library", None)
    return request.param


def event_bytes(enc, value, wall_time=1.0, step=None):
    """The serialised Event that encoder ``enc`` makes of one Summary.Value."""
    ev = enc.event(wall_time, step, value)
    return ev if isinstance(ev, bytes) else ev.SerializeToString()


def torch_event_bytes(summary, wall_time=1.0, step=None):
    return event_pb2.Event(wall_time=wall_time, step=step or 0,
                           summary=summary).SerializeToString()


def event_files(folder):
    return sorted(glob.glob(os.path.join(str(folder), "events.out.tfevents.*")))


def accumulate(folder):
    acc = EventAccumulator(str(folder), size_guidance={"images": 0, "tensors": 0,
                                                       "scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


# --- framing --------------------------------------------------------------------------------
def test_crc32c_known_values():
    assert _events.crc32c(b"123456789") == 0xE3069283
    assert _events.crc32c(b"") == 0
    assert _events.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4 test vector


@pytest.mark.parametrize("data", [b"", b"a", b"hello tensorboard", bytes(range(256)) * 3])
def test_masked_crc_matches_tensorboard(data):
    assert _events.masked_crc32c(data) == tb_masked_crc(data)


def test_frame_record_layout_and_reader(tmp_path):
    records = [b"", b"x", bytes(range(200))]
    path = tmp_path / "r.tfrecord"
    path.write_bytes(b"".join(_events.frame_record(r) for r in records))
    assert list(_events.read_records(path)) == records
    framed = _events.frame_record(b"abc")
    assert struct.unpack("<Q", framed[:8])[0] == 3
    assert struct.unpack("<I", framed[8:12])[0] == tb_masked_crc(framed[:8])
    assert struct.unpack("<I", framed[-4:])[0] == tb_masked_crc(b"abc")


def test_reader_rejects_corruption(tmp_path):
    good = _events.frame_record(b"payload!")
    bad_data = bytearray(good)
    bad_data[14] ^= 1
    bad_len = bytearray(good)
    bad_len[0] ^= 1
    for name, buf, msg in [("data", bad_data, "data CRC"), ("len", bad_len, "length CRC"),
                           ("trunc", good[:-3], "truncated"), ("head", good[:5], "truncated")]:
        path = tmp_path / name
        path.write_bytes(bytes(buf))
        with pytest.raises(_events.RecordError, match=msg):
            list(_events.read_records(path))


def test_varint_negative_and_large():
    # protobuf writes negative int64 as 10-byte two's complement
    ev = event_pb2.Event(step=-3, wall_time=1.5)
    assert _events.event(1.5, -3) == ev.SerializeToString()
    ev = event_pb2.Event(step=2 ** 40 + 7)
    assert _events.event(0.0, 2 ** 40 + 7) == ev.SerializeToString()


# --- both encoders' messages equal PyTorch's byte for byte --------------------------------
@ENCODERS
@pytest.mark.parametrize("val", [0.0, 1.0, -2.5, 3.25e10, np.float32(0.1)])
def test_scalar_bytes(enc, val):
    ours = event_bytes(enc, enc.scalar("loss/train", gsummary.scalar_number("x", val)), 2.0, 5)
    assert ours == torch_event_bytes(tsummary.scalar("loss/train", val), 2.0, 5)


@ENCODERS
@pytest.mark.parametrize("double", [False, True])
def test_new_style_scalar_bytes(enc, double):
    ours = event_bytes(enc, enc.scalar("acc", 0.75, True, double))
    theirs = tsummary.scalar("acc", 0.75, new_style=True, double_precision=double)
    assert ours == torch_event_bytes(theirs)


@ENCODERS
def test_special_events_equal_protobuf(enc):
    def ser(ev):
        return ev if isinstance(ev, bytes) else ev.SerializeToString()
    assert ser(enc.event(5.0, 3, file_version="brain.Event:2")) == event_pb2.Event(
        wall_time=5.0, step=3, file_version="brain.Event:2").SerializeToString()
    theirs = event_pb2.Event(wall_time=6.0, step=3)
    theirs.session_log.status = event_pb2.SessionLog.START
    assert ser(enc.event(6.0, 3, session_start=True)) == theirs.SerializeToString()
    assert ser(enc.event(7.0, -3)) == event_pb2.Event(wall_time=7.0, step=-3).SerializeToString()


def test_fallback_first_event_equals_protobuf():
    first = event_pb2.Event(wall_time=5.0, file_version="brain.Event:2")
    first.source_metadata.writer = "galton"
    assert _events.event(5.0, file_version="brain.Event:2", source_writer="galton") == \
        first.SerializeToString()


def test_default_bins_match_torch(tmp_path):
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    theirs = TorchWriter(tmp_path / "torch")
    theirs.close()
    with SummaryWriter(tmp_path / "galton") as ours:
        assert ours.default_bins == theirs.default_bins


@ENCODERS
@pytest.mark.parametrize("bins,max_bins,shape", [("tensorflow", None, (100,)),
                                                  ("tensorflow", 50, (7, 9)),
                                                  (10, None, (64,)), ("auto", None, (3, 30)),
                                                  (np.linspace(-4, 4, 17), 5, (40,))])
def test_histogram_bytes(enc, bins, max_bins, shape):
    values = np.random.randn(*shape).astype(np.float32)
    if isinstance(bins, str) and bins == "tensorflow":
        bins = gsummary.tensorflow_bins()
    fields = gsummary.histogram(values.astype(np.float64).reshape(-1), bins, max_bins)
    theirs = tsummary.histogram("w", values, bins, max_bins=max_bins)
    assert event_bytes(enc, enc.histogram("w", fields)) == torch_event_bytes(theirs)


def test_histogram_errors():
    with pytest.raises(ValueError, match="no element"):
        gsummary.histogram(np.zeros(0), 10, None)
    with pytest.raises(ValueError, match="NaN"):
        gsummary.histogram(np.array([1.0, np.nan]), 10, None)
    with pytest.raises(ValueError, match="inside the bins"):
        gsummary.histogram(np.array([5.0]), [0.0, 1.0, 2.0], None)


@ENCODERS
@pytest.mark.parametrize("shape,fmt,dtype", [((3, 8, 6), "CHW", np.float32),
                                             ((1, 5, 7), "CHW", np.float64),
                                             ((8, 6, 3), "HWC", np.uint8),
                                             ((6, 8, 4), "HWC", np.float32),
                                             ((9, 4), "HW", np.float32),
                                             ((4, 9), "WH", np.uint8)])
def test_image_bytes(enc, shape, fmt, dtype):
    if dtype == np.uint8:
        img = np.random.randint(0, 256, shape).astype(np.uint8)
    else:
        img = np.random.rand(*shape).astype(dtype)
    ours = enc.image("img", *gsummary.encode_png(gsummary.to_hwc(img, fmt)))
    theirs = tsummary.image("img", img, dataformats=fmt)
    assert event_bytes(enc, ours) == torch_event_bytes(theirs)


@ENCODERS
@pytest.mark.parametrize("shape,fmt", [((5, 1, 4, 4), "NCHW"), ((10, 3, 2, 3), "NCHW"),
                                       ((3, 4, 4, 1), "NHWC")])
def test_image_grid_bytes(enc, shape, fmt):
    img = np.random.rand(*shape).astype(np.float32)
    ours = enc.image("grid", *gsummary.encode_png(gsummary.to_hwc(img, fmt)))
    assert event_bytes(enc, ours) == torch_event_bytes(
        tsummary.image("grid", img, dataformats=fmt))


@ENCODERS
@pytest.mark.parametrize("text", ["lesson 17", "**hello** \u2014 \u05e9\u05dc\u05d5\u05dd", ""])
def test_text_bytes(enc, text):
    assert event_bytes(enc, enc.text("notes", text)) == torch_event_bytes(
        tsummary.text("notes", text))


@pytest.mark.parametrize("shape,fmt,msg", [((3, 4), "CHW", "3 dimensions"),
                                           ((3, 4, 4), "CHX", "distinct letters"),
                                           ((3, 4, 4), "CCH", "distinct letters"),
                                           ((2, 4, 4), "CHW", "1, 3 or 4 channels"),
                                           ((2, 2, 4, 4), "NCHW", "1 or 3 channels"),
                                           ((3, 4, 4), "NHW", "CHW or HWC"),
                                           ((3, 4), "CH", "not an image layout")])
def test_image_layout_errors(shape, fmt, msg):
    with pytest.raises(ValueError, match=msg):
        gsummary.to_hwc(np.zeros(shape), fmt)


def test_scalar_must_be_one_number(backend, tmp_path):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"single number.*\(2, 2\)"):
            w.add_scalar("x", np.ones((2, 2)))


# --- files, read back by TensorBoard ------------------------------------------------------
def test_round_trip_through_tensorboard(backend, tmp_path):
    img = np.random.rand(3, 10, 12).astype(np.float32)
    with SummaryWriter(tmp_path / "run") as w:
        for step in range(5):
            w.add_scalar("loss", galton.tensor(1.0 / (step + 1)), step, walltime=100.0 + step)
        w.add_scalar("acc", np.float64(0.5), 3)
        w.add_image("digit", galton.tensor(img), global_step=2)
        w.add_images("batch", np.random.rand(4, 1, 5, 5), global_step=1)
        w.add_text("notes", "lesson 17", global_step=4)
        w.add_histogram("weights", galton.randn(50), global_step=1)
        w.add_scalar("new", 2.5, 1, new_style=True)
    acc = accumulate(tmp_path / "run")
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2, 3, 4]
    assert [e.wall_time for e in loss] == [100.0, 101.0, 102.0, 103.0, 104.0]
    np.testing.assert_allclose([e.value for e in loss], [1, 0.5, 1 / 3, 0.25, 0.2], rtol=1e-6)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(3, 0.5)]
    (im,) = acc.Images("digit")
    assert (im.step, im.width, im.height) == (2, 12, 10)
    decoded = np.asarray(PIL.open(io.BytesIO(im.encoded_image_string)))
    np.testing.assert_array_equal(decoded, (img.transpose(1, 2, 0) * 255).astype(np.uint8))
    (grid,) = acc.Images("batch")
    assert (grid.width, grid.height) == (20, 5)
    (text,) = acc.Tensors("notes/text_summary")
    assert text.step == 4
    assert text.tensor_proto.string_val == [b"lesson 17"]
    (hist,) = acc.Histograms("weights")
    assert hist.histogram_value.num == 50
    (new,) = acc.Tensors("new")
    assert new.tensor_proto.float_val == [2.5]


def test_event_file_name_and_first_event(backend, tmp_path):
    before = int(time.time())
    w = SummaryWriter(tmp_path, filename_suffix=".v2")
    w.close()
    (path,) = event_files(tmp_path)
    name = os.path.basename(path)
    prefix, stamp, host_pid_n = name[:20], name[20:30], name[31:]
    assert prefix == "events.out.tfevents."
    assert before <= int(stamp) <= int(time.time())
    host = socket.gethostname()
    assert host_pid_n.startswith(f"{host}.{os.getpid()}.") and host_pid_n.endswith(".v2")
    events = list(EventFileLoader(path).Load())
    assert events[0].file_version == "brain.Event:2"
    # the first event names the code that wrote the file: which path was taken
    expected = {"library": "tensorboard.summary.writer.event_file_writer",
                "fallback": "galton"}[backend]
    assert events[0].source_metadata.writer == expected


def test_library_path_writes_through_tensorboards_writer(tmp_path):
    with SummaryWriter(tmp_path) as w:
        assert w._encoder is _library
        assert isinstance(w.file_writer, tb_writer.EventFileWriter)
        w.add_scalars("loss", {"train": 1.0}, 0)
        assert all(isinstance(f, tb_writer.EventFileWriter) for f in w.all_writers.values())


def test_fallback_path_when_tensorboard_is_missing(tmp_path, monkeypatch):
    # as if tensorboard were not installed: none of its writer modules can be imported
    for mod in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, mod, None)
    monkeypatch.delitem(sys.modules, "galton.utils.tensorboard._library")
    with SummaryWriter(tmp_path) as w:
        assert w._encoder is _fallback
        assert isinstance(w.file_writer, _fallback.EventFileWriter)
        w.add_scalar("loss", 0.5, 1, walltime=3.0)
        w.add_text("notes", "no tensorboard here")
    monkeypatch.undo()
    (path,) = event_files(tmp_path)
    assert _events.read_scalars(path) == [("loss", 1, 3.0, 0.5)]
    acc = accumulate(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(1, 0.5)]
    assert acc.Tensors("notes/text_summary")[0].tensor_proto.string_val == [
        b"no tensorboard here"]


def test_default_log_dir(backend, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1")
    w.close()
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith("_" + socket.gethostname() + "_lr0.1")
    assert w.get_logdir() == os.path.join("runs", run)
    assert len(event_files(tmp_path / "runs" / run)) == 1


def test_add_scalars_writes_one_folder_per_key(backend, tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars("loss/all", {"train": 1.0 - step * 0.1, "val": 2.0}, step)
    for key, expected in [("train", [1.0, 0.9, 0.8]), ("val", [2.0] * 3)]:
        acc = accumulate(tmp_path / f"loss_all_{key}")
        np.testing.assert_allclose([e.value for e in acc.Scalars("loss/all")], expected,
                                   rtol=1e-6)


def test_own_reader_reads_scalars_and_checks_crcs(backend, tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("a", 1.5, 10, walltime=7.0)
        w.add_scalar("b", -2.0, -1, walltime=8.0)
        w.add_text("t", "no scalar here")
    (path,) = event_files(tmp_path)
    assert _events.read_scalars(path) == [("a", 10, 7.0, 1.5), ("b", -1, 8.0, -2.0)]
    raw = bytearray(open(path, "rb").read())
    raw[-6] ^= 0xFF
    open(path, "wb").write(bytes(raw))
    with pytest.raises(_events.RecordError, match="CRC"):
        _events.read_scalars(path)


def test_pending_events_reach_disk_on_flush_and_max_queue(tmp_path, monkeypatch):
    # the queueing rules of galton's own writer (tensorboard's writes from a thread)
    monkeypatch.setitem(sys.modules, "galton.utils.tensorboard._library", None)
    w = SummaryWriter(tmp_path, max_queue=3, flush_secs=0)
    (path,) = event_files(tmp_path)
    w.add_scalar("x", 1.0, 0)
    w.add_scalar("x", 2.0, 1)
    assert _events.read_scalars(path) == []  # still queued
    w.add_scalar("x", 3.0, 2)  # the third pending event forces a write
    assert [s[3] for s in _events.read_scalars(path)] == [1.0, 2.0, 3.0]
    w.add_scalar("x", 4.0, 3)
    w.flush()
    assert len(_events.read_scalars(path)) == 4
    w.close()


def test_background_flush(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "galton.utils.tensorboard._library", None)
    w = SummaryWriter(tmp_path, flush_secs=0.05)
    (path,) = event_files(tmp_path)
    w.add_scalar("x", 1.0, 0)
    deadline = time.time() + 5
    while not _events.read_scalars(path) and time.time() < deadline:
        time.sleep(0.02)
    assert len(_events.read_scalars(path)) == 1
    thread = w.file_writer._thread
    assert thread.is_alive()
    w.close()
    assert not thread.is_alive()  # close() stops the flusher


def test_close_then_write_opens_a_new_file(backend, tmp_path):
    w = SummaryWriter(tmp_path)
    w.add_scalar("x", 1.0, 0)
    w.close()
    w.close()  # twice is fine
    w.add_scalar("x", 2.0, 1)
    w.close()
    files = event_files(tmp_path)
    assert len(files) == 2
    assert sorted(s[3] for f in files for s in _events.read_scalars(f)) == [1.0, 2.0]


def test_purge_step_hides_later_events_of_a_crashed_run(backend, tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(10):
            w.add_scalar("loss", float(step), step)
    # name the first file so that it sorts first, whatever the writers' counters are
    (old,) = event_files(tmp_path)
    os.rename(old, os.path.join(str(tmp_path), "events.out.tfevents.0000000001.a.1.1"))
    with SummaryWriter(tmp_path, purge_step=5) as w:
        for step in range(5, 8):
            w.add_scalar("loss", 100.0 + step, step)
    values = [(e.step, e.value) for e in accumulate(tmp_path).Scalars("loss")]
    assert values == [(s, float(s)) for s in range(5)] + [(s, 100.0 + s) for s in range(5, 8)]


def test_add_figure(backend, tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    fig = plt.figure(figsize=(2, 1), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("curve", fig, 0)
        w.add_figure("two", [plt.figure(figsize=(1, 1), dpi=20) for _ in range(2)], 1)
    acc = accumulate(tmp_path)
    (im,) = acc.Images("curve")
    assert (im.width, im.height) == (100, 50)
    (grid,) = acc.Images("two")
    assert (grid.width, grid.height) == (40, 20)
    assert not plt.fignum_exists(fig.number)
