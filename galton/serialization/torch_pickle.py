"""Reading PyTorch's ``torch.save`` files (.pt/.pth, the zip format) without PyTorch and without
running code from the file.

A torch.save zip holds ``<archive>/data.pkl`` (a pickle of the object, in which every tensor
is a call to ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` and every
storage a persistent id ``("storage", torch.FloatStorage, key, location, numel)``),
``<archive>/data/<key>`` (each storage's raw bytes) and ``<archive>/byteorder``. The
unpickler here resolves globals from a short allow-list only -- the tensor rebuild functions,
the storage types (each just a dtype here), torch dtypes, ``torch.Size``, ``torch.device`` and
``collections.OrderedDict`` -- and refuses every other global (``os.system``,
``builtins.eval``, a model's class) before anything is called, with an error naming the file
and the global. So state dicts, optimizer states and training checkpoints load; whole
pickled models and TorchScript archives do not.

Tensors are NumPy views of their storage, so tensors that shared storage in PyTorch share
memory here too (as torch.load does); views whose elements overlap (``expand``) are copied.
bfloat16 storages become float32 (exactly: bfloat16 is the top half of a float32).
"""
import collections
import io
import pickle
import zipfile

import numpy as np

from ._format import CheckpointError

_STORAGES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
             "BoolStorage": "bool", "UntypedStorage": "uint8"}
_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
           "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64",
           "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
           "int8": "int8", "uint8": "uint8", "bool": "bool"}
_CONVERT = ("galton never unpickles anything else -- convert it where PyTorch is installed "
            "with `galton.save(torch.load(PATH, weights_only=True), NEW_PATH)`")


class UnsafePickleError(CheckpointError):
    """A PyTorch file whose pickle needs something other than tensors and plain data."""


class _Storage:
    """A storage type from the pickle: only its dtype matters."""

    def __init__(self, dtype):
        self.dtype = dtype


class _Rebuilt:
    """Marks the functions the pickle may call; each builds galton objects from plain data."""

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def __call__(self, *args):
        return self.fn(*args)


def _size(*args):
    return tuple(*args)


def _device(*args):
    return str(args[0]) if args else "cpu"


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, path, zf, prefix, byteorder):
        super().__init__(io.BytesIO(data))
        self.path, self.zf, self.prefix, self.byteorder = path, zf, prefix, byteorder
        self.storages = {}

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full == "collections.OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _Rebuilt(full, self._rebuild_tensor)
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _Rebuilt(full, self._rebuild_parameter)
        if module in ("torch", "torch.storage") and name in _STORAGES:
            return _Storage(_STORAGES[name])
        if module == "torch" and name in _DTYPES:
            from .. import dtypes
            if _DTYPES[name] == "bfloat16":
                return dtypes.float32
            return getattr(dtypes, _DTYPES[name])
        if full == "torch.Size":
            return _Rebuilt(full, _size)
        if full == "torch.device":
            return _Rebuilt(full, _device)
        raise UnsafePickleError(
            f"galton.load: {self.path} is a PyTorch file whose pickle needs the global "
            f"{full}, which is not a tensor or plain data, so it was refused without running "
            f"anything; {_CONVERT}. (A whole pickled model needs its class: save its "
            f"state_dict() instead.)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            raise UnsafePickleError(f"galton.load: {self.path} has an unknown persistent id "
                                    f"{pid!r}")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _Storage):
            raise UnsafePickleError(f"galton.load: {self.path} names a storage of unknown type "
                                    f"{kind!r}")
        key = key.decode() if isinstance(key, bytes) else str(key)
        if key not in self.storages:
            self.storages[key] = (self._read_storage(key, kind.dtype, numel), location)
        arr, _ = self.storages[key]
        if kind.dtype == "bfloat16" or arr.dtype == np.dtype(kind.dtype):
            return self.storages[key]
        # an untyped storage viewed as another dtype by a later tensor
        return arr.view(np.uint8).view(kind.dtype), location

    def _read_storage(self, key, dtype, numel):
        name = f"{self.prefix}data/{key}"
        try:
            raw = bytearray(self.zf.read(name))
        except KeyError:
            raise CheckpointError(f"galton.load: {self.path} is corrupt (storage {name} is "
                                  f"missing)") from None
        order = "<" if self.byteorder == "little" else ">"
        if dtype == "bfloat16":
            half = np.frombuffer(raw, dtype=order + "u2").astype(np.uint32) << 16
            return half.view(np.float32)
        dt = np.dtype(dtype).newbyteorder(order) if dtype != "bool" else np.dtype(np.bool_)
        if len(raw) % dt.itemsize:
            raise CheckpointError(f"galton.load: {self.path} is corrupt (storage {name} has "
                                  f"{len(raw)} bytes, not a whole number of {dtype})")
        arr = np.frombuffer(raw, dtype=dt)
        return arr if dt.isnative else arr.astype(dt.newbyteorder("="))

    def _rebuild_tensor(self, storage, offset, size, stride, requires_grad=False, *rest):
        arr, location = storage
        if not (isinstance(offset, int) and all(isinstance(s, int) and s >= 0 for s in size)
                and len(size) == len(stride) and all(isinstance(s, int) for s in stride)):
            raise CheckpointError(f"galton.load: {self.path} is corrupt (tensor of size "
                                  f"{size!r} stride {stride!r})")
        count = int(np.prod(size)) if size else 1
        if count:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if offset < 0 or last >= arr.size or any(s < 0 for s in stride):
                raise CheckpointError(f"galton.load: {self.path} is corrupt (a tensor of size "
                                      f"{tuple(size)} at offset {offset} lies outside its "
                                      f"storage of {arr.size} elements)")
            view = np.lib.stride_tricks.as_strided(
                arr[offset:], shape=tuple(size),
                strides=tuple(s * arr.itemsize for s in stride))
            if any(s == 0 and n > 1 for n, s in zip(size, stride)):
                view = view.copy()  # overlapping elements (expand): an in-place op would smear
        else:
            view = np.empty(tuple(size), dtype=arr.dtype)
        return _TensorSpec(view, location, bool(requires_grad), False)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks, *rest):
        if not isinstance(data, _TensorSpec):
            raise CheckpointError(f"galton.load: {self.path} is corrupt (a parameter of "
                                  f"{type(data).__name__})")
        return _TensorSpec(data.array, data.location, bool(requires_grad), True)


