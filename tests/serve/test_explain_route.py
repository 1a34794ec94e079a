"""POST /explain/ (JSON and PNG), GET /explain/methods and the page's script; where a digit's ink
sits before and after preparation (``input_placement``)."""
import io

import numpy as np
import pytest

import galton
from galton import explain, nn
from galton.serve import Predictor, create_app
from galton.vision.preprocess import digit_layout, input_placement, load_image, prepare_digit

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
from fastapi.testclient import TestClient  # noqa: E402


def cnn():
    galton.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 13 * 13, 10))


def seven(size=(200, 160)):
    """A dark 7 on white paper, off-centre, as PNG bytes."""
    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    d.line((40, 30, 120, 30), fill=0, width=12)
    d.line((120, 30, 70, 150), fill=0, width=12)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def client():
    predictor = Predictor(cnn(), input_shape=(1, 28, 28), mean=[0.5], std=[0.5])
    return TestClient(create_app(predictor=predictor, max_upload_bytes=100_000))


def post(client, data, **params):
    return client.post("/explain/", params=params, files={"file": ("seven.png", data)})


def test_digit_layout_is_prepare_digits_geometry():
    img = load_image(seven())
    a, image_box, input_box = digit_layout(img)
    np.testing.assert_array_equal(a, prepare_digit(img))
    t, l, h, w = input_box
    assert max(h, w) == 20 and a[t:t + h, l:l + w].sum() == pytest.approx(a.sum())
    it, il, ih, iw = image_box
    ink = 255 - np.asarray(img)
    assert ink[it:it + ih, il:il + iw].sum() == ink.sum() and ih > iw
    assert input_placement(img, (1, 28, 28), "digits") == (image_box, input_box)
    assert input_placement(img, (1, 28, 28), "resize") is None
    assert input_placement(Image.new("L", (20, 20), 255), (1, 28, 28), "digits") is None


def test_explain_json_is_the_saliency_of_the_prepared_input(client):
    r = post(client, seven())
    assert r.status_code == 200, r.text
    body = r.json()
    predictor = client.app.state.predictor
    x = predictor.prepare(load_image(seven()))
    probs = predictor.predict_array(x)
    assert body["prediction_index"] == int(probs.argmax()) == body["target"]
    assert body["confidence"] == pytest.approx(float(probs.max()))
    assert body["method"] == "saliency" and body["size"] == [28, 28]
    heat = np.asarray(body["map"])
    assert heat.shape == (28, 28) and heat.min() >= 0 and heat.max() == 1
    want = galton.plot.attribution_map(explain.saliency(predictor.model, x[None],
                                                        target=body["target"]).numpy()[0])
    np.testing.assert_allclose(heat, want, atol=1e-4)
    assert body["image_size"] == [160, 200] and len(body["image_box"]) == 4
    r = post(client, seven(), method="gradcam", target=3)
    assert r.status_code == 200 and r.json()["target"] == 3 and r.json()["target_label"] == "3"


def test_explain_png_lies_over_the_picture(client):
    r = post(client, seven(), method="gradcam", format="png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.headers["x-label"] in [str(i) for i in range(10)]
    img = Image.open(io.BytesIO(r.content))
    assert img.mode == "RGBA" and img.size == (200, 160)
    alpha = np.asarray(img)[..., 3].astype(float)
    # the map lies where the model's input grid lands on the picture: the ink box scaled by
    # the preparation's factor, around it; the map's own values come back there
    body = post(client, seven(), method="gradcam").json()
    t, l, bh, bw = body["input_box"]
    it, il, ih, iw = body["image_box"]
    sy, sx = ih / bh, iw / bw
    heat = np.asarray(body["map"])
    for r, c in [(10, 10), (14, 14), (20, 8), (5, 22)]:
        y, x = int(it + (r - t + 0.5) * sy), int(il + (c - l + 0.5) * sx)
        if 0 <= y < 160 and 0 <= x < 200:
            assert alpha[y, x] == pytest.approx(255 * 0.7 * np.sqrt(heat[r, c]), abs=40)
    grid_top, grid_left = it - t * sy, il - l * sx
    if grid_left > 1:  # left of the grid nothing is drawn
        assert alpha[:, :int(grid_left) - 1].max() == 0
    assert alpha.max() > 100


def test_explain_methods_and_script(client):
    assert client.get("/explain/methods").json()["methods"] == list(
        galton.serve.explain.SERVE_METHODS)
    mlp = Predictor(nn.Sequential(nn.Flatten(), nn.Linear(784, 10)))
    other = TestClient(create_app(predictor=mlp))
    assert "gradcam" not in other.get("/explain/methods").json()["methods"]
    r = post(other, seven(), method="gradcam")
    assert r.status_code == 400 and "no convolutional layer" in r.json()["detail"]
    page = client.get("/").text
    assert 'id="explain-on"' in page and "galton:predicted" in page
    assert "<!-- explain.js -->" not in page and "<script src" not in page


@pytest.mark.parametrize("params,status,message", [
    ({"method": "lime"}, 400, "unknown method 'lime'"),
    ({"format": "gif"}, 400, "format must be json or png"),
    ({"target": 10}, 400, "target 10 is out of range: the model has 10 classes"),
])
def test_explain_bad_requests(client, params, status, message):
    r = post(client, seven(), **params)
    assert r.status_code == status and message in r.json()["detail"]


def test_explain_bad_uploads(client):
    r = post(client, b"not an image at all")
    assert r.status_code == 400 and r.json()["detail"].startswith("File provided is not an image")
    assert post(client, b"").status_code == 400
    assert post(client, b"\x89PNG" + b"0" * 100_001).status_code == 413
    assert client.post("/explain/").status_code == 400


def test_explain_has_the_upload_limits_of_predict():
    """/explain/ decodes uploads as /predict/ does: the pixel budget read from the header
    (413) and only the promised formats (EPS never reaches Ghostscript)."""
    from tests.serve.test_uploads import zeros_png
    predictor = Predictor(cnn(), input_shape=(1, 28, 28), mean=[0.5], std=[0.5],
                          max_pixels=100 * 100)
    small = TestClient(create_app(predictor=predictor))
    r = post(small, zeros_png(101, 100))
    assert r.status_code == 413 and "101x100" in r.json()["detail"]
    assert post(small, zeros_png(100, 100)).status_code == 200
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\nshowpage\n"
    r = post(small, eps)
    assert r.status_code == 400 and "accepted format" in r.json()["detail"]
    predictor.close()
