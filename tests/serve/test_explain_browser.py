"""The draw page's "Show where it looked" switch in a real headless Chromium: the map of
where the network looked lies over the canvas, aligned with the strokes, and follows each
prediction (as tests/serve/test_page_browser.py drives the page; it skips without a browser
unless GALTON_REQUIRE_BROWSER=1)."""
import base64
import importlib.util
import io
import os

import numpy as np
import pytest

import galton
from galton import nn

_spec = importlib.util.spec_from_file_location(
    "galton_page_browser", os.path.join(os.path.dirname(__file__), "test_page_browser.py"))
page = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(page)

pytestmark = pytest.mark.xdist_group("browser")
# a seven: a bar across the top and a stroke down to the lower left (canvas pixels)
SEVEN = [(80, 70, 200, 70), (200, 70, 120, 220)]


@pytest.fixture(scope="module")
def driver():
    chromium, chromedriver, webdriver = _paths()
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=900,800", "--force-device-scale-factor=1", "--hide-scrollbars"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    browser.set_script_timeout(page.WAIT_S)
    yield browser
    browser.quit()


def _paths():
    import shutil
    page.need("FastAPI, uvicorn or httpx", page._module("fastapi") and page._module("uvicorn")
              and page._module("httpx"))
    page.need("Selenium (pip package selenium)", page._module("selenium"))
    chromium = page.need("Chromium (/usr/bin/chromium)",
                         shutil.which("chromium") or shutil.which("chromium-browser"))
    chromedriver = page.need("chromedriver (Debian package chromium-driver)",
                             shutil.which("chromedriver"))
    from selenium import webdriver
    return chromium, chromedriver, webdriver


@pytest.fixture(scope="module")
def server(driver):
    """A small CNN (random weights: the map need not be wise, only the network's) served by
    uvicorn on a free local port."""
    from galton.serve import Predictor, create_app
    galton.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 13 * 13, 10))
    app = create_app(predictor=Predictor(model, mean=[0.5], std=[0.5]))
    with page.serving(app) as url:
        yield url


HEAT_STATE = (
    "const h = document.getElementById('heat'), p = document.getElementById('pad');"
    "return {hidden: h.hidden, version: h.dataset.version || null, method: h.dataset.method"
    " || null, drawing: p.dataset.version, width: h.naturalWidth,"
    " error: document.getElementById('error').textContent};")


def wait_for_map(driver, method):
    from selenium.webdriver.support.ui import WebDriverWait
    seen = {}

    def shown(d):
        seen.update(d.execute_script(HEAT_STATE))
        return (not seen["hidden"] and seen["version"] == seen["drawing"]
                and seen["method"] == method and seen["width"] > 0)
    try:
        WebDriverWait(driver, page.WAIT_S, poll_frequency=0.05).until(shown)
    except Exception:  # noqa: BLE001
        pytest.fail(f"the page showed no {method} map for the drawing: {seen}", pytrace=False)
    return seen


def heat_pixels(driver):
    """The overlay the page shows, as an RGBA array (read back through a canvas)."""
    url = driver.execute_script(
        "const h = document.getElementById('heat'), c = document.createElement('canvas');"
        "c.width = h.naturalWidth; c.height = h.naturalHeight;"
        "c.getContext('2d').drawImage(h, 0, 0); return c.toDataURL('image/png');")
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def test_switch_lays_the_map_over_the_drawing(driver, server):
    import httpx
    from PIL import Image
    from selenium.webdriver.support.ui import Select
    pad = page.open_page(driver, server)
    toggle = driver.find_element("id", "explain-on")
    method = Select(driver.find_element("id", "explain-method"))
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, page.WAIT_S).until(lambda d: len(method.options) == 2)
    assert [o.get_attribute("value") for o in method.options] == ["saliency", "gradcam"]
    assert not toggle.is_selected() and driver.execute_script(HEAT_STATE)["hidden"]

    # off: drawing gives an answer, no map
    page.draw(driver, pad, SEVEN[:1])
    page.wait_for_answer(driver)
    assert driver.execute_script(HEAT_STATE)["hidden"]
    # on: the map of the current drawing appears at once, and follows the next stroke
    toggle.click()
    wait_for_map(driver, "saliency")
    page.draw(driver, pad, SEVEN[1:])
    page.wait_for_answer(driver)
    state = wait_for_map(driver, "saliency")
    assert state["error"] == "" and state["width"] == page.CANVAS

    # it is the service's map for exactly what is on the canvas, and lies on the ink
    shown = heat_pixels(driver)
    canvas = page.canvas_png(driver)
    want = httpx.post(server + "explain/", params={"format": "png"},
                      files={"file": ("c.png", canvas)})
    assert want.status_code == 200
    want = np.asarray(Image.open(io.BytesIO(want.content))).astype(int)
    # a canvas keeps colours premultiplied by opacity: compare the opacity everywhere and the
    # colour where the map is not nearly transparent
    np.testing.assert_allclose(shown[..., 3], want[..., 3], atol=1)
    solid = want[..., 3] > 64
    np.testing.assert_allclose(shown[solid][:, :3], want[solid][:, :3], atol=3)
    ink = np.asarray(Image.open(io.BytesIO(canvas)).convert("L")) > 127
    assert shown[..., 3][ink].mean() > 20

    # another method redraws the map; Clear and the switch hide it
    method.select_by_value("gradcam")
    wait_for_map(driver, "gradcam")
    driver.find_element("id", "clear").click()
    assert driver.execute_script(HEAT_STATE)["hidden"]
    page.draw(driver, pad, SEVEN)
    page.wait_for_answer(driver)
    wait_for_map(driver, "gradcam")
    toggle.click()
    assert driver.execute_script(HEAT_STATE)["hidden"]
    if os.environ.get("GALTON_SCREENSHOT_EXPLAIN"):
        toggle.click()
        wait_for_map(driver, "gradcam")
        page.save_small_png(driver.find_element("tag name", "main").screenshot_as_png,
                            os.environ["GALTON_SCREENSHOT_EXPLAIN"])
