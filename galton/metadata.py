"""Model versioning: a model file that says what it holds.

``save_model(model, "fashion_cnn_v2.1.safetensors", class_names=[...], input_shape=(1, 28, 28),
normalization={"mean": [0.286], "std": [0.353]}, metrics={"test_accuracy": 0.91})`` writes the
same model file as ``galton train`` (``galton.train.models``, format ``galton-model/1``): one
safetensors checkpoint holding ``{"format", "metadata", "state_dict"}``, so ``galton info``,
``galton predict`` (given ``spec=``, a zoo name) and ``galton.train.models.load_model`` read
it. The metadata uses that format's names: ``classes``, ``input_shape``, ``mean``, ``std``,
``metrics``, ``galton_version``; save_model adds ``model_name``, ``num_parameters``, ``created``
(UTC) and ``content_hash``, the SHA-256 of the tensors (each key, dtype, shape and
little-endian bytes, keys in sorted order), so two files with the same weights have the same
hash whatever their metadata. ``load_model_metadata(path)`` reads the metadata from the file's
JSON header alone, without loading the weights; ``verify=True`` also recomputes the hash.

>>> meta = load_model_metadata("fashion_cnn_v2.1.safetensors")
>>> model.load_state_dict(galton.load("fashion_cnn_v2.1.safetensors")["state_dict"])
"""
import datetime
import hashlib
import json
import os
import struct

import numpy as np

from . import backend
from .serialization import _format, _structure
from .serialization._format import CheckpointError

MODEL_FORMAT = "galton-model/1"  # galton.train.models' model files

__all__ = ["save_model", "load_model_metadata", "content_hash"]


def content_hash(state_dict):
    """``"sha256:<hex>"`` of a flat dict of tensors: keys (sorted), dtypes, shapes and bytes."""
    h = hashlib.sha256()
    for key in sorted(state_dict):
        t = state_dict[key]
        arr = backend.to_device(t._data if hasattr(t, "_data") else np.asarray(t), backend.CPU)
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        h.update(json.dumps([str(key), arr.dtype.name, list(arr.shape)]).encode())
        h.update(arr.reshape(-1).view(np.uint8).data)
    return "sha256:" + h.hexdigest()


def _plain(v, where):
    """A JSON value from metric numbers, tensors, tuples and NumPy scalars."""
    if v is None or isinstance(v, (bool, str, int, float)):
        return v
    if isinstance(v, (np.integer, np.floating, np.bool_)):
        return v.item()
    if hasattr(v, "tolist") and callable(v.tolist):
        return v.tolist()
    if isinstance(v, dict):
        return {str(k): _plain(x, f"{where}[{k!r}]") for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, f"{where}[{i}]") for i, x in enumerate(v)]
    raise TypeError(f"save_model: {where} is a {type(v).__name__}; metadata must be JSON data "
                    f"(numbers, strings, lists, dicts)")


def _mean_std(norm):
    if norm is None:
        return None, None
    if isinstance(norm, dict):
        return norm.get("mean"), norm.get("std")
    if hasattr(norm, "mean") and hasattr(norm, "std"):  # a transforms.Normalize
        return norm.mean, norm.std
    raise TypeError("save_model: normalization must be a dict {'mean': ..., 'std': ...} or a "
                    "transforms.Normalize")


def save_model(model, path, *, name=None, class_names=None, input_shape=None,
               normalization=None, metrics=None, **extra):
    """Write ``model``'s state dict to ``path`` as a galton model file with versioning metadata.

    Extra keyword arguments (``spec="fashion_cnn"``, ``description=``, ``epochs=``...) are
    stored too (``mean=``/``std=`` may replace ``normalization=``). Returns the metadata.

    >>> save_model(model, "cnn_v2.1.safetensors", class_names=LABELS, input_shape=(1, 28, 28),
    ...            metrics={"test_accuracy": 0.912})
    """
    import galton
    if not hasattr(model, "state_dict"):
        raise TypeError(f"save_model: expected a model (nn.Module), got {type(model).__name__}")
    state = model.state_dict()
    mean, std = _mean_std(normalization)
    meta = {"model_name": name or type(model).__name__,
            "classes": _plain(class_names, "class_names"),
            "input_shape": _plain(input_shape, "input_shape"),
            "mean": _plain(extra.pop("mean", mean), "mean"),
            "std": _plain(extra.pop("std", std), "std"),
            "metrics": _plain(metrics or {}, "metrics"),
            "num_parameters": int(sum(p.numel() for p in model.parameters())),
            "galton_version": galton.__version__,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"),
            "content_hash": content_hash(state)}
    for k, v in extra.items():
        if k in meta:
            raise TypeError(f"save_model: {k!r} is set by save_model itself")
        meta[k] = _plain(v, k)
    try:
        json.dumps(meta, allow_nan=False)
    except ValueError as exc:
        raise ValueError(f"save_model: metadata numbers must be finite ({exc})") from None
    from .serialization import save
    save({"format": MODEL_FORMAT, "metadata": meta, "state_dict": state}, path)
    return meta


def load_model_metadata(path, verify=False):
    """The metadata of the model file at ``path``, read from its JSON header (the weights are
    not loaded).

    ``verify=True`` loads the tensors too and raises CheckpointError when their SHA-256 is not
    the recorded ``content_hash`` (a file changed after it was written).
    """
    path = os.fspath(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
        raw = fh.read(n) if 2 <= n <= 100_000_000 else b""
    try:
        header = json.loads(raw.decode("utf-8"))
        structure = json.loads(header["__metadata__"][_format.STRUCTURE])
        items = dict((k, v) for k, v in structure["dict"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        raise CheckpointError(f"load_model_metadata: {path} is not a galton model file "
                              f"(no galton checkpoint header)") from None
    if items.get("format") != MODEL_FORMAT or "metadata" not in items:
        raise CheckpointError(f"load_model_metadata: {path} is a galton checkpoint but not a "
                              f"model file (write one with galton.metadata.save_model)")
    # the metadata part of the structure holds no tensors: decode it without the data
    try:
        meta = _structure.decode(items["metadata"], path, {}, None)
    except RecursionError:
        raise CheckpointError(f"load_model_metadata: {path} has a corrupt galton structure "
                              f"(nested too deeply)") from None
    if verify:
        from .serialization import load
        actual = content_hash(load(path)["state_dict"])
        if actual != meta.get("content_hash"):
            raise CheckpointError(f"load_model_metadata: the tensors of {path} do not match its "
                                  f"content_hash ({actual} != {meta.get('content_hash')})")
    return meta