class _TensorSpec:
    """A tensor read from the file, made into a galton tensor once map_location is known."""

    __slots__ = ("array", "location", "requires_grad", "parameter")

    def __init__(self, array, location, requires_grad, parameter):
        self.array, self.location = array, location
        self.requires_grad, self.parameter = requires_grad, parameter


def is_torch_zip(buf):
    return bytes(buf[:4]) == b"PK\x03\x04"


def load(path, buf, map_location=None):
    """The object in a torch.save zip file (already read into ``buf``), with galton tensors."""
    from ._structure import tensor
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(buf)))
        names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"galton.load: {path} is a corrupt zip file ({exc})") from None
    pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
    if not pkl:
        raise CheckpointError(f"galton.load: {path} is a zip file but not a PyTorch checkpoint "
                              f"(it has no data.pkl)")
    prefix = pkl[0][:-len("data.pkl")]
    if f"{prefix}constants.pkl" in names or any(n.startswith(f"{prefix}code/") for n in names):
        raise UnsafePickleError(f"galton.load: {path} is a TorchScript archive "
                                f"(torch.jit.save), which holds code; galton cannot run it. "
                                f"Save the model's state_dict() with torch.save instead")
    byteorder = "little"
    if f"{prefix}byteorder" in names:
        byteorder = zf.read(f"{prefix}byteorder").decode("ascii", "replace").strip()
    unpickler = _Unpickler(zf.read(pkl[0]), path, zf, prefix, byteorder)
    try:
        obj = unpickler.load()
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError,
            IndexError, KeyError) as exc:
        raise CheckpointError(f"galton.load: {path} has a corrupt or unsupported pickle "
                              f"({type(exc).__name__}: {exc}); {_CONVERT}") from None
    return _finish(obj, path, map_location, tensor, set())


def _finish(obj, path, map_location, make_tensor, active):
    """Replace tensor specs by galton tensors; refuse anything that is not plain data."""
    if isinstance(obj, _TensorSpec):
        loc = obj.location if isinstance(obj.location, str) else "cpu"
        desc = {"device": loc if loc.startswith("cuda") else "cpu",
                "requires_grad": obj.requires_grad, "parameter": obj.parameter}
        return make_tensor(path, "", obj.array, desc, map_location)
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex)):
        return obj
    if type(obj).__module__ == "galton.dtypes":
        return obj
    if id(obj) in active:
        raise CheckpointError(f"galton.load: {path} holds a self-referencing container")
    rec = (lambda v: _finish(v, path, map_location, make_tensor, active))
    active.add(id(obj))
    try:
        if isinstance(obj, dict):  # OrderedDict comes back as a dict, as galton.load's own
            return {k: rec(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [rec(v) for v in obj]
        if isinstance(obj, tuple):
            return tuple(rec(v) for v in obj)
        if isinstance(obj, (set, frozenset)):
            return type(obj)(rec(v) for v in obj)
    finally:
        active.discard(id(obj))
    raise UnsafePickleError(f"galton.load: {path} holds an object of type "
                            f"{type(obj).__name__}; {_CONVERT}")
