"""The JSON description of a saved object's structure, and its tensors, both ways.

Containers are tagged objects ({"dict": [[key, value], ...]}, {"list": [...]}, {"tuple": [...]},
{"tensor": entry name, ...}), so int keys stay ints and tuples stay tuples; plain JSON values
are themselves.
"""
import math

import numpy as np

from .. import backend, dtypes
from ..tensor import Tensor
from ._format import TO_ST, CheckpointError


def encode(obj, where, names, entries, used, active):
    """The JSON description of obj; its tensors are appended to ``entries``."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else {"float": repr(x)}
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Tensor):
        desc = {"tensor": _add(entries, used, names, _host(obj._data, where))}
        if obj._rg:
            desc["requires_grad"] = True
        if type(obj).__name__ == "Parameter":
            desc["parameter"] = True
        if obj.device.type != "cpu":
            desc["device"] = str(obj.device)
        return desc
    if isinstance(obj, np.ndarray):
        return {"ndarray": _add(entries, used, names, _host(obj, where))}
    if _is_torch_tensor(obj):
        # so a PyTorch checkpoint converts with galton.save(torch.load(p, weights_only=True), q)
        try:
            arr = obj.detach().cpu().numpy()
        except TypeError as exc:
            raise TypeError(f"galton.save: cannot convert the PyTorch tensor at {where}: {exc}") \
                from None
        desc = {"tensor": _add(entries, used, names, _host(arr, where))}
        if obj.requires_grad:
            desc["requires_grad"] = True
        if type(obj).__name__ == "Parameter":
            desc["parameter"] = True
        return desc
    if isinstance(obj, dtypes.dtype):
        return {"dtype": obj.name}
    if isinstance(obj, backend.device):
        return {"device": str(obj)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"galton.save: {where} contains itself; cannot save a cycle")
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = []
                for k, v in obj.items():
                    if not (k is None or isinstance(k, (str, int, float, np.integer))):
                        raise TypeError(f"galton.save: key {k!r} of {where} is a "
                                        f"{type(k).__name__}; checkpoint dict keys must be str, "
                                        f"int, float, bool or None")
                    items.append([encode(k, where, [], [], used, active),
                                  encode(v, f"{where}[{k!r}]", names + [str(k)], entries, used,
                                          active)])
                return {"dict": items}
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [encode(v, f"{where}[{i}]", names + [str(i)], entries, used, active)
                           for i, v in enumerate(obj)]}
        finally:
            active.discard(id(obj))
    if callable(getattr(obj, "state_dict", None)):
        raise TypeError(f"galton.save: {where} is a {type(obj).__name__}; saving a whole object "
                        f"needs pickle, which galton never uses. Save its state dict instead: "
                        f"galton.save(obj.state_dict(), path), then obj.load_state_dict("
                        f"galton.load(path))")
    raise TypeError(f"galton.save: cannot save {where} of type {type(obj).__name__}; checkpoints "
                    f"hold tensors, NumPy arrays, dicts, lists, tuples, str, int, float, bool and "
                    f"None")


def _is_torch_tensor(obj):
    return any(c.__name__ == "Tensor" and c.__module__ == "torch" for c in type(obj).__mro__)


def _host(arr, where):
    arr = backend.to_device(arr, backend.CPU)
    try:
        name = dtypes.from_numpy_dtype(arr.dtype).name
    except TypeError:
        raise TypeError(f"galton.save: {where} has dtype {arr.dtype}, which a checkpoint cannot "
                        f"hold (supported: {', '.join(TO_ST)})") from None
    # astype, not ascontiguousarray, which would turn a 0-d array into a 1-d one
    return name, arr.astype(arr.dtype.newbyteorder("<"), order="C", copy=False)


def _add(entries, used, names, dtype_and_array):
    # a flat state dict's tensors keep their keys as names; clashes get a #n suffix
    base = ".".join(names) or "tensor"
    name, n = base, 1
    while name in used or name == "__metadata__":
        name, n = f"{base}#{n}", n + 1
    used.add(name)
    entries.append((name,) + dtype_and_array)
    return name


def decode(d, name, arrays, map_location):
    """The object that ``encode`` described, with its tensors from ``arrays``."""
    if d is None or isinstance(d, (bool, int, float, str)):
        return d
    if isinstance(d, list):  # only inside the tagged containers below
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure "
                              f"(a bare list)")
    if not isinstance(d, dict) or len(d) == 0:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({d!r})")
    rec = (lambda x: decode(x, name, arrays, map_location))
    try:
        if "dict" in d:
            return {rec(k): rec(v) for k, v in d["dict"]}
        if "list" in d:
            return [rec(v) for v in d["list"]]
        if "tuple" in d:
            return tuple(rec(v) for v in d["tuple"])
        if "tensor" in d:
            return tensor(name, d["tensor"], arrays[d["tensor"]], d, map_location)
        if "ndarray" in d:
            return arrays[d["ndarray"]]
        if "float" in d:
            return float(d["float"])
        if "dtype" in d:
            return getattr(dtypes, d["dtype"])
        if "device" in d:
            return backend.device(d["device"])
    except KeyError as exc:
        raise CheckpointError(f"galton.load: {name} is corrupt (its structure names tensor "
                              f"{exc.args[0]!r}, which the file does not hold)") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({exc})") \
            from None
    raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({d!r})")


def tensor(name, key, arr, desc, map_location):
    """A loaded tensor: placed by map_location, requires_grad and Parameter-ness restored."""
    saved = desc.get("device", "cpu")
    target = saved
    if isinstance(map_location, (str, backend.device)):
        target = str(map_location)
    elif isinstance(map_location, dict):
        target = str(map_location.get(saved, saved))
    t = Tensor._wrap(arr)
    if backend.device(target).type != "cpu":
        t = Tensor._wrap(backend.to_device(arr, backend.device(target)))
    if callable(map_location):
        mapped = map_location(t, saved)
        if isinstance(mapped, Tensor):
            t = mapped
    rg = bool(desc.get("requires_grad")) and t._data.dtype.kind == "f"
    if desc.get("parameter"):
        try:
            from ..nn import Parameter
        except ModuleNotFoundError as exc:  # without galton.nn: a leaf tensor that requires grad
            if exc.name != "galton.nn":
                raise
            Parameter = None
        if Parameter is not None:
            return Parameter(t, requires_grad=rg)
    if rg:
        t.requires_grad = True
    return t
