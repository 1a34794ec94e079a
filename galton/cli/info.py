"""``galton info``: what a checkpoint holds: its metadata and its tensors."""
import json
import os

import numpy as np

from ._common import add_command, out

EXAMPLES = [
    "galton info runs/mnist_cnn/model.safetensors",
    "galton info runs/mnist_cnn/last.safetensors",
    "galton info runs/mnist_cnn --json",
]


def add_parser(sub):
    p = add_command(sub, "info", "show a checkpoint's metadata and tensors",
                    "Show what a safetensors checkpoint holds: a model file's metadata (model, "
                    "classes, input shape, normalisation, metrics, galton version), a training "
                    "checkpoint's epoch and settings, and every tensor's name, shape and dtype. "
                    "Reading a checkpoint never runs code.", EXAMPLES)
    p.add_argument("checkpoint", metavar="CHECKPOINT", help="a .safetensors file or a run folder")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def _tensors(obj, prefix=""):
    """(dotted name, array) for every tensor or array inside dicts and lists."""
    from ..tensor import Tensor
    if isinstance(obj, Tensor):
        yield prefix, obj._data
    elif isinstance(obj, np.ndarray):
        yield prefix, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _tensors(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _tensors(v, f"{prefix}.{i}" if prefix else str(i))


def _plain(obj):
    """The JSON-able part of an object (tensors replaced by a shape note)."""
    from ..tensor import Tensor
    if isinstance(obj, (Tensor, np.ndarray)):
        data = obj._data if isinstance(obj, Tensor) else obj
        return f"<tensor {list(data.shape)} {data.dtype}>"
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def describe(path):
    """A dict: the file, its kind, its metadata and its tensors (name, shape, dtype)."""
    from ..serialization import load
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path} not found")
    obj = load(path)
    fmt = obj.get("format") if isinstance(obj, dict) else None
    if fmt == "galton-model/1":
        kind, meta, tensors = "galton model file", obj["metadata"], obj["state_dict"]
    elif fmt == "galton-training-state/1":
        kind = "galton training checkpoint"
        meta = {"epoch": obj.get("epoch"), "history": obj.get("history"),
                **(obj.get("metadata") or {})}
        tensors = {"model": obj.get("model"), "optimizer": obj.get("optimizer")}
    else:
        kind, meta, tensors = "tensors (state dict)", {}, obj
    rows = [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype), "numel": int(a.size)}
            for n, a in _tensors(tensors)]
    return {"file": path, "bytes": os.path.getsize(path), "kind": kind,
            "metadata": _plain(meta), "tensors": rows}


def run(args):
    info = describe(args.checkpoint)
    if args.json:
        out(json.dumps(info, indent=2))
        return 0
    out(f"{info['file']}: {info['kind']}, {info['bytes']:,} bytes")
    meta = dict(info["metadata"])
    history = meta.pop("history", None)
    for key, value in meta.items():
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        out(f"  {key}: {value}")
    if history:
        last = history[-1]
        out(f"  history: {len(history)} epochs, last: " +
            ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in last.items()))
    rows = info["tensors"]
    out("")
    if not rows:
        out("no tensors")
        return 0
    width = max(len(r["name"]) for r in rows)
    out(f"{'tensor':<{width}}  {'shape':<18} {'dtype':<8} {'elements':>10}")
    for r in rows:
        out(f"{r['name']:<{width}}  {str(tuple(r['shape'])):<18} {r['dtype']:<8} {r['numel']:>10,}")
    out(f"{len(rows)} tensors, {sum(r['numel'] for r in rows):,} elements")
    return 0
