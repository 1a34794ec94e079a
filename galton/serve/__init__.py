"""The prediction web service (lesson 21): ``create_app(run_dir)`` and ``Predictor``.

``galton serve RUN_DIR`` runs it with uvicorn; ``create_app`` gives the FastAPI app to run
or test yourself. FastAPI, uvicorn and python-multipart are optional dependencies
(``pip install 'galton[serve]'``), imported only when the app is built.
"""
from .app import MAX_UPLOAD_BYTES, create_app
from .model import ModelLoadError, Predictor

__all__ = ["create_app", "Predictor", "ModelLoadError", "MAX_UPLOAD_BYTES"]
