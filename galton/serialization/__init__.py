"""Checkpoints: ``galton.save(obj, f)`` and ``galton.load(f)``, never pickled.

A checkpoint is a safetensors file (https://github.com/huggingface/safetensors):

    8 bytes      little-endian u64: N, the length of the JSON header
    N bytes      JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}
    the rest     every tensor's raw little-endian bytes, back to back

The tensors of ``obj`` are its entries (a flat state dict's entries are named by its keys, so
``safetensors.torch.load_file`` reads a galton state dict as is); ``__metadata__["galton.
structure"]`` holds a JSON description of everything around them: dicts (str, int, bool, float
or None keys, order kept), lists, tuples, None, bools, ints, floats, strings, dtypes, devices
and NumPy arrays. Loading parses JSON and copies bytes: a checkpoint can never run code.

The container is read and written by the ``safetensors`` package (the format's reference
implementation, a dependency beside NumPy); ``_format.py`` reads the JSON header first, so that
every error names the file and the entry, and wraps the package's own errors the same way.
``_structure.py`` holds the JSON description of the object.

A whole ``nn.Module`` (``torch.save(model, f)``) is saved as its class's name and its
attributes; ``load`` rebuilds it with the class's ``__new__`` and those attributes, and only
for classes galton has or the program allowed (``torch.serialization.add_safe_globals`` /
``safe_globals``, as PyTorch's default ``weights_only`` loading asks): no code from the file
runs. Parameters two layers share (tied weights) come back shared.

Notes: outside a module, tensors are stored by value, so tensors that share memory (views, or the same tensor
twice) come back as independent copies; a ``namedtuple`` comes back as a plain tuple and an
``OrderedDict`` as a dict with the same key order; a safetensors file from elsewhere (no galton
structure) loads as a flat dict of tensors in the file's order.
"""
import errno
import json
import os

from . import _format, torch_pickle
from ._format import CheckpointError
from ._globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ._structure import decode, encode, tensor

__all__ = ["save", "load", "CheckpointError", "add_safe_globals", "clear_safe_globals",
           "get_safe_globals", "safe_globals"]


# --- save ----------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Write ``obj`` (a tensor, dicts/lists/tuples of tensors and plain values, or a whole
    ``nn.Module``) to ``f``.

    ``f`` is a path (the write is atomic: a temporary file in the same directory, fsync, then
    ``os.replace``; a failure leaves no file and no temporary behind, and an older file at the
    path untouched) or a binary file object (written at its position, not atomically).

    >>> galton.save(model.state_dict(), "model.pt")
    >>> model.load_state_dict(galton.load("model.pt"))

    ``pickle_module`` and friends are accepted for PyTorch compatibility and ignored.
    """
    entries = []  # (name, host array)
    structure = encode(obj, "obj", [], entries, set(), set())
    tensors, meta = {n: arr for n, _, arr in entries}, _format.metadata(structure)
    if hasattr(f, "write"):
        f.write(_format.to_bytes(tensors, meta))
        return
    path = os.fspath(f)
    if os.path.islink(path):
        path = os.path.realpath(path)  # write through a symlink, as open() would
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"galton.save: parent directory {directory} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a directory; name a file to write", path)
    _format.save_file(path, tensors, meta)


# --- load ----------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **kwargs):
    """Read what ``galton.save`` wrote (or any safetensors file, as a flat dict of tensors).

    ``map_location``: None (each tensor to the device it was saved from), a device or its name
    (``"cpu"``) for all, a dict from saved to wanted device names, or a function called as
    ``fn(tensor, saved_device_name)`` whose tensor result (if any) is used. ``weights_only``
    and the pickle options are accepted and ignored: loading never unpickles, so it is always
    weights-only safe. A PyTorch ``torch.save`` zip file (.pt/.pth) is read by the restricted
    reader of ``torch_pickle.py``: tensors, dicts, lists and numbers load; any other pickled
    global (a model class, ``os.system``) is refused before it runs. A file that is not a
    checkpoint, truncated or corrupt raises CheckpointError naming the file.
    """
    src = _format.Source(f)
    name = src.name
    if torch_pickle.is_torch_zip(src.head):
        # a torch.save zip: read by an allow-list unpickler that refuses (CheckpointError)
        # anything but tensors and plain data, without running code from the file
        return torch_pickle.load(name, src.whole(), map_location)
    header, data_start = _format.parse_header(src)
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise CheckpointError(f"galton.load: {name} has a corrupt header (__metadata__ is not an "
                              f"object)")
    _format.check_entries(src, header, data_start)
    arrays = src.tensors(header)
    if _format.STRUCTURE not in meta:
        return {k: tensor(name, k, arr, {}, map_location) for k, arr in arrays.items()}
    try:
        version = int(meta.get(_format.VERSION, "1"))
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({exc})") \
            from None
    structure = _format.loads_json(name, meta[_format.STRUCTURE], "galton structure")
    if version > _format.FORMAT_VERSION:
        raise CheckpointError(f"galton.load: {name} was written by a newer galton (checkpoint "
                              f"format {version}; this one reads up to {_format.FORMAT_VERSION})")
    try:
        return decode(structure, name, arrays, map_location)
    except RecursionError:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure (nested too "
                              f"deeply)") from None
    except MemoryError:
        raise CheckpointError(f"galton.load: {name} needs more memory than is free to load") \
            from None
