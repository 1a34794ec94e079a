"""Reading PyTorch's ``torch.save`` files (.pt/.pth, the zip format) without PyTorch and without
running code from the file.

A torch.save zip holds ``<archive>/data.pkl`` (a pickle of the object, in which every tensor
is a call to ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` and every
storage a persistent id ``("storage", torch.FloatStorage, key, location, numel)``),
``<archive>/data/<key>`` (each storage's raw bytes) and ``<archive>/byteorder``.

The pickle is run by ``_pickle_machine.Machine``, not by Python's unpickler: PyTorch's
``weights_only`` opcodes only, and globals from the table below only (the tensor rebuild
functions, storage types, dtypes, ``torch.Size``, ``torch.device``, OrderedDict, Counter, set,
complex, bytes, bytearray). A global becomes an inert marker, never the object, and each allowed
call builds a fresh value from plain data, so a file can neither run code nor reach an object
of the running process. Anything else is refused with the file's path (UnsafePickleError).

Sizes are checked before memory is spent: each storage's declared size must equal its archive
entry's size (from the zip directory), an entry is read no further than that size, and a
compressed entry may not inflate more than ``MAX_RATIO`` times (torch.save stores entries
uncompressed). Tensors are NumPy views of their storage, with the file's strides: tensors that
shared storage in PyTorch share memory here too, and an ``expand``-ed tensor (stride 0) stays a
read-only broadcast view, as torch.load keeps it, never a copy of the size it pretends. bfloat16
storages become float32 (exactly: bfloat16 is the top half of a float32).
"""
import io
import math
import zipfile

import numpy as np

from . import _pickle_machine as pm
from ._format import CheckpointError

MAX_DEPTH = 100  # containers nested deeper than this are not a checkpoint
MAX_RATIO = 100  # the most a compressed archive entry may inflate (deflate's limit is ~1000)
_CHUNK = 1 << 22

_STORAGES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
             "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
             "ComplexDoubleStorage": "complex128"}
_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
           "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64",
           "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
           "int8": "int8", "uint8": "uint8", "bool": "bool", "complex64": "complex64",
           "cfloat": "complex64", "complex128": "complex128", "cdouble": "complex128"}
_HELD = {"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
         "bool"}
_CONVERT = ("galton never unpickles anything else -- convert it where PyTorch is installed "
            "with `galton.save(torch.load(PATH, weights_only=True), NEW_PATH)`")


class UnsafePickleError(CheckpointError):
    """A PyTorch file whose pickle needs something other than tensors and plain data."""


class _Storage:
    """One storage of the file: its raw bytes (read once) and the device it was saved from."""

    __slots__ = ("raw", "location")

    def __init__(self, raw, location):
        self.raw, self.location = raw, location


class _TensorSpec:
    """A tensor read from the file, made into a galton tensor once map_location is known."""

    __slots__ = ("array", "location", "requires_grad", "parameter")

    def __init__(self, array, location, requires_grad, parameter):
        self.array, self.location = array, location
        self.requires_grad, self.parameter = requires_grad, parameter


# --- the allowed calls: each builds a fresh value from plain data ------------------------------
def _ordered_dict(*args):
    if args:
        raise TypeError("OrderedDict() with arguments")
    return pm.FreshOrderedDict()


def _counter(*args):
    if len(args) > 1 or (args and type(args[0]) not in (dict, pm.FreshOrderedDict)):
        raise TypeError("Counter() of something other than a dict")
    return dict(args[0]) if args else {}


def _size(*args):
    if len(args) != 1 or type(args[0]) not in (list, tuple) or \
            not all(type(n) is int for n in args[0]):
        raise TypeError("torch.Size() of something other than ints")
    return tuple(args[0])


def _device(*args):
    if not args or not isinstance(args[0], str) or not all(type(a) is int for a in args[1:]):
        raise TypeError("torch.device() of something other than a name and an index")
    return args[0] if len(args) == 1 else f"{args[0]}:{args[1]}"


