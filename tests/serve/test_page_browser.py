"""The draw-a-digit page of `galton serve` in a real headless Chromium.

A model trained for a few seconds on the shipped MNIST sample is served by uvicorn on a free
local port; Selenium drives Debian's `chromium` through its `chromedriver` (never Selenium
Manager, which would download a browser). A digit of the sample's test split is drawn on the
page's canvas as strokes of the mouse (and of a finger), and the test reads what the page shows.

Without a browser these tests skip, saying how to install one; with GALTON_REQUIRE_BROWSER=1
(as CI runs them) a missing browser is a failure. GALTON_SCREENSHOT=docs/img/serve_page.png
also writes the page after drawing (a small PNG) there: `make docs-screenshot`.
"""
import base64
import contextlib
import io
import os
import shutil
import socket
import threading
import time

import numpy as np
import pytest

INSTALL_HINT = ("the browser test needs `apt-get install chromium chromium-driver` (Debian) "
                "and `pip install selenium` (in galton's test extra)")
CANVAS = 280      # the page's canvas, in pixels and (at this window size) CSS pixels
LINE_WIDTH = 20   # the page's pen width
DIGIT_BOX = 240   # the drawn digit's longer side on the canvas
STEP = 8          # canvas pixels between two horizontal strokes
WAIT_S = 10
# one browser and one trained model serve all these tests: under pytest-xdist run with
# --dist loadgroup, they stay on one worker
pytestmark = pytest.mark.xdist_group("browser")


def need(what, found):
    """``found`` when it is there; else skip the test, saying how to install ``what``, or
    fail when GALTON_REQUIRE_BROWSER=1 (CI must not skip the browser test silently)."""
    if found:
        return found
    message = f"no {what}: {INSTALL_HINT}"
    if os.environ.get("GALTON_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (GALTON_REQUIRE_BROWSER=1 is set)", pytrace=False)
    pytest.skip(message)


def _module(name):
    try:
        return __import__(name)
    except ImportError:
        return None


# --- the digit and its strokes -----------------------------------------------------------------
def strokes_of(image):
    """Horizontal pen strokes (x0, y0, x1, y1) in canvas pixels that redraw the ink of a 28×28
    light-on-black digit: its ink box is scaled to DIGIT_BOX and centred, and every STEP
    pixels down each run of ink along that row (found to the pixel, so the outline stays
    smooth) becomes one stroke of the page's pen."""
    from PIL import Image
    gray = image.astype(np.float32) / 255.0
    rows = np.flatnonzero(gray.max(axis=1) > 0.5)
    cols = np.flatnonzero(gray.max(axis=0) > 0.5)
    box = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = DIGIT_BOX / max(box.shape)
    h, w = round(box.shape[0] * scale / STEP), round(box.shape[1] * scale)
    grid = np.asarray(Image.fromarray(box, "F").resize((w, h), Image.Resampling.BILINEAR))
    ink = grid > 0.5
    # the round pen reaches LINE_WIDTH / 2 - STEP / 2 above and below a row's band: stop
    # that far short of a run's ends, so the ink grows by as much sideways
    inset = STEP / 2
    top, left = (CANVAS - h * STEP) / 2, (CANVAS - w) / 2
    strokes = []
    for r in range(h):
        y = round(top + (r + 0.5) * STEP)
        padded = np.concatenate([[False], ink[r], [False]]).astype(np.int8)
        starts = np.flatnonzero(np.diff(padded) == 1)
        ends = np.flatnonzero(np.diff(padded) == -1)  # one past the run
        for c0, c1 in zip(starts, ends):
            x0, x1 = left + c0 + inset, left + c1 - inset
            if x0 > x1:
                x0 = x1 = (x0 + x1) / 2
            strokes.append((round(x0), y, round(x1), y))
    return strokes


