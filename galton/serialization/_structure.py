"""The JSON description of a saved object's structure, and its tensors, both ways.

Containers are tagged objects ({"dict": [[key, value], ...]}, {"list": [...]}, {"tuple": [...]},
{"tensor": entry name, ...}), so int keys stay ints and tuples stay tuples; plain JSON values
are themselves.
"""
import math
from collections import OrderedDict

import numpy as np

from .. import backend, dtypes
from ..tensor import Tensor
from ._format import TO_ST, CheckpointError
from ._globals import global_name, resolve


def encode(obj, where, names, entries, used, active, shared=None):
    """The JSON description of obj; its tensors are appended to ``entries``.

    ``shared`` (inside a whole module): tensors already written, by id, so a parameter that
    two layers share (tied weights) is written once and comes back shared."""
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
        if shared is not None and id(obj) in shared:
            return dict(shared[id(obj)])
        desc = {"tensor": _add(entries, used, names, _host(obj._data, where))}
        if obj._rg:
            desc["requires_grad"] = True
        if type(obj).__name__ == "Parameter":
            desc["parameter"] = True
        if obj.device.type != "cpu":
            desc["device"] = str(obj.device)
        if shared is not None:
            shared[id(obj)] = desc
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
                                          active, shared)])
                return {"dict": items}
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [encode(v, f"{where}[{i}]", names + [str(i)], entries, used, active,
                                  shared) for i, v in enumerate(obj)]}
        finally:
            active.discard(id(obj))
    if isinstance(obj, (set, frozenset)):
        return {"set": [encode(v, where, names, entries, used, active, shared)
                        for v in sorted(obj, key=repr)]}
    if _is_module(obj):
        return _encode_module(obj, where, names, entries, used, active,
                              {} if shared is None else shared)
    if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__"):
        name = global_name(obj)
        if name is None:
            raise TypeError(f"galton.save: {where} is {obj!r}, which has no importable name (a "
                            f"lambda or a local function); a checkpoint can only name functions "
                            f"and classes defined at the top of a module")
        return {"global": name}
    if callable(getattr(obj, "state_dict", None)):
        raise TypeError(f"galton.save: {where} is a {type(obj).__name__}; saving a whole object "
                        f"needs pickle, which galton never uses. Save its state dict instead: "
                        f"galton.save(obj.state_dict(), path), then obj.load_state_dict("
                        f"galton.load(path))")
    raise TypeError(f"galton.save: cannot save {where} of type {type(obj).__name__}; checkpoints "
                    f"hold tensors, NumPy arrays, dicts, lists, tuples, str, int, float, bool and "
                    f"None")


def _is_module(obj):
    from ..nn.module import Module  # galton.nn is above serialization; imported when used
    return isinstance(obj, Module)


# a module's tables whose entries are named like its state dict keys (encoder.weight)
_TABLES = ("_parameters", "_buffers", "_modules")
_HOOKS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks")


def _encode_module(module, where, names, entries, used, active, shared):
    """A whole module: its class's name and its attributes. Loading rebuilds it with the
    class's ``__new__`` and these attributes, never by running code from the file."""
    name = global_name(type(module))
    if name is None:
        raise TypeError(f"galton.save: {where} is a {type(module).__qualname__}, a class "
                        f"defined inside a function; a checkpoint can only name classes "
                        f"defined at the top of a module")
    for hooks in _HOOKS:
        if module.__dict__.get(hooks):
            raise TypeError(f"galton.save: {where} ({type(module).__name__}) has {hooks[1:]}; "
                            f"hooks are code and are not saved: remove them first, or save "
                            f"the state dict")
    if id(module) in active:
        raise ValueError(f"galton.save: {where} contains itself; cannot save a cycle")
    active.add(id(module))
    try:
        state = [[k, encode(v, f"{where}.{k}", names if k in _TABLES else names + [k], entries,
                            used, active, shared)] for k, v in vars(module).items()]
    finally:
        active.discard(id(module))
    return {"module": name, "state": state}


def _decode_module(d, name, rec):
    from ..nn.module import Module
    cls = resolve(d["module"], name)
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise CheckpointError(f"galton.load: {name} names {d['module']} as a module's class, "
                              f"but it is not an nn.Module subclass")
    module = cls.__new__(cls)
    for key, value in d["state"]:
        value = rec(value)
        if key in _TABLES + _HOOKS and isinstance(value, dict):
            value = OrderedDict(value)
        module.__dict__[key] = value
    return module


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


def decode(d, name, arrays, map_location, memo=None):
    """The object that ``encode`` described, with its tensors from ``arrays`` (one object
    per entry: an entry written once for a shared tensor comes back shared)."""
    memo = {} if memo is None else memo
    if d is None or isinstance(d, (bool, int, float, str)):
        return d
    if isinstance(d, list):  # only inside the tagged containers below
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure "
                              f"(a bare list)")
    if not isinstance(d, dict) or len(d) == 0:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({d!r})")
    rec = (lambda x: decode(x, name, arrays, map_location, memo))
    try:
        if "dict" in d:
            return {rec(k): rec(v) for k, v in d["dict"]}
        if "list" in d:
            return [rec(v) for v in d["list"]]
        if "tuple" in d:
            return tuple(rec(v) for v in d["tuple"])
        if "tensor" in d:
            if d["tensor"] not in memo:
                memo[d["tensor"]] = tensor(name, d["tensor"], arrays[d["tensor"]], d,
                                           map_location)
            return memo[d["tensor"]]
        if "set" in d:
            return set(rec(v) for v in d["set"])
        if "module" in d:
            return _decode_module(d, name, rec)
        if "global" in d:
            return resolve(d["global"], name)
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