def _encode(text, encoding="utf-8", *rest):
    # protocol 2 writes bytes as _codecs.encode(str, "latin1")
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1") or rest:
        raise TypeError("_codecs.encode() other than of a str to latin1")
    return text.encode("latin1")


def _bytearray(*args):
    if len(args) > 1 or (args and not isinstance(args[0], (bytes, bytearray))):
        raise TypeError("bytearray() of something other than bytes")  # bytearray(10**12)
    return bytearray(args[0]) if args else bytearray()


def _set(*args):
    if len(args) > 1 or (args and type(args[0]) not in (list, tuple)):
        raise TypeError("set() of something other than a list")
    items = args[0] if args else ()
    if not all(pm._flat_key(v) for v in items):
        raise TypeError("a set item that is not a plain value")
    return set(items)


def _complex(*args):
    if len(args) > 2 or not all(type(a) in (int, float) for a in args):
        raise TypeError("complex() of something other than numbers")
    return complex(*args)


class _Reader:
    """Resolves the pickle's storages from the zip and rebuilds its tensors as NumPy views."""

    def __init__(self, path, zf, prefix, byteorder):
        self.path, self.zf, self.prefix, self.byteorder = path, zf, prefix, byteorder
        self.storages = {}

    def table(self):
        """The globals a pickle may name, and what calling each does (None: not callable)."""
        t = {"collections.OrderedDict": _ordered_dict, "collections.Counter": _counter,
             "torch.Size": _size, "torch.device": _device, "_codecs.encode": _encode,
             "builtins.bytearray": _bytearray, "builtins.set": _set, "builtins.complex": _complex,
             "torch._utils._rebuild_tensor": self.rebuild_tensor,
             "torch._utils._rebuild_tensor_v2": self.rebuild_tensor,
             "torch._utils._rebuild_parameter": self.rebuild_parameter,
             "torch._utils._rebuild_parameter_with_state": self.rebuild_parameter,
             "torch._tensor._rebuild_from_type_v2": self.rebuild_from_type,
             "torch.nn.parameter.Parameter": self.rebuild_parameter, "torch.Tensor": None}
        for name in _STORAGES:
            t[f"torch.{name}"] = None
        t["torch.storage.UntypedStorage"] = t["torch.UntypedStorage"] = None
        for name in _DTYPES:
            t[f"torch.{name}"] = None
        return t

    def error(self, what):
        return CheckpointError(f"galton.load: {self.path} is corrupt ({what})")

    # --- storages ---------------------------------------------------------------------------
    def persistent_load(self, pid):
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            raise pm.Corrupt(f"a persistent id that is not a storage ({type(pid).__name__})")
        _, kind, key, location, numel = pid
        if not isinstance(kind, pm.Global) or kind.name.rpartition(".")[2] not in \
                list(_STORAGES) + ["UntypedStorage"]:
            raise pm.Corrupt(f"a storage whose type is a {type(kind).__name__}, not a storage "
                             f"type")
        dtype = _STORAGES.get(kind.name.rpartition(".")[2], "uint8")
        if dtype not in _HELD:
            raise self.error(f"a storage of {dtype}, which galton does not hold")
        if not isinstance(key, str) or not key.isalnum() or type(numel) is not int or numel < 0:
            raise pm.Corrupt("a storage with a malformed key or size")
        itemsize = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
        if key not in self.storages:
            self.storages[key] = _Storage(self.read_entry(f"{self.prefix}data/{key}",
                                                          numel * itemsize), location)
        storage = self.storages[key]
        if len(storage.raw) != numel * itemsize:
            raise self.error(f"storage {key} is used as {numel} x {dtype}, but holds "
                             f"{len(storage.raw)} bytes")
        return storage, dtype

    def read_entry(self, name, expected=None):
        """An archive entry's bytes, its size checked before anything is read."""
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise self.error(f"{name} is missing") from None
        if expected is not None and info.file_size != expected:
            raise self.error(f"storage {name} declares {expected} bytes, the archive entry "
                             f"holds {info.file_size}")
        if info.compress_type != zipfile.ZIP_STORED and \
                info.file_size > MAX_RATIO * info.compress_size + (1 << 16):
            raise CheckpointError(
                f"galton.load: {self.path} is refused: archive entry {name} would inflate "
                f"{info.compress_size} bytes to {info.file_size} (a compressed bomb? torch.save "
                f"stores entries uncompressed)")
        raw = bytearray(info.file_size)
        view, got = memoryview(raw), 0
        try:
            with self.zf.open(info) as fh:
                while got < len(raw):  # read in chunks, never past the declared size
                    chunk = fh.read(min(_CHUNK, len(raw) - got))
                    if not chunk:
                        break
                    view[got:got + len(chunk)] = chunk
                    got += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise self.error(f"entry {name}: {exc}") from None
        if got != len(raw):
            raise self.error(f"entry {name} is truncated")
        return raw

    def array(self, storage, dtype):
        order = "<" if self.byteorder == "little" else ">"
        if dtype == "bfloat16":
            half = np.frombuffer(storage.raw, dtype=order + "u2").astype(np.uint32) << 16
            return half.view(np.float32)
        dt = np.dtype(dtype).newbyteorder(order) if dtype != "bool" else np.dtype(np.bool_)
        arr = np.frombuffer(storage.raw, dtype=dt)
        return arr if dt.isnative else arr.astype(dt.newbyteorder("="))

    # --- tensors ----------------------------------------------------------------------------
    def rebuild_tensor(self, storage, offset, size, stride, requires_grad=False, *rest):
        if not (type(storage) is tuple and len(storage) == 2
                and isinstance(storage[0], _Storage)):
            raise pm.Corrupt("a tensor whose storage is not a storage")
        if storage[1] not in _HELD:
            raise self.error(f"a storage of {storage[1]!r}, which galton does not hold")
        size, stride = _ints(size), _ints(stride)
        if type(offset) is not int or size is None or stride is None or \
                len(size) != len(stride) or offset < 0 or any(n < 0 for n in size) or \
                any(s < 0 for s in stride):
            raise self.error("a tensor with a malformed offset, size or stride")
        arr = self.array(*storage)
        if math.prod(size):
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= arr.size:
                raise self.error(f"a tensor of size {tuple(size)} at offset {offset} lies "
                                 f"outside its storage of {arr.size} elements")
            view = np.lib.stride_tricks.as_strided(
                arr[offset:], shape=tuple(size), strides=tuple(s * arr.itemsize for s in stride),
                writeable=not _overlaps(size, stride))
        else:
            view = np.empty(tuple(size), dtype=arr.dtype)
        return _TensorSpec(view, storage[0].location, requires_grad is True, False)

    def rebuild_parameter(self, data, requires_grad=True, *rest):
        if not isinstance(data, _TensorSpec):
            raise pm.Corrupt(f"a parameter of {type(data).__name__}")
        return _TensorSpec(data.array, data.location, requires_grad is True, True)

    def rebuild_from_type(self, func, new_type, args, state=None):
        # a tensor saved with its Python type: only Tensor and Parameter are known
        if not isinstance(new_type, pm.Global) or new_type.name not in (
                "torch.Tensor", "torch.nn.parameter.Parameter"):
            raise pm.Refused(f"a tensor of type {getattr(new_type, 'name', new_type)!r}")
        if not (isinstance(func, pm.Global) and func.name.startswith("torch._utils._rebuild")):
            raise pm.Refused("_rebuild_from_type_v2 of something other than a tensor")
        spec = self.table()[func.name](*args) if type(args) is tuple else None
        if not isinstance(spec, _TensorSpec):
            raise pm.Corrupt("_rebuild_from_type_v2 that builds no tensor")
        return spec