def render(strokes, width=LINE_WIDTH, shift=0):
    """The canvas those strokes give (white round-capped pen on black) as a PNG, drawn with
    Pillow: what the browser draws, give or take antialiasing; ``width`` and ``shift`` (in
    pixels, down and right) vary it."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (CANVAS, CANVAS), 0)
    d = ImageDraw.Draw(img)
    r = width / 2
    for x0, y0, x1, y1 in strokes:
        x0, y0, x1, y1 = x0 + shift, y0 + shift, x1 + shift, y1 + shift
        d.line((x0, y0, x1, y1), fill=255, width=width)
        for x, y in ((x0, y0), (x1, y1)):
            d.ellipse((x - r, y - r, x + r, y + r), fill=255)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def pick_digit(predictor):
    """(index, label, strokes): the first digit of the sample's test split that the model
    classifies correctly both as it is and as drawn by ``strokes_of``. Deterministic.

    A small MLP is not shift-invariant: where the digit's centre of mass falls half a pixel
    one way or the other (the browser's antialiasing differs from Pillow's), its answer may
    flip. So the drawing must be recognised, with confidence over 0.8, with pens a little
    thinner and thicker and shifted by a pixel too."""
    from PIL import Image

    from galton.vision.datasets import MNISTSample
    test = MNISTSample(train=False)
    images, labels = test.data.numpy(), test.targets.numpy()
    for i in range(len(labels)):
        x = predictor.prepare(Image.fromarray(images[i]))
        if int(np.argmax(predictor.predict_array(x))) != labels[i]:
            continue
        strokes = strokes_of(images[i])
        answers = [predictor.predict_bytes(render(strokes, width, shift))
                   for width in (LINE_WIDTH - 4, LINE_WIDTH, LINE_WIDTH + 4) for shift in (0, 1)]
        if all(a["prediction_index"] == labels[i] and a["confidence"] > 0.8 for a in answers):
            return i, int(labels[i]), strokes
    raise AssertionError("the model recognises no drawn test digit: training went wrong")


# --- the service and the browser ---------------------------------------------------------------
@pytest.fixture(scope="module")
def browser_paths():
    """(chromium, chromedriver, selenium.webdriver), or skip/fail as ``need`` says."""
    need("FastAPI, uvicorn or httpx",
         _module("fastapi") and _module("uvicorn") and _module("httpx"))
    need("Selenium (pip package selenium)", _module("selenium"))
    chromium = need("Chromium (/usr/bin/chromium)",
                    shutil.which("chromium") or shutil.which("chromium-browser"))
    driver = need("chromedriver (Debian package chromium-driver)", shutil.which("chromedriver"))
    from selenium import webdriver
    return chromium, driver, webdriver


@pytest.fixture(scope="module")
def run_dir(browser_paths, tmp_path_factory):
    """A run folder written by `galton train`: the book's MLP, 3 epochs of the shipped sample."""
    from galton.train.run import train_run
    folder = tmp_path_factory.mktemp("run") / "mnist"
    train_run({"model": "mlp", "data": "mnist-sample", "epochs": 3, "optimizer": "adam"},
              folder, progress=False)
    return folder


@contextlib.contextmanager
def serving(app):
    """``app`` under uvicorn in a thread, on 127.0.0.1 and a port the OS picked; yields the
    base URL once /health answers. The socket is bound here, so no other process can take
    the port."""
    import httpx
    import uvicorn
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            if httpx.get(url + "health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield url
    srv.should_exit = True
    thread.join(WAIT_S)
    sock.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


@pytest.fixture(scope="module")
def server(run_dir):
    """The real app of ``run_dir`` served (see ``serving``); yields (base URL, app)."""
    from galton.serve import create_app
    app = create_app(run_dir)
    with serving(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def driver(browser_paths):
    """Headless Chromium at a fixed window size, driven through Debian's chromedriver."""
    chromium, chromedriver, webdriver = browser_paths
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=900,800", "--force-device-scale-factor=1", "--hide-scrollbars",
                 "--lang=en-US"):
        options.add_argument(flag)
    # an explicit driver path: Selenium Manager (which downloads browsers) never runs
    browser = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    browser.set_script_timeout(WAIT_S)
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def digit(server):
    """(test-split index, true label, strokes) of the digit every test draws."""
    return pick_digit(server[1].state.predictor)


def open_page(driver, url):
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url)
    # the model line is filled in from GET /model once the page has loaded
    WebDriverWait(driver, WAIT_S, poll_frequency=0.05).until(
        lambda d: d.find_element("id", "model").text.startswith("Model "))
    return driver.find_element("id", "pad")


