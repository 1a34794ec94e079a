"""A trained model ready to answer "what is in this picture?": ``Predictor``.

A predictor is a model plus what its training data looked like (class names, input shape,
normalisation, how to prepare a user's picture). It comes from what ``galton train`` wrote
(a run folder, its ``model.safetensors``, or a training checkpoint with model metadata; read
by ``galton.train.models.load_model``), from bare weights plus a model name, or from a module
in memory:

>>> p = Predictor.load("runs/mnist")                                  # run folder
>>> p = Predictor.load("weights.safetensors", model_name="mnist_cnn")  # bare state dict
>>> p = Predictor(model, classes=["cat", "dog"], input_shape=(3, 32, 32))
>>> p.predict_bytes(open("seven.png", "rb").read())
{'prediction_index': 7, 'label': '7', 'confidence': 0.98, 'probabilities': [...]}

A user's picture is fitted to the model's input by ``galton.vision.preprocess.prepare``
(grey or RGB, resized with the aspect kept, inverted when the background is light, normalised
with the training data's mean and std), as ``galton predict`` does.

Uploads are decoded in a small pool of threads (``workers``: the decodes of two requests and
the forward pass of a third use different cores, NumPy and Pillow release the GIL), and only
in the formats of ``UPLOAD_FORMATS`` and up to ``max_pixels`` (checked from the header,
before any pixel is decoded). Forward passes run in one thread that batches the requests
arriving together (``galton.serve.batching.MicroBatcher``).
"""
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from .batching import MicroBatcher
from .checks import ModelLoadError, check_finite_weights, normalisation, show

__all__ = ["Predictor", "ModelLoadError", "PredictionError", "RUN_MODEL_FILE",
           "UPLOAD_FORMATS", "MAX_PIXELS"]

RUN_MODEL_FILE = "model.safetensors"
_STATE_KEYS = ("model", "state_dict", "model_state_dict", "weights")
# what the page and the docs promise; never EPS/PS (Pillow hands those to Ghostscript), nor
# the dozens of rarer formats Pillow would otherwise try on an upload
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
# 4 megapixels (2000x2000): a decode and its preparation cost up to ~56 bytes a pixel (RGBA)
MAX_PIXELS = 4_000_000
_SERVING = ("max_batch", "batch_window", "workers", "max_pixels", "formats")


class PredictionError(RuntimeError):
    """The model failed on an input, or gave non-finite (NaN/inf) output for it."""


def _is_tensor(x):
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _state_dict_of(obj, name):
    """The state dict in what ``galton.load`` returned: the dict of tensors itself, or one
    kept under "model", "state_dict", "model_state_dict" or "weights"."""
    if isinstance(obj, Mapping):
        if obj and all(_is_tensor(v) for v in obj.values()):
            return dict(obj)
        for key in _STATE_KEYS:
            inner = obj.get(key)
            if isinstance(inner, Mapping) and inner and \
                    all(_is_tensor(v) for v in inner.values()):
                return dict(inner)
    raise ModelLoadError(f"{name} holds no state dict (neither a dict of tensors nor one under "
                         f"{', '.join(repr(k) for k in _STATE_KEYS)})")