def _ints(seq):
    return tuple(seq) if type(seq) in (tuple, list) and all(type(n) is int for n in seq) \
        else None


def _overlaps(size, stride):
    """True when two elements of the view may share memory (an expand's stride 0 among them):
    such a view is read-only, as PyTorch refuses in-place writes to it."""
    dims = sorted((s, n) for n, s in zip(size, stride) if n > 1)
    reach = 0  # the furthest element reachable with the smaller strides
    for s, n in dims:
        if s <= reach:
            return True
        reach += (n - 1) * s
    return False


def is_torch_zip(head):
    return bytes(head[:4]) == b"PK\x03\x04"


def load(path, source, map_location=None):
    """The object in a torch.save zip file (``source``: a seekable binary file or bytes), with
    galton tensors."""
    from ._structure import tensor
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(source)
    try:
        zf = zipfile.ZipFile(source)
        names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
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
    reader = _Reader(path, zf, prefix, "little")
    try:
        if f"{prefix}byteorder" in names:
            reader.byteorder = bytes(reader.read_entry(f"{prefix}byteorder")).decode(
                "ascii", "replace").strip()
        machine = pm.Machine(reader.read_entry(pkl[0]), reader.table(), reader.persistent_load)
        obj = machine.run()
        return _finish(obj, path, map_location, tensor, {}, set(), 0)
    except CheckpointError:
        raise
    except pm.Refused as exc:
        raise UnsafePickleError(
            f"galton.load: {path} is a PyTorch file whose pickle needs the {exc}, which is not a "
            f"tensor or plain data, so it was refused without running anything; {_CONVERT}. "
            f"(A whole pickled model needs its class: save its state_dict() instead.)") from None
    except pm.Corrupt as exc:
        raise CheckpointError(f"galton.load: {path} has a corrupt pickle ({exc})") from None
    except MemoryError:
        raise CheckpointError(f"galton.load: {path} needs more memory than this machine has") \
            from None
    except (TypeError, ValueError, OverflowError, IndexError, KeyError, RecursionError) as exc:
        raise CheckpointError(f"galton.load: {path} has a corrupt or unsupported pickle "
                              f"({type(exc).__name__}: {exc}); {_CONVERT}") from None


