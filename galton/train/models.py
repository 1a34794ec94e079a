"""Models for a training run: build one by name or from a file, save it with what it needs to
be used later (class names, input shape, normalisation), load it back, classify with it.

A model spec is a zoo name (``"mnist_cnn"``, see ``galton.vision.models.list_models()``) or
``"path/to/file.py:ClassName"`` (a class derived from ``galton.nn.Module`` in a file of the
user's own; the file is imported, so it runs as any Python file would).

A file is imported only because the user named it (``build_model(spec)``, ``--model`` on the
command line), never because a model file or checkpoint says so: ``load_model`` rebuilds a zoo
model from the metadata's spec, and a spec naming a ``.py`` file is refused unless the caller
passes that architecture itself (``load_model(path, model="net.py:Net")``). See
docs/security.md.

>>> model, kwargs = build_model("mnist_cnn", num_classes=10, input_shape=(1, 28, 28))
>>> save_model("runs/a/model.safetensors", model, {"spec": "mnist_cnn", "kwargs": kwargs, ...})
>>> model, meta = load_model("runs/a/model.safetensors")
"""
import hashlib
import importlib.util
import inspect
import math
import os
import sys

import numpy as np

__all__ = ["MODEL_FORMAT", "is_file_spec", "build_model", "save_model", "load_model",
           "spec_from_metadata",
           "read_model_metadata", "probabilities", "classify"]

MODEL_FORMAT = "galton-model/1"


def is_file_spec(spec):
    """True for ``path/to/file.py:ClassName`` (or a bare ``file.py``)."""
    path = spec.rpartition(":")[0] if ":" in spec else spec
    return path.endswith(".py")


def _module_classes(module):
    from ..nn import Module
    return sorted(name for name, obj in vars(module).items()
                  if inspect.isclass(obj) and issubclass(obj, Module) and obj is not Module
                  and obj.__module__ == module.__name__)


def _load_class(spec):
    """The nn.Module class named by ``path/to/file.py:ClassName``."""
    from ..nn import Module
    path, _, cls_name = spec.rpartition(":") if ":" in spec else (spec, "", "")
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file {path} not found (a model is a zoo name or "
                                "path/to/file.py:ClassName)")
    # one module name per file path: importing the same file twice gives the same classes
    name = "galton_user_model_" + hashlib.sha1(path.encode()).hexdigest()[:12]
    module = sys.modules.get(name)
    if module is None:
        loader_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader_spec)
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            raise ValueError(f"cannot import model file {path}: {type(exc).__name__}: {exc}") \
                from None
        sys.modules[name] = module
    classes = _module_classes(module)
    if not cls_name:
        raise ValueError(f"name the model class after the file: {path}:ClassName (its nn.Module "
                         f"classes: {', '.join(classes) or 'none'})")
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ValueError(f"model file {path} has no class '{cls_name}' (its nn.Module classes: "
                         f"{', '.join(classes) or 'none'})")
    if not (inspect.isclass(cls) and issubclass(cls, Module)):
        raise ValueError(f"'{cls_name}' in {path} is not a galton.nn.Module subclass")
    return cls


def _zoo():
    try:
        from ..vision import models
    except ImportError as exc:
        raise ValueError(f"the model zoo galton.vision.models cannot be imported ({exc}); use a "
                         "model file: path/to/file.py:ClassName") from None
    if not hasattr(models, "get_model"):
        raise ValueError("this galton has no model zoo (galton.vision.models); use a model file: "
                         "path/to/file.py:ClassName")
    return models


def _accepts(cls, name):
    params = inspect.signature(cls).parameters
    return name in params


