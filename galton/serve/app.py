"""The prediction web service of lesson 21: a FastAPI app around a ``Predictor``.

    GET  /          a page to draw a digit on (or pick a picture) and see the prediction
    POST /predict/  multipart upload, field ``file``: a PNG, JPEG, GIF, BMP or WebP image ->
                    JSON {prediction_index, label, confidence, probabilities}; HTTP 400 when
                    the upload is missing, empty or not an image of those formats, 413 when
                    the file or its pixel count (read from the header) is too large, 500 when
                    the model fails or gives NaN for it
    POST /explain/  the same upload, under the same limits -> where the network looked, as JSON
                    or a PNG overlay (galton/serve/explain.py; the page's switch uses it)
    GET  /health    {"status": "ok", "model": name, "probe": ...}; 503 and "failing" while the
                    last prediction failed
    GET  /model     name, classes, input shape, normalisation, preprocessing, parameters

>>> from galton.serve import create_app
>>> app = create_app("runs/mnist")              # then: uvicorn.run(app), or `galton serve`
"""
import contextlib
import json
import os
import re
from typing import Optional

from .model import MAX_PIXELS, PredictionError, Predictor

__all__ = ["create_app", "MAX_UPLOAD_BYTES", "MAX_PIXELS"]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
_MULTIPART_OVERHEAD = 64 * 1024  # the part headers and boundaries around the file
_STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")


def _require_fastapi():
    try:
        import fastapi
    except ImportError:
        raise ImportError("the galton prediction service needs FastAPI: "
                          "pip install 'galton[serve]' (fastapi, uvicorn, python-multipart)") \
            from None
    try:
        import python_multipart  # noqa: F401  (FastAPI reads uploads with it)
    except ImportError:
        try:
            import multipart  # noqa: F401  (its older name)
        except ImportError:
            raise ImportError("the galton prediction service reads uploads with "
                              "python-multipart: pip install 'galton[serve]' "
                              "(or pip install python-multipart)") from None
    return fastapi


class _BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes is answered 413 without being
    read further (FastAPI would otherwise spool any size of upload to disk before the
    handler could look at it)."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = (f"the request body is larger than {self.limit} bytes (uploads up to "
                   f"{(self.limit - _MULTIPART_OVERHEAD) / 2 ** 20:g} MiB)")
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            return await _send_json(send, 413, {"detail": message})
        seen = 0

        async def limited_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    from fastapi import HTTPException
                    raise HTTPException(413, message)
            return msg

        await self.app(scope, limited_receive, send)


async def _send_json(send, status, body):
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


def create_app(run_dir_or_checkpoint=None, *, model_name=None, predictor=None,
               max_upload_bytes=MAX_UPLOAD_BYTES, max_pixels=MAX_PIXELS, max_batch=None,
               batch_window=None, workers=None, **overrides):
    """A FastAPI app serving the model of a run folder (or checkpoint, or ``predictor``).

    run_dir_or_checkpoint: a folder written by ``galton train`` or a checkpoint file;
    model_name: the ``galton.vision.models`` name when the files do not record it;
    predictor: a ready ``Predictor`` instead of a path; overrides: ``classes``,
    ``input_shape``, ``mean``, ``std``, ``style``, ``model_kwargs`` (see
    ``Predictor.load``). The model is loaded and checked here (a probe prediction), so a bad
    run folder fails at start-up, not at the first request.

    max_upload_bytes: the largest upload (413 above); max_pixels: the largest image, read
    from its header before decoding (413 above); max_batch, batch_window, workers:
    micro-batching and decoding threads (see ``Predictor``; ignored with ``predictor=``).
    """
    fastapi = _require_fastapi()
    from fastapi.responses import HTMLResponse, JSONResponse

    from .. import __version__
    from ..vision.preprocess import ImageReadError, ImageTooLargeError

    own = predictor is None
    if own:
        if run_dir_or_checkpoint is None:
            raise ValueError("create_app needs a run folder, a checkpoint or predictor=")
        predictor = Predictor.load(run_dir_or_checkpoint, model_name=model_name,
                                   max_pixels=max_pixels, max_batch=max_batch,
                                   batch_window=batch_window, workers=workers, **overrides)
    with open(os.path.join(_STATIC, "index.html"), encoding="utf-8") as fh:
        page = fh.read()
    from .explain import add_explain_routes, inline_script
    page = inline_script(page)  # the page stays one file with no external script

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        if own:  # a predictor handed in belongs to the caller
            predictor.close()

    app = fastapi.FastAPI(
        title="galton prediction service", version=__version__, lifespan=lifespan,
        description=f"Classifies an uploaded image with {predictor.name} "
                    f"({len(predictor.classes)} classes). Draw one at /.")
    app.state.predictor = predictor
    app.add_middleware(_BodyLimit, limit=max_upload_bytes + _MULTIPART_OVERHEAD)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return HTMLResponse(page)

    @app.get("/health")
    def health():
        """Whether predictions work: 200 "ok" (with the start-up probe prediction), or 503
        "failing" with the reason while the last prediction failed."""
        ok, body = predictor.health()
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/model")
    def model_info():
        """The model's name, classes, input shape, normalisation and size."""
        return predictor.info()

    # async: the decode runs in the predictor's pool of threads and the forward pass in its
    # batching thread, so the event loop only waits for them
    @app.post("/predict/")
    async def predict(file: Optional[fastapi.UploadFile] = fastapi.File(None)):
        """Classify the image uploaded as multipart field ``file``."""
        if file is None or isinstance(file, str):
            raise fastapi.HTTPException(400, "No file uploaded: send the image as "
                                             "multipart/form-data in a field named 'file'.")
        name = file.filename or "the uploaded file"
        data = await file.read(max_upload_bytes + 1)
        if not data:
            raise fastapi.HTTPException(400, f"{name} is empty: upload an image file "
                                             f"(PNG, JPEG, GIF, BMP or WebP).")
        if len(data) > max_upload_bytes:
            raise fastapi.HTTPException(413, f"{name} is larger than "
                                             f"{max_upload_bytes / 2 ** 20:g} MiB.")
        try:
            return await predictor.predict_upload(data, name=name)
        except ImageTooLargeError as exc:
            raise fastapi.HTTPException(413, _clean(str(exc))) from None
        except ImageReadError as exc:
            raise fastapi.HTTPException(400, f"File provided is not an image: "
                                             f"{_clean(str(exc))}") from None
        except PredictionError as exc:
            raise fastapi.HTTPException(500, f"Prediction failed: {exc}") from None

    # /predict (no slash) answers too, instead of redirecting a POST
    app.add_api_route("/predict", predict, methods=["POST"], include_in_schema=False)
    add_explain_routes(app, predictor, max_upload_bytes)
    return app


def _clean(reason):
    # Pillow names an in-memory file by its repr; the client needs no addresses
    return re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", reason)