def draw(driver, pad, strokes, pointer="mouse", release_last=True, pressed=False):
    """Draw ``strokes`` on the canvas with a mouse or a finger (W3C pointer actions: the page
    sees pointerdown / pointermove / pointerup). Chromium paces mouse moves and finger
    presses to its frames (about 16 ms each), hence few, long strokes. The last stroke stays
    pressed unless ``release_last``; ``pressed``: the pointer is still down from an earlier
    call (lift it first, where it is)."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    kind = interaction.POINTER_MOUSE if pointer == "mouse" else interaction.POINTER_TOUCH
    actions = ActionBuilder(driver, mouse=PointerInput(kind, pointer), duration=0)
    half = CANVAS // 2  # element-origin offsets count from the element's centre
    if pressed:
        actions.pointer_action.pointer_up()
    for n, (x0, y0, x1, y1) in enumerate(strokes):
        actions.pointer_action.move_to(pad, x0 - half, y0 - half)
        actions.pointer_action.pointer_down()
        if x1 != x0 or y1 != y0:
            actions.pointer_action.move_to(pad, x1 - half, y1 - half)
        if release_last or n < len(strokes) - 1:
            actions.pointer_action.pointer_up()
    actions.perform()


def wait_for_answer(driver):
    """Wait until the page shows the answer for the drawing as it is now; the shown state."""
    from selenium.webdriver.support.ui import WebDriverWait
    state = (
        "const pad = document.getElementById('pad'), card = document.getElementById('result');"
        "return {drawing: pad.dataset.version, answered: card.dataset.version || null,"
        " label: document.getElementById('label').textContent,"
        " confidence: document.getElementById('confidence').textContent,"
        " error: document.getElementById('error').textContent,"
        " bars: [...document.querySelectorAll('#bars .row')].map(r => ({"
        "   name: r.querySelector('.name').textContent, top: r.classList.contains('top'),"
        "   pct: r.querySelector('.pct').textContent,"
        "   width: r.querySelector('.fill').style.width}))};")
    seen = {}

    def answered(d):
        seen.update(d.execute_script(state))
        return seen["answered"] == seen["drawing"]
    try:
        WebDriverWait(driver, WAIT_S, poll_frequency=0.05).until(answered)
    except Exception:  # noqa: BLE001  (say what the page showed instead)
        pytest.fail(f"the page showed no answer for the drawing: {seen}", pytrace=False)
    return seen


def canvas_png(driver):
    url = driver.execute_script("return document.getElementById('pad').toDataURL('image/png');")
    return base64.b64decode(url.split(",", 1)[1])


def ink_on_canvas(driver):
    return driver.execute_script(
        "const c = document.getElementById('pad'), d = c.getContext('2d')"
        ".getImageData(0, 0, c.width, c.height).data; let s = 0;"
        "for (let i = 0; i < d.length; i += 4) s += d[i]; return s;")


def percent(text):
    return float(text.strip().rstrip("%").split()[-1])


def save_small_png(png, path):
    """The screenshot with a 64-colour palette: a few tens of KB for the docs."""
    from PIL import Image
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    img.quantize(64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


# --- the tests -----------------------------------------------------------------------------------
def test_missing_browser_skips_or_fails(monkeypatch):
    assert need("x", "/usr/bin/x") == "/usr/bin/x"
    monkeypatch.delenv("GALTON_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        need("Chromium", None)
    monkeypatch.setenv("GALTON_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="no Chromium: .*GALTON_REQUIRE_BROWSER=1"):
        need("Chromium", None)


def test_drawn_test_digit_is_recognised_live(driver, server, digit, tmp_path):
    import httpx
    url, app = server
    index, true_label, strokes = digit
    classes = app.state.predictor.classes
    pad = open_page(driver, url)
    assert pad.size == {"width": CANVAS, "height": CANVAS}  # strokes are in canvas pixels
    assert driver.find_element("id", "label").text.strip() == ""

    # the first strokes, the last one still pressed: the answer comes while drawing, unasked
    cut = len(strokes) // 2
    draw(driver, pad, strokes[:cut], release_last=False)
    early = wait_for_answer(driver)
    assert early["label"] in classes and len(early["bars"]) == 10
    draw(driver, pad, strokes[cut:], pressed=True)
    shown = wait_for_answer(driver)

    assert shown["error"] == ""
    assert shown["label"] == classes[true_label], (
        f"test digit {index} ({classes[true_label]}) drawn in {len(strokes)} strokes read as "
        f"{shown['label']}")
    # one bar per class, in order, the winner marked, its value the reported confidence
    assert [b["name"] for b in shown["bars"]] == classes
    assert [b["top"] for b in shown["bars"]].index(True) == true_label
    assert sum(b["top"] for b in shown["bars"]) == 1
    confidence = percent(shown["confidence"])
    assert percent(shown["bars"][true_label]["pct"]) == confidence
    assert confidence == max(percent(b["pct"]) for b in shown["bars"]) > 50
    assert shown["bars"][true_label]["width"] == shown["bars"][true_label]["pct"]
    # what the page shows is the service's answer for exactly what is on the canvas
    body = httpx.post(url + "predict/", files={"file": ("c.png", canvas_png(driver))}).json()
    assert body["label"] == shown["label"]
    assert [f"{100 * p:.1f}%" for p in body["probabilities"]] == \
        [b["pct"] for b in shown["bars"]]

    png = driver.find_element("tag name", "main").screenshot_as_png
    (tmp_path / "serve_page.png").write_bytes(png)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    if os.environ.get("GALTON_SCREENSHOT"):
        save_small_png(png, os.environ["GALTON_SCREENSHOT"])


def test_clear_and_escape_reset_the_page(driver, server, digit, monkeypatch):
    url, app = server
    _, true_label, strokes = digit
    pad = open_page(driver, url)
    driver.find_element("id", "predict").click()  # nothing drawn yet
    assert driver.find_element("id", "error").text == "Draw a digit first."

    shown = "return [document.getElementById('label').textContent.trim(),"\
            " document.getElementById('confidence').textContent,"\
            " document.querySelectorAll('#bars .row').length,"\
            " document.getElementById('result').dataset.version === undefined];"
    draw(driver, pad, strokes[:10])
    assert wait_for_answer(driver)["label"] != "" and ink_on_canvas(driver) > 0
    driver.find_element("id", "clear").click()
    assert driver.execute_script(shown) == ["", "", 0, True]
    assert ink_on_canvas(driver) == 0

    # Clear while an answer is on its way: the service holds it until the page is cleared;
    # when it arrives it is for a wiped drawing and must not be shown
    import asyncio
    predictor = app.state.predictor
    answer = predictor.predict_upload  # what POST /predict/ awaits
    asked, go, answered = threading.Event(), threading.Event(), threading.Event()

    async def held(data, name=None):
        asked.set()
        await asyncio.get_running_loop().run_in_executor(None, go.wait, WAIT_S)
        try:
            return await answer(data, name=name)
        finally:
            answered.set()
    monkeypatch.setattr(predictor, "predict_upload", held)
    draw(driver, pad, strokes[10:20])
    assert asked.wait(WAIT_S)
    driver.find_element("id", "clear").click()
    go.set()
    assert answered.wait(WAIT_S)
    time.sleep(0.3)  # the browser has the answer now
    assert driver.execute_script(shown) == ["", "", 0, True]
    monkeypatch.undo()

    draw(driver, pad, strokes[10:20])
    assert wait_for_answer(driver)["label"] != ""
    from selenium.webdriver.common.keys import Keys
    driver.find_element("tag name", "body").send_keys(Keys.ESCAPE)
    assert ink_on_canvas(driver) == 0
    assert driver.find_element("id", "label").text.strip() == ""


def test_drawn_with_a_finger(driver, server, digit):
    url, app = server
    _, true_label, strokes = digit
    pad = open_page(driver, url)
    draw(driver, pad, strokes, pointer="touch")
    shown = wait_for_answer(driver)
    assert shown["label"] == app.state.predictor.classes[true_label]
    assert len(shown["bars"]) == 10