def _finish(obj, path, map_location, make_tensor, done, active, depth):
    """Replace tensor specs by galton tensors and dtype markers by galton dtypes; refuse
    anything that is not plain data. ``done`` maps ids already converted, so an object the
    pickle shares (memo) is converted once and stays shared."""
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, complex)):
        return obj
    if id(obj) in done:
        return done[id(obj)]
    if isinstance(obj, _TensorSpec):
        loc = obj.location if isinstance(obj.location, str) else "cpu"
        desc = {"device": loc if loc.startswith("cuda") else "cpu",
                "requires_grad": obj.requires_grad, "parameter": obj.parameter}
        done[id(obj)] = make_tensor(path, "", obj.array, desc, map_location)
        return done[id(obj)]
    if isinstance(obj, pm.Global):
        name = _DTYPES.get(obj.name.rpartition(".")[2]) if obj.name.startswith("torch.") else None
        if name not in _HELD:
            raise UnsafePickleError(f"galton.load: {path} holds {obj.name} as a value, which "
                                    f"galton cannot represent; {_CONVERT}")
        from .. import dtypes
        return dtypes.float32 if name == "bfloat16" else getattr(dtypes, name)
    if isinstance(obj, bytearray):
        return obj
    if depth >= MAX_DEPTH:
        raise CheckpointError(f"galton.load: {path} is refused: its containers are nested "
                              f"deeper than {MAX_DEPTH} levels")
    if id(obj) in active:
        raise CheckpointError(f"galton.load: {path} holds a self-referencing container")

    def rec(v):
        return _finish(v, path, map_location, make_tensor, done, active, depth + 1)
    active.add(id(obj))
    try:
        if isinstance(obj, dict):  # OrderedDict comes back as a dict, as galton.load's own
            out = {k: rec(v) for k, v in obj.items()}
        elif type(obj) is list:
            out = [rec(v) for v in obj]
        elif type(obj) is tuple:
            out = tuple(rec(v) for v in obj)
        elif type(obj) is set:
            out = obj  # items are plain values (checked when it was built)
        else:
            raise UnsafePickleError(f"galton.load: {path} holds an object of type "
                                    f"{type(obj).__name__}; {_CONVERT}")
    finally:
        active.discard(id(obj))
    done[id(obj)] = out
    return out
