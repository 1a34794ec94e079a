"""The prediction web service (lesson 21): ``create_app(run_dir)`` and ``Predictor``.

``galton serve RUN_DIR`` runs it with uvicorn (``galton.serve.server.serve``: timeouts and a
connection limit); ``create_app`` gives the FastAPI app to run or test yourself. FastAPI,
uvicorn and python-multipart are optional dependencies (``pip install 'galton[serve]'``),
imported only when the app is built.
"""
from .app import MAX_UPLOAD_BYTES, create_app
from .model import MAX_PIXELS, UPLOAD_FORMATS, ModelLoadError, PredictionError, Predictor

__all__ = ["create_app", "Predictor", "ModelLoadError", "PredictionError", "MAX_UPLOAD_BYTES",
           "MAX_PIXELS", "UPLOAD_FORMATS"]
