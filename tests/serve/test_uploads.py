"""galton.serve against hostile uploads and broken runs: the pixel budget read from the
header, the accepted formats (never EPS), the body limit, decoding under the worker limit,
and the start-up checks that refuse a run whose predictions cannot work (issue 14)."""
import io
import json
import resource
import struct
import threading
import time
import zlib

import numpy as np
import pytest

import galton
from galton.serve import ModelLoadError, Predictor, create_app
from galton.train.models import save_model

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
Image = pytest.importorskip("PIL.Image")
from fastapi.testclient import TestClient  # noqa: E402

from tests.serve.test_app import CLASSES, META, png, post, stroke_model, vertical  # noqa: E402


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    save_model(str(folder / "model.safetensors"), stroke_model(), META)
    return folder


@pytest.fixture(scope="module")
def client(run_dir):
    return TestClient(create_app(run_dir))


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def zeros_png(width, height):
    """A valid RGBA PNG of width×height transparent pixels, written row by row without
    ever holding the image: 9500×9500 (361 MB of pixels) compresses to a few hundred KB."""
    z = zlib.compressobj(9)
    row = b"\x00" * (1 + 4 * width)  # filter byte 0, then RGBA zeros
    rows = [z.compress(row) for _ in range(height)]
    idat = b"".join(rows) + z.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + \
        _chunk(b"IEND", b"")


# --- the pixel budget ------------------------------------------------------------------------
def test_decompression_bomb_png_is_refused_from_its_header(client):
    bomb = zeros_png(9500, 9500)
    assert len(bomb) < 1_000_000  # a small upload...
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    r = post(client, bomb, "bomb.png")
    elapsed = time.perf_counter() - t0
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert r.status_code == 413, r.text
    detail = r.json()["detail"]
    assert "bomb.png" in detail and "9500x9500" in detail and "90.2 megapixels" in detail
    assert "at most 4.0 megapixels" in detail
    # ...that is never decoded (decoding it costs 3.6 GB and seconds)
    assert grown_mb < 150, f"the process grew by {grown_mb:.0f} MB"
    assert elapsed < 5


def test_pixel_budget_is_configurable_and_exact(run_dir):
    small = TestClient(create_app(run_dir, max_pixels=100 * 100))
    ok = post(small, png(vertical(), size=(100, 100)))
    assert ok.status_code == 200 and ok.json()["label"] == "vertical"
    over = post(small, png(vertical(), size=(101, 100)), "wide.png")
    assert over.status_code == 413
    assert "wide.png is 101x100" in over.json()["detail"]


def test_pillow_bomb_limit_is_a_413_too(run_dir, monkeypatch):
    # past twice Image.MAX_IMAGE_PIXELS Pillow itself raises DecompressionBombError in open()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    big = TestClient(create_app(run_dir, max_pixels=10 ** 9))
    r = post(big, png(vertical(), size=(100, 100)), "huge.png")
    assert r.status_code == 413
    assert "huge.png is too large to decode" in r.json()["detail"]


# --- formats -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                      ("GIF", "image/gif"), ("BMP", "image/bmp"),
                                      ("WEBP", "image/webp")])
def test_promised_formats_are_read(client, fmt, mime):
    r = post(client, png(vertical(), fmt=fmt), f"digit.{fmt.lower()}", mime)
    assert r.status_code == 200, r.text
    assert r.json()["label"] == "vertical"


def test_eps_never_reaches_ghostscript(client, monkeypatch):
    from PIL import EpsImagePlugin
    calls = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: calls.append(a))
    eps = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\n"
           b"0 0 moveto 28 28 lineto stroke\nshowpage\n%%EOF\n")
    assert Image.open(io.BytesIO(eps)).format == "EPS"  # Pillow alone would take it
    r = post(client, eps, "digit.eps", "application/postscript")
    assert r.status_code == 400
    assert "not an image in an accepted format (PNG, JPEG, GIF, BMP, WEBP)" in \
        r.json()["detail"]
    assert calls == []


def test_other_formats_pillow_reads_are_refused(client):
    buf = io.BytesIO()
    Image.new("L", (28, 28)).save(buf, format="TIFF")
    r = post(client, buf.getvalue(), "digit.tif", "image/tiff")
    assert r.status_code == 400 and "accepted format" in r.json()["detail"]