def build_model(spec, num_classes=None, input_shape=None, kwargs=None):
    """Build a model; returns ``(model, kwargs)`` where kwargs rebuild the same architecture.

    Without ``kwargs``, the constructor gets ``num_classes`` and, where it takes one,
    ``in_channels`` (images) or ``in_features`` (flat inputs, or flattened images).
    """
    if is_file_spec(spec):
        cls = _load_class(spec)
        if kwargs is None:
            kwargs = {}
            if num_classes is not None and _accepts(cls, "num_classes"):
                kwargs["num_classes"] = num_classes
            if input_shape is not None and len(input_shape) == 3 and _accepts(cls, "in_channels"):
                kwargs["in_channels"] = int(input_shape[0])
            if input_shape is not None and _accepts(cls, "in_features"):
                kwargs["in_features"] = int(math.prod(input_shape))
        try:
            return cls(**kwargs), dict(kwargs)
        except TypeError as exc:
            raise ValueError(f"cannot build {spec} with arguments {kwargs or '()'}: {exc}") \
                from None
    models = _zoo()
    if spec.lower() not in models.list_models():
        raise ValueError(f"unknown model '{spec}'; choose from: {', '.join(models.list_models())}"
                         " (or path/to/file.py:ClassName)")
    if kwargs is not None:
        return models.get_model(spec, **kwargs), dict(kwargs)
    base = {"num_classes": num_classes} if num_classes is not None else {}
    tries = []
    if input_shape is not None:
        if len(input_shape) == 3:
            tries.append({**base, "in_channels": int(input_shape[0])})
        tries.append({**base, "in_features": int(math.prod(input_shape))})
    tries.append(base)
    for i, kw in enumerate(tries):
        # zoo builders pass **kwargs on to the class: an option it lacks is a TypeError
        try:
            return models.get_model(spec, **kw), kw
        except TypeError:
            if i == len(tries) - 1:
                raise


def save_model(path, model, metadata):
    """Write the model's weights and ``metadata`` (JSON-able: spec, kwargs, classes,
    input_shape, mean, std, metrics...) to one safetensors file, atomically."""
    from .. import __version__
    from ..serialization import save
    meta = dict(metadata)
    meta.setdefault("galton_version", __version__)
    save({"format": MODEL_FORMAT, "metadata": meta, "state_dict": model.state_dict()}, path)