class Predictor:
    """A model in eval mode and what it needs to classify one user image.

    model: a galton ``nn.Module`` returning logits N×K, or N×1 (one logit, a binary model
    trained with ``BCEWithLogitsLoss``: two classes); classes: K names (default "0".."K-1");
    input_shape: (C, H, W); mean, std: per-channel normalisation of the training data (None:
    none); style: how ``galton.vision.preprocess.prepare`` fits a picture to the input
    ("digits", "objects" or "resize"; default "digits" for one channel, else "resize").
    max_batch, batch_window: micro-batching (max_batch=1: one forward pass per request);
    workers: threads decoding uploads; max_pixels, formats: the uploads accepted.

    The constructor validates the whole chain at once and raises ModelLoadError with one line
    naming the file: the style, the normalisation (finite, no zero std), the weights (no
    NaN/inf), the input shape and class count (a dummy forward pass), and a probe prediction
    of a drawn stroke whose probabilities must be finite.
    """

    def __init__(self, model, classes=None, input_shape=(1, 28, 28), mean=None, std=None,
                 style=None, name=None, source=None, *, max_batch=32, batch_window=0.005,
                 workers=2, max_pixels=MAX_PIXELS, formats=UPLOAD_FORMATS):
        from ..vision.preprocess import STYLES
        self.model = model.eval()
        self.name = name or type(model).__name__
        self.source = source
        where = self._where()
        self.input_shape = tuple(int(v) for v in input_shape)
        if len(self.input_shape) != 3:
            raise ModelLoadError(f"the service classifies images: model {self.name} takes "
                                 f"inputs of shape {self.input_shape}, not (C, H, W)")
        self.mean = normalisation(mean, "mean", self.input_shape[0], where)
        self.std = normalisation(std, "std", self.input_shape[0], where)
        if self.std is not None and 0.0 in self.std:
            raise ModelLoadError(f"{where}: normalisation std {self.std} holds 0 (dividing "
                                 f"by it gives inf/NaN); refusing to serve it")
        self.style = style or ("digits" if self.input_shape[0] == 1 else "resize")
        if self.style not in STYLES:
            raise ModelLoadError(f"{where}: unknown preprocessing style {self.style!r}; "
                                 f"galton prepares images as one of: {', '.join(STYLES)}")
        check_finite_weights(self.model, where)
        self.max_pixels = None if max_pixels is None else int(max_pixels)
        self.formats = tuple(formats) if formats is not None else None
        # forward passes run in the batcher's thread only, under this lock for direct calls:
        # no_grad switches a process-wide flag
        self._lock = threading.Lock()
        try:
            out = self._forward(np.zeros((1, *self.input_shape), np.float32))
        except Exception as exc:  # noqa: BLE001  (any failure here means a wrong shape/model)
            raise ModelLoadError(f"model {self.name} does not take inputs of shape "
                                 f"(N, {', '.join(map(str, self.input_shape))}): "
                                 f"{exc.__class__.__name__}: {exc}") from None
        outputs = out.shape[-1] if out.ndim == 2 and out.shape[0] == 1 else None
        if outputs is None:
            raise ModelLoadError(f"model {self.name} returned shape {tuple(out.shape)} for one "
                                 f"image; a classifier returns (1, number of classes)")
        self.binary = outputs == 1
        n_classes = 2 if self.binary else outputs
        if classes is None:
            classes = [str(i) for i in range(n_classes)]
        self.classes = [str(c) for c in classes]
        if len(self.classes) != n_classes:
            raise ModelLoadError(f"model {self.name} gives {outputs} output(s) but "
                                 f"{len(self.classes)} class names were given: {self.classes}")
        self.probe = self._probe()
        self.failure = None  # why the last prediction failed; None when it worked
        self._batcher = MicroBatcher(self._probabilities, max_batch=max_batch,
                                     window=batch_window)
        if int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._decoder = ThreadPoolExecutor(int(workers), thread_name_prefix="galton-decode")

    def _where(self):
        return os.path.basename(os.path.normpath(self.source)) if self.source else self.name

    def _probe(self):
        """Predict a drawn stroke once; refuse the model when that gives NaN/inf."""
        from PIL import Image
        a = np.zeros((64, 64), np.uint8)
        a[8:56, 28:36] = 255  # a light stroke on black, a "1"
        try:
            probs = self._probabilities(self.prepare(Image.fromarray(a))[None])[0]
        except Exception as exc:  # noqa: BLE001
            raise ModelLoadError(f"{self._where()}: a probe prediction failed: "
                                 f"{exc.__class__.__name__}: {exc}") from None
        if not np.all(np.isfinite(probs)):
            raise ModelLoadError(f"{self._where()}: model {self.name} gives non-finite "
                                 f"probabilities ({show(probs)}) for a probe image; "
                                 f"refusing to serve it")
        index = int(np.argmax(probs))
        return {"label": self.classes[index], "confidence": float(probs[index])}

    # --- loading ------------------------------------------------------------------------
    @classmethod
    def load(cls, path, model_name=None, **overrides):
        """A predictor from a run folder, a model file or a training checkpoint that
        ``galton train`` wrote (read by ``galton.train.models.load_model``), or from a bare
        state-dict checkpoint when ``model_name`` names its architecture.

        model_name: a ``galton.vision.models`` name (or ``file.py:ClassName``) for a bare
        state dict; overrides: ``classes``, ``input_shape``, ``mean``, ``std``, ``style``,
        ``model_kwargs`` that replace what the files say (None values are ignored), and the
        serving options ``max_batch``, ``batch_window``, ``workers``, ``max_pixels``,
        ``formats`` (see ``Predictor``).
        """
        serving = {k: overrides.pop(k) for k in _SERVING if overrides.get(k) is not None}
        path = os.fspath(path)
        if not os.path.exists(path):
            raise ModelLoadError(f"{path}: no such run folder or checkpoint file")
        if os.path.isdir(path):
            checkpoint = os.path.join(path, RUN_MODEL_FILE)
            if not os.path.isfile(checkpoint):
                found = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
                hint = f" (it has {', '.join(found)}: pass one of them)" if found else ""
                raise ModelLoadError(f"{path} is not a run folder: it has no {RUN_MODEL_FILE}"
                                     f"{hint}; `galton train` writes one")
        else:
            checkpoint = path
        overrides = {k: v for k, v in overrides.items() if v is not None}
        from ..serialization import CheckpointError
        from ..train.models import load_model
        try:
            model, meta = load_model(checkpoint, model=model_name)
        except CheckpointError as exc:
            raise ModelLoadError(str(exc)) from None
        except ValueError as exc:
            if not model_name:  # not galton train's file, and no name to build bare weights
                raise ModelLoadError(f"{exc}; for a file of bare weights (a state dict), pass "
                                     f"the model's name (galton serve --model NAME; one of "
                                     f"{', '.join(_list_models())})") from None
            model, meta = cls._build_bare(checkpoint, model_name, overrides)
        meta = {**meta, **overrides}
        return cls(model, classes=meta.get("classes"),
                   input_shape=meta.get("input_shape") or (1, 28, 28), mean=meta.get("mean"),
                   std=meta.get("std"), style=meta.get("style") or meta.get("preprocess"),
                   name=meta.get("spec") or type(model).__name__, source=checkpoint,
                   **serving)

    @staticmethod
    def _build_bare(checkpoint, model_name, overrides):
        """(model, metadata): model ``model_name`` (a zoo name or ``file.py:ClassName``) with
        the weights of any checkpoint ``galton.load`` reads."""
        from ..serialization import CheckpointError, load
        from ..train.models import build_model
        try:
            state = _state_dict_of(load(checkpoint, map_location="cpu"), checkpoint)
        except CheckpointError as exc:
            raise ModelLoadError(str(exc)) from None
        classes = overrides.get("classes")
        out = _output_features(state)
        # one output logit and two class names: a binary model (BCEWithLogitsLoss)
        if classes:
            num_classes = 1 if (out == 1 and len(classes) == 2) else len(classes)
        else:
            num_classes = out
        try:
            model, _ = build_model(model_name, num_classes=num_classes,
                                   input_shape=overrides.get("input_shape") or (1, 28, 28),
                                   kwargs=overrides.get("model_kwargs"))
            model.load_state_dict(state)
        except (ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load the weights in {checkpoint} into model "
                                 f"{model_name!r}: {exc}") from None
        return model, {"spec": model_name, "loss": "bce" if num_classes == 1 else "ce"}

    # --- predicting ---------------------------------------------------------------------
    def _forward(self, batch):
        import galton
        with self._lock, galton.no_grad():
            out = self.model(galton.from_numpy(batch))
        return np.asarray(out.detach().numpy(), dtype=np.float64)

    def _probabilities(self, batch):
        """Class probabilities (N×K float64) of a prepared N×C×H×W batch."""
        from ..train.models import probabilities
        with self._lock:
            return probabilities(self.model, np.ascontiguousarray(batch, np.float32),
                                 binary=self.binary)

    def prepare(self, image):
        """A Pillow image as the model's input, a float32 C×H×W array."""
        from ..vision.preprocess import prepare
        return prepare(image, self.input_shape, style=self.style, mean=self.mean, std=self.std)

    def decode(self, data, name=None):
        """An encoded upload as the model's input (C×H×W float32); raises
        ``ImageReadError`` (``ImageTooLargeError`` over ``max_pixels``)."""
        from ..vision.preprocess import load_image
        return self.prepare(load_image(bytes(data), name=name, formats=self.formats,
                                       max_pixels=self.max_pixels))

    def predict_array(self, x):
        """Class probabilities (float64, length K) of one prepared C×H×W input."""
        return self._batcher.submit(np.asarray(x, np.float32)).result()

    def submit_bytes(self, data, name=None):
        """A future of the class probabilities of an encoded image: decoded in the worker
        pool, then batched with the other requests into one forward pass."""
        answer = Future()
        self._batcher.expect()

        def work():
            try:
                x = self.decode(data, name)
            except BaseException as exc:  # noqa: BLE001  (the caller gets it)
                self._batcher.cancel()
                answer.set_exception(exc)
                return
            self._batcher.submit(x, answer, expected=True)

        self._decoder.submit(work)
        return answer

    def answer(self, probs, name=None):
        """``{prediction_index, label, confidence, probabilities}`` of class probabilities;
        PredictionError when they are not finite (JSON cannot hold NaN)."""
        if not np.all(np.isfinite(probs)):
            self.failure = (f"model {self.name} gave non-finite probabilities "
                            f"({show(probs)}) for {name or 'an image'}")
            raise PredictionError(self.failure)
        self.failure = None
        index = int(np.argmax(probs))
        return {"prediction_index": index, "label": self.classes[index],
                "confidence": float(probs[index]),
                "probabilities": [float(p) for p in probs]}

    def _model_failed(self, exc):
        self.failure = f"model {self.name} failed: {exc.__class__.__name__}: {exc}"
        return PredictionError(self.failure)

    def _result(self, future):
        from ..vision.preprocess import ImageReadError
        try:
            return future.result()
        except ImageReadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._model_failed(exc) from None

    def predict(self, image):
        """The answer for one Pillow image: ``{prediction_index, label, confidence,
        probabilities}``, as ``POST /predict/`` returns it."""
        return self.answer(self._result(self._batcher.submit(self.prepare(image))))

    def predict_bytes(self, data, name=None):
        """``predict`` of an encoded image (PNG, JPEG, GIF, BMP, WebP); raises
        ``galton.vision.preprocess.ImageReadError`` when the bytes are not such an image,
        ``ImageTooLargeError`` when it has more than ``max_pixels``."""
        return self.answer(self._result(self.submit_bytes(data, name)), name)

    async def predict_upload(self, data, name=None):
        """``predict_bytes`` for an event loop: awaits the decode and the batch."""
        import asyncio

        from ..vision.preprocess import ImageReadError
        try:
            probs = await asyncio.wrap_future(self.submit_bytes(data, name))
        except ImageReadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._model_failed(exc) from None
        return self.answer(probs, name)

    def health(self):
        """(ok, body) for ``GET /health``: ok while the last prediction worked."""
        body = {"status": "ok" if self.failure is None else "failing", "model": self.name,
                "probe": self.probe}
        if self.failure is not None:
            body["detail"] = self.failure
        return self.failure is None, body

    def close(self):
        """Stop the decoding threads and the batching thread."""
        self._decoder.shutdown(wait=True)
        self._batcher.close()

    def info(self):
        """What ``GET /model`` shows: name, classes, input shape, normalisation, size."""
        return {"name": self.name, "classes": list(self.classes),
                "num_classes": len(self.classes), "input_shape": list(self.input_shape),
                "mean": self.mean, "std": self.std, "preprocess": self.style,
                "parameters": int(sum(p.numel() for p in self.model.parameters())),
                # the file's name only: the service need not tell clients its folders
                "source": os.path.basename(os.path.normpath(self.source)) if self.source
                else None}

    def __repr__(self):
        return (f"Predictor({self.name}, classes={len(self.classes)}, "
                f"input_shape={self.input_shape}, style={self.style!r})")


def _output_features(state):
    """The length of the last 1-D tensor of a state dict (a classifier's output bias)."""
    for value in reversed(list(state.values())):
        if len(value.shape) == 1:
            return int(value.shape[0])
    return None


def _list_models():
    try:
        from ..vision.models import list_models
    except ImportError:
        return []
    return list_models()
