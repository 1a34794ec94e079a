"""The prediction web service of lesson 21: a FastAPI app around a ``Predictor``.

    GET  /          a page to draw a digit on (or pick a picture) and see the prediction
    POST /predict/  multipart upload, field ``file``: an image -> JSON
                    {prediction_index, label, confidence, probabilities}; HTTP 400 when the
                    upload is missing, empty or not an image, 413 when it is too large
    GET  /health    {"status": "ok", "model": name}
    GET  /model     name, classes, input shape, normalisation, preprocessing, parameters

>>> from galton.serve import create_app
>>> app = create_app("runs/mnist")              # then: uvicorn.run(app), or `galton serve`
"""
import os
import re
from typing import Optional

from .model import Predictor

__all__ = ["create_app", "MAX_UPLOAD_BYTES"]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
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


def create_app(run_dir_or_checkpoint=None, *, model_name=None, predictor=None,
               max_upload_bytes=MAX_UPLOAD_BYTES, **overrides):
    """A FastAPI app serving the model of a run folder (or checkpoint, or ``predictor``).

    run_dir_or_checkpoint: a folder written by ``galton train`` or a checkpoint file;
    model_name: the ``galton.vision.models`` name when the files do not record it;
    predictor: a ready ``Predictor`` instead of a path; overrides: ``classes``,
    ``input_shape``, ``mean``, ``std``, ``style``, ``model_kwargs`` (see
    ``Predictor.load``). The model is loaded here, so a bad run folder fails at start-up,
    not at the first request.
    """
    fastapi = _require_fastapi()
    from fastapi.responses import HTMLResponse

    from .. import __version__
    from ..vision.preprocess import ImageReadError

    if predictor is None:
        if run_dir_or_checkpoint is None:
            raise ValueError("create_app needs a run folder, a checkpoint or predictor=")
        predictor = Predictor.load(run_dir_or_checkpoint, model_name=model_name, **overrides)
    with open(os.path.join(_STATIC, "index.html"), encoding="utf-8") as fh:
        page = fh.read()

    app = fastapi.FastAPI(
        title="galton prediction service", version=__version__,
        description=f"Classifies an uploaded image with {predictor.name} "
                    f"({len(predictor.classes)} classes). Draw one at /.")
    app.state.predictor = predictor

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return HTMLResponse(page)

    @app.get("/health")
    def health():
        """Liveness: the model is loaded and the service answers."""
        return {"status": "ok", "model": predictor.name}

    @app.get("/model")
    def model_info():
        """The model's name, classes, input shape, normalisation and size."""
        return predictor.info()

    # a plain (not async) handler: FastAPI runs it in a worker thread, so a forward pass
    # does not block the event loop
    @app.post("/predict/")
    def predict(file: Optional[fastapi.UploadFile] = fastapi.File(None)):
        """Classify the image uploaded as multipart field ``file``."""
        if file is None or isinstance(file, str):
            raise fastapi.HTTPException(400, "No file uploaded: send the image as "
                                             "multipart/form-data in a field named 'file'.")
        name = file.filename or "the uploaded file"
        data = file.file.read(max_upload_bytes + 1)
        if not data:
            raise fastapi.HTTPException(400, f"{name} is empty: upload an image file "
                                             f"(PNG, JPEG, ...).")
        if len(data) > max_upload_bytes:
            raise fastapi.HTTPException(413, f"{name} is larger than "
                                             f"{max_upload_bytes // (1024 * 1024)} MiB.")
        try:
            return predictor.predict_bytes(data, name=name)
        except ImageReadError as exc:
            # Pillow names an in-memory file by its repr; the client needs no addresses
            reason = re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", str(exc))
            raise fastapi.HTTPException(400, f"File provided is not an image: {reason}") \
                from None

    # /predict (no slash) answers too, instead of redirecting a POST
    app.add_api_route("/predict", predict, methods=["POST"], include_in_schema=False)
    return app