# --- the body limit --------------------------------------------------------------------------
def test_body_over_the_limit_is_413_before_parsing(run_dir):
    small = TestClient(create_app(run_dir, max_upload_bytes=1000))
    r = post(small, b"\x00" * 200_000, "big.png")
    assert r.status_code == 413
    assert "request body is larger than" in r.json()["detail"]

    def chunks():  # no Content-Length: the streamed bytes are counted
        for _ in range(50):
            yield b"x" * 10_000
    r = small.post("/predict/", content=chunks(),
                   headers={"content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413
    assert "request body is larger than" in r.json()["detail"]


# --- decoding under the worker limit ---------------------------------------------------------
def test_decodes_run_at_most_workers_at_once(run_dir, monkeypatch):
    app = create_app(run_dir, workers=2)
    predictor = app.state.predictor
    lock, running, peak = threading.Lock(), [0], [0]
    decode = predictor.decode

    def slow_decode(data, name=None):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        try:
            return decode(data, name)
        finally:
            with lock:
                running[0] -= 1
    monkeypatch.setattr(predictor, "decode", slow_decode)
    client = TestClient(app)
    data = png(vertical())
    labels = []
    threads = [threading.Thread(target=lambda: labels.append(post(client, data).json()["label"]))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert labels == ["vertical"] * 8
    assert peak[0] == 2


# --- start-up checks and /health ------------------------------------------------------------
def save_run(folder, model=None, **meta):
    folder.mkdir(parents=True, exist_ok=True)
    save_model(str(folder / "model.safetensors"), model or stroke_model(), {**META, **meta})
    return folder


def test_refuses_nan_weights(tmp_path):
    model = stroke_model()
    model.net[1].weight._data[0, 5] = np.nan
    folder = save_run(tmp_path / "nan", model)
    with pytest.raises(ModelLoadError, match=r"model\.safetensors: the model's net\.1\.weight "
                                             r"holds 1 NaN/inf value\(s\) of 1568"):
        create_app(folder)


def test_refuses_zero_std(tmp_path):
    with pytest.raises(ModelLoadError, match=r"std \[0\.0\] holds 0"):
        create_app(save_run(tmp_path / "std", std=[0]))


def test_refuses_non_finite_or_misshapen_normalisation(tmp_path):
    with pytest.raises(ModelLoadError, match="normalisation mean"):
        create_app(save_run(tmp_path / "mean", mean=[float("nan")]))
    with pytest.raises(ModelLoadError, match="std has 3 values for 1 channel"):
        create_app(save_run(tmp_path / "std3", std=[0.5, 0.5, 0.5]))


def test_refuses_unknown_preprocessing_style(tmp_path):
    with pytest.raises(ModelLoadError, match="unknown preprocessing style 'sketch'; galton "
                                             "prepares images as one of: digits, objects"):
        create_app(save_run(tmp_path / "style", preprocess="sketch"))


class Switchable(galton.nn.Module):
    """The stroke model, whose output becomes NaN while ``broken`` is set."""

    def __init__(self, broken=False):
        super().__init__()
        self.inner = stroke_model()
        self.broken = broken

    def forward(self, x):
        out = self.inner(x)
        return out * float("nan") if self.broken else out


def test_refuses_a_model_whose_probe_prediction_is_nan():
    with pytest.raises(ModelLoadError, match="gives non-finite probabilities .*probe image"):
        Predictor(Switchable(broken=True), classes=CLASSES, mean=[0.5], std=[0.5])


def test_health_follows_whether_predictions_work():
    model = Switchable()
    client = TestClient(create_app(predictor=Predictor(model, classes=CLASSES, mean=[0.5],
                                                       std=[0.5], style="digits")))
    assert client.get("/health").status_code == 200
    model.broken = True  # e.g. an input that overflows
    r = post(client, png(vertical()), "seven.png")
    assert r.status_code == 500
    assert r.json()["detail"] == ("Prediction failed: model Switchable gave non-finite "
                                  "probabilities (nan, nan) for seven.png")
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json()["status"] == "failing" and "seven.png" in health.json()["detail"]
    model.broken = False
    assert post(client, png(vertical())).status_code == 200
    assert client.get("/health").json()["status"] == "ok"


# --- the command line --------------------------------------------------------------------------
def test_serve_refuses_a_broken_run_with_one_line(tmp_path, capsys):
    from galton.cli import main
    folder = save_run(tmp_path / "std", std=[0])
    assert main(["serve", str(folder), "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert "Open http" not in captured.out
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("galton serve: error: ") and "std [0.0] holds 0" in line


def test_serve_on_a_port_in_use_is_one_line(run_dir, capsys):
    import socket

    from galton.cli import main
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", str(run_dir), "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert "Open http" not in captured.out
    (line,) = captured.err.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in line
    assert "--port" in line


@pytest.mark.parametrize("flag,value", [("--max-pixels", "0"), ("--timeout-request", "-1"),
                                        ("--limit-concurrency", "0"), ("--max-batch", "0"),
                                        ("--batch-window-ms", "-5")])
def test_serve_refuses_bad_limits(run_dir, capsys, flag, value):
    from galton.cli import main
    assert main(["serve", str(run_dir), flag, value]) == 2
    assert flag in capsys.readouterr().err


def test_predict_json_never_prints_nan(tmp_path, capsys):
    from galton.cli import main
    model = stroke_model()
    model.net[3].bias._data[:] = np.nan
    folder = save_run(tmp_path / "nan", model)
    image = tmp_path / "digit.png"
    image.write_bytes(png(vertical()))
    assert main(["predict", str(folder), str(image), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing half-written on stdout
    (line,) = captured.err.strip().splitlines()
    assert "non-finite probabilities" in line and "digit.png" in line
    # and a working run still prints valid JSON
    good = save_run(tmp_path / "good")
    assert main(["predict", str(good), str(image), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["label"] == "vertical"


def test_predict_refuses_zero_std_with_one_line(tmp_path, capsys):
    from galton.cli import main
    folder = save_run(tmp_path / "std", std=[0])
    image = tmp_path / "digit.png"
    image.write_bytes(png(vertical()))
    assert main(["predict", str(folder), str(image), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert "std" in line and "non-zero" in line