def check_exists(path, what):
    """Raise one line naming ``path`` unless it exists: not found, unreadable (permissions) and
    a file where a folder is expected are three different messages (os.path.exists says False
    to all three)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path} not found (train one with galton train)") \
            from None
    except NotADirectoryError:
        raise NotADirectoryError(f"{what} {path} cannot be reached: a part of that path is a "
                                 f"file, not a folder") from None
    except PermissionError:
        raise PermissionError(f"{what} {path} cannot be read (permission denied)") from None


def _read(path):
    from ..serialization import load
    path = os.fspath(path)
    check_exists(path, "model file or run folder")
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    check_exists(path, "model file")
    if not os.path.isfile(path):
        raise IsADirectoryError(f"model file {path} is not a file")
    obj = load(path)
    if isinstance(obj, dict) and obj.get("format") == "galton-training-state/1":
        meta = dict((obj.get("metadata") or {}).get("model") or {})
        if not meta:
            raise ValueError(f"{path} is a training checkpoint without model metadata")
        if "model" not in obj:
            raise ValueError(f"{path} is an incomplete training checkpoint (no 'model')")
        return path, _with_classes(path, meta), obj["model"]
    if not isinstance(obj, dict) or obj.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path} is not a galton model file (written by galton train as "
                         "model.safetensors)")
    if not isinstance(obj.get("metadata"), dict) or not isinstance(obj.get("state_dict"), dict):
        raise ValueError(f"{path} is a galton model file without its metadata or weights")
    return path, _with_classes(path, obj["metadata"]), obj["state_dict"]


def _with_classes(path, meta):
    # every command that loads a model names its classes: a file without them is refused here,
    # with its path, not later as a bare KeyError
    if not isinstance(meta.get("classes"), (list, tuple)):
        raise ValueError(f"{path} has no class names (no 'classes' list in its model metadata)")
    return dict(meta)


def read_model_metadata(path):
    """The metadata of a model file (or a run folder, or a training checkpoint)."""
    return _read(path)[1]


def spec_from_metadata(meta, path, model=None):
    """The spec to rebuild a saved model with: ``model`` when the user named one, else the
    metadata's spec if it is a zoo name. A metadata spec naming a file is refused: a file
    never makes galton import code."""
    if model is not None:
        return model if is_file_spec(model) else model.lower()
    spec = meta.get("spec")
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"{path} does not name its model architecture (no 'spec' in its "
                         f"metadata); pass it with --model NAME")
    if is_file_spec(spec) or ":" in spec:
        raise ValueError(f"{path} says its model is class {spec!r} of a Python file; galton "
                         f"never imports a file because a checkpoint names it. If you trust that "
                         f"file, name it yourself: --model {spec}")
    return spec


def load_model(path, model=None):
    """Rebuild the model saved at ``path`` (a model file, a run folder or a training
    checkpoint) with its weights, in eval mode; returns ``(model, metadata)``.

    ``model``: the architecture as the user names it (a zoo name or ``file.py:ClassName``),
    needed when the metadata's spec names a Python file (never imported on a file's word).
    """
    path, meta, state = _read(path)
    spec = spec_from_metadata(meta, path, model)
    kwargs = meta.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ValueError(f"{path} has malformed model arguments (kwargs of type "
                         f"{type(kwargs).__name__})")
    _check_sizes(path, kwargs, state)
    net, _ = build_model(spec, kwargs=kwargs)
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ValueError(f"the weights in {path} do not fit model {spec}: {exc}") from None
    net.eval()
    return net, meta


_SIZE_FLOOR = 4096  # a size argument this small is never refused (kernel sizes, widths...)


def _ints(value):
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _ints(v)


def _check_sizes(path, kwargs, state):
    """Refuse, before anything is allocated, constructor arguments that ask for a model far
    larger than the weights the file stores. Every size argument of a model (num_classes,
    in_features, hidden widths, channels) becomes a dimension of some weight, so one larger than
    every stored dimension (and than a small floor) cannot be the model these weights fit; one
    weight with that dimension would need at least that many times the widest stored one."""
    dims = [int(d) for t in _tensors(state) for d in t.shape] or [0]
    widest, stored = max(dims), sum(t.numel() * t.element_size() for t in _tensors(state))
    for key, value in kwargs.items():
        for n in _ints(value):
            if n > max(widest, _SIZE_FLOOR) or n < 0:
                need = max(n, 1) * max(widest, 1) * 4
                raise ValueError(f"{path} asks for a model with {key}={n}, larger than any "
                                 f"dimension of the weights it stores (the largest is {widest}); "
                                 f"one layer of that size would need about {need / 2**30:.1f} "
                                 f"GiB, the file stores {stored / 2**20:.1f} MiB of weights")


def _tensors(state):
    from ..tensor import Tensor
    if isinstance(state, Tensor):
        yield state
    elif isinstance(state, dict):
        for v in state.values():
            yield from _tensors(v)
    elif isinstance(state, (list, tuple)):
        for v in state:
            yield from _tensors(v)


def probabilities(model, x, binary=False):
    """Class probabilities (N, C) for inputs ``x`` (a NumPy array or tensor), no gradients."""
    from ..autograd import no_grad
    from ..tensor import Tensor
    model.eval()
    with no_grad():
        xt = x if isinstance(x, Tensor) else Tensor._wrap(np.ascontiguousarray(x, np.float32))
        out = model(xt)._data.astype(np.float64)
    if binary or (out.ndim == 2 and out.shape[1] == 1) or out.ndim == 1:
        p = 1.0 / (1.0 + np.exp(-out.reshape(-1)))
        return np.stack([1.0 - p, p], axis=1)
    out = out.reshape(len(out), -1)
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def classify(model, metadata, x):
    """Label each input of a batch: a list of dicts {index, label, confidence, probabilities}."""
    probs = probabilities(model, x, binary=metadata.get("loss") == "bce")
    classes = metadata.get("classes") or [str(i) for i in range(probs.shape[1])]
    results = []
    for p in probs:
        i = int(p.argmax())
        results.append({"index": i, "label": classes[i] if i < len(classes) else str(i),
                        "confidence": float(p[i]),
                        "probabilities": [float(v) for v in p]})
    return results
