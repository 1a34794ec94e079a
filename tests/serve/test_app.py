"""galton.serve: the FastAPI prediction service, its draw page, and `galton serve`."""
import argparse
import io
import json
import threading

import numpy as np
import pytest

import galton
from galton.serve import ModelLoadError, Predictor, create_app
from galton.train.models import classify, save_model
from galton.vision.models import get_model
from galton.vision.preprocess import load_image, prepare

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
from fastapi.testclient import TestClient  # noqa: E402

CLASSES = ["vertical", "horizontal"]
META = {"spec": "mlp", "kwargs": {"num_classes": 2, "hidden": 2}, "loss": "ce",
        "dataset": "strokes", "classes": CLASSES, "input_shape": [1, 28, 28], "mean": [0.5],
        "std": [0.5], "preprocess": "digits"}


def stroke_model():
    """The MLP Flatten-Linear(784,2)-ReLU-Linear(2,2) with weights set by hand: hidden unit 0
    counts the ink in the centre columns, unit 1 the ink in the centre rows. After the
    MNIST-style preparation a vertical stroke fills the centre columns, a horizontal one the
    centre rows, so the answer is known without training."""
    model = get_model("mlp", num_classes=2, hidden=2)
    w = np.zeros((2, 28, 28), np.float32)
    w[0, :, 12:16] = 1.0
    w[1, 12:16, :] = 1.0
    # inputs are (ink - 0.5) / 0.5, so background pixels are -1: the bias cancels them
    bias = w.reshape(2, -1).sum(axis=1)
    model.load_state_dict({"net.1.weight": galton.tensor(w.reshape(2, -1)),
                           "net.1.bias": galton.tensor(bias),
                           "net.3.weight": galton.eye(2) * 0.1,
                           "net.3.bias": galton.zeros(2)})
    return model


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A run folder in the layout `galton train` writes (model.safetensors + config.json)."""
    folder = tmp_path_factory.mktemp("run")
    save_model(str(folder / "model.safetensors"), stroke_model(), META)
    (folder / "config.json").write_text(json.dumps({"model": "mlp", "data": "strokes"}))
    return folder


@pytest.fixture(scope="module")
def client(run_dir):
    return TestClient(create_app(run_dir))


def png(draw, mode="L", background=255, size=(280, 280), fmt="PNG"):
    img = Image.new(mode, size, background)
    draw(ImageDraw.Draw(img))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def vertical(ink=0):
    return lambda d: d.line((140, 40, 140, 240), fill=ink, width=22)


def horizontal(ink=0):
    return lambda d: d.line((40, 140, 240, 140), fill=ink, width=22)


def post(client, data, filename="digit.png", content_type="image/png", url="/predict/"):
    return client.post(url, files={"file": (filename, data, content_type)})


# --- predictions ---------------------------------------------------------------------------
@pytest.mark.parametrize("draw,mode,background,expected", [
    (vertical(0), "L", 255, "vertical"),            # dark ink on paper: inverted first
    (horizontal(0), "L", 255, "horizontal"),
    (vertical(255), "L", 0, "vertical"),            # white on black, as the page draws
    (horizontal((255, 255, 255)), "RGB", (0, 0, 0), "horizontal"),
    (vertical((0, 0, 0, 255)), "RGBA", (0, 0, 0, 0), "vertical"),  # strokes on transparency
], ids=["dark-on-light", "dark-on-light-h", "light-on-dark", "rgb", "rgba-transparent"])
def test_predict_drawn_strokes(client, draw, mode, background, expected):
    r = post(client, png(draw, mode, background))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"prediction_index", "label", "confidence", "probabilities"}
    assert body["label"] == expected
    assert body["prediction_index"] == CLASSES.index(expected)
    assert body["confidence"] > 0.9
    assert body["confidence"] == max(body["probabilities"])
    assert len(body["probabilities"]) == 2
    assert sum(body["probabilities"]) == pytest.approx(1.0)


def test_predict_matches_the_model_on_the_prepared_image(client):
    data = png(lambda d: d.line((60, 60, 200, 230), fill=0, width=30), fmt="JPEG")
    body = post(client, data, "slash.jpg", "image/jpeg").json()
    x = prepare(load_image(data), (1, 28, 28), "digits", [0.5], [0.5])
    (expected,) = classify(stroke_model(), META, x[None])
    assert body["prediction_index"] == expected["index"]
    np.testing.assert_allclose(body["probabilities"], expected["probabilities"], rtol=1e-6)


def test_predict_without_trailing_slash(client):
    r = post(client, png(vertical()), url="/predict")
    assert r.status_code == 200 and r.json()["label"] == "vertical"


def test_concurrent_requests_agree_and_leave_grad_mode_alone(client):
    data = png(horizontal())
    results = []

    def ask():
        results.append(post(client, data).json()["label"])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["horizontal"] * 6
    assert galton.is_grad_enabled()


# --- bad uploads -------------------------------------------------------------------------
def test_text_file_is_400(client):
    r = post(client, b"this is not an image\n", "notes.txt", "text/plain")
    assert r.status_code == 400
    assert "not an image" in r.json()["detail"] and "notes.txt" in r.json()["detail"]


def test_empty_file_is_400(client):
    r = post(client, b"", "empty.png")
    assert r.status_code == 400
    assert "empty" in r.json()["detail"]


def test_truncated_png_is_400(client):
    data = png(vertical())
    r = post(client, data[: len(data) // 2], "half.png")
    assert r.status_code == 400
    assert "not an image" in r.json()["detail"]


def test_missing_file_field_is_400(client):
    r = client.post("/predict/", data={"picture": "x"})
    assert r.status_code == 400
    assert "field named 'file'" in r.json()["detail"]


def test_too_large_upload_is_413(run_dir):
    small = TestClient(create_app(run_dir, max_upload_bytes=64))
    r = post(small, png(vertical()))
    assert r.status_code == 413
    assert "larger than" in r.json()["detail"]


# --- page, health, model ---------------------------------------------------------------------
def test_page_has_the_canvas_and_no_external_scripts(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<canvas id="pad" width="280" height="280"' in page
    assert "Predict</button>" in page
    assert '"predict/"' in page and 'form.append("file"' in page
    assert "pointerdown" in page  # mouse and touch
    assert "<script src" not in page and "<link" not in page and "cdn" not in page.lower()


def test_health(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["model"]) == ("ok", "mlp")
    assert body["probe"]["label"] == "vertical"  # the start-up probe is a vertical stroke


def test_model_metadata(client):
    info = client.get("/model").json()
    assert info["name"] == "mlp"
    assert info["classes"] == CLASSES and info["num_classes"] == 2
    assert info["input_shape"] == [1, 28, 28]
    assert info["mean"] == [0.5] and info["std"] == [0.5] and info["preprocess"] == "digits"
    assert info["parameters"] == 784 * 2 + 2 + 2 * 2 + 2
    assert info["source"] == "model.safetensors"  # no server folders in the answer


# --- loading -------------------------------------------------------------------------------
def test_serves_a_run_folder_written_by_train_run(tmp_path):
    from galton.train.models import load_model
    from galton.train.run import train_run
    train_run({"model": "mlp", "data": "mnist-sample", "epochs": 1, "limit": 128,
               "optimizer": "adam"}, tmp_path / "run", progress=False)
    client = TestClient(create_app(tmp_path / "run"))
    info = client.get("/model").json()
    assert info["name"] == "mlp" and info["num_classes"] == 10
    assert info["input_shape"] == [1, 28, 28] and info["preprocess"] == "digits"
    data = png(vertical())
    body = post(client, data).json()
    # the same answer as `galton predict` gives for the file
    model, meta = load_model(tmp_path / "run")
    x = prepare(load_image(data), meta["input_shape"], meta["preprocess"], meta["mean"],
                meta["std"])
    (expected,) = classify(model, meta, x[None])
    assert (body["prediction_index"], body["label"]) == (expected["index"], expected["label"])
    np.testing.assert_allclose(body["probabilities"], expected["probabilities"], rtol=1e-6)


def test_load_model_file_directly(run_dir):
    p = Predictor.load(run_dir / "model.safetensors")
    assert p.classes == CLASSES and p.style == "digits"
    assert p.predict_bytes(png(vertical()))["label"] == "vertical"


def test_overrides_replace_the_run_metadata(run_dir):
    p = Predictor.load(run_dir, classes=["|", "-"])
    assert p.predict_bytes(png(horizontal()))["label"] == "-"


def test_bare_state_dict_needs_a_model_name(tmp_path):
    model = get_model("mlp", num_classes=3)
    galton.save(model.state_dict(), tmp_path / "w.safetensors")
    with pytest.raises(ModelLoadError, match="--model NAME"):
        Predictor.load(tmp_path / "w.safetensors")
    p = Predictor.load(tmp_path / "w.safetensors", model_name="mlp")
    assert p.classes == ["0", "1", "2"]  # the output size comes from the weights
    data = png(vertical())
    x = prepare(load_image(data), (1, 28, 28), "digits")
    with galton.no_grad():
        logits = model(galton.from_numpy(x[None])).numpy()[0]
    probs = np.exp(logits - logits.max())
    np.testing.assert_allclose(p.predict_bytes(data)["probabilities"], probs / probs.sum(),
                               rtol=1e-5)
    with pytest.raises(ModelLoadError, match="do not fit|cannot load the weights"):
        Predictor.load(tmp_path / "w.safetensors", model_name="lenet5")


def test_load_errors(tmp_path):
    with pytest.raises(ModelLoadError, match="no such run folder"):
        create_app(tmp_path / "missing")
    (tmp_path / "best.safetensors").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="no model.safetensors.*best.safetensors"):
        create_app(tmp_path)
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelLoadError, match="junk.safetensors"):
        create_app(tmp_path / "junk.safetensors", model_name="mlp")
    with pytest.raises(ValueError, match="run folder, a checkpoint or predictor"):
        create_app()


def test_predictor_checks_the_model_at_once():
    with pytest.raises(ModelLoadError, match=r"does not take inputs of shape \(N, 3, 32, 32\)"):
        Predictor(stroke_model(), input_shape=(3, 32, 32))
    with pytest.raises(ModelLoadError, match="2 output.*3 class names"):
        Predictor(stroke_model(), classes=["a", "b", "c"])
    with pytest.raises(ModelLoadError, match="classifies images"):
        Predictor(galton.nn.Linear(2, 2), input_shape=(2,))


def test_binary_model_with_one_logit():
    model = galton.nn.Sequential(galton.nn.Flatten(), galton.nn.Linear(784, 1))
    app = create_app(predictor=Predictor(model, classes=["other", "seven"]))
    body = post(TestClient(app), png(vertical())).json()
    assert len(body["probabilities"]) == 2
    assert sum(body["probabilities"]) == pytest.approx(1.0)
    assert body["label"] in ("other", "seven")


# --- the command -------------------------------------------------------------------------
def serve_parser():
    from galton.cli import serve
    parser = argparse.ArgumentParser(prog="galton")
    serve.add_parser(parser.add_subparsers(dest="command"))
    return parser


def test_cli_serve_runs_uvicorn_with_the_app(run_dir, monkeypatch, capsys):
    import uvicorn
    seen = {}

    def fake_run(server, sockets):
        (sock,) = sockets
        seen.update(app=server.config.app, config=server.config, port=sock.getsockname()[1])
        server.started = True
    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    args = serve_parser().parse_args(["serve", str(run_dir), "--port", "0",
                                      "--classes", "up, across", "--limit-concurrency", "7",
                                      "--timeout-request", "3"])
    assert args.handler(args) == 0
    config = seen["config"]
    assert (config.log_level, config.limit_concurrency) == ("info", 7)
    assert config.http.timeout_request == 3.0
    assert f"http://127.0.0.1:{seen['port']}/" in capsys.readouterr().out
    body = post(TestClient(seen["app"]), png(vertical())).json()
    assert body["label"] == "up"


def test_cli_serve_bad_input(tmp_path):
    parser = serve_parser()
    args = parser.parse_args(["serve", str(tmp_path), "--port", "70000"])
    with pytest.raises(ValueError, match="--port"):
        args.handler(args)
    args = parser.parse_args(["serve", str(tmp_path / "nope")])
    with pytest.raises(ModelLoadError, match="no such run folder"):
        args.handler(args)
