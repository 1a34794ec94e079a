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

The container is read and written by ``_format.py``, not by the ``safetensors`` package: the
format is small, the writer streams each tensor straight into the file, the reader names the
file and the entry in its errors, and galton needs no extra dependency. The tests check that
the package reads our files and that we read its files. ``_structure.py`` holds the JSON
description of the object.

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
    header, arrays = _format.build_header(entries, structure)
    if hasattr(f, "write"):
        _format.write(f, header, arrays)
        return
    path = os.fspath(f)
    if os.path.islink(path):
        path = os.path.realpath(path)  # write through a symlink, as open() would
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"galton.save: parent directory {directory} does not exist")
    _format.atomic_write(path, directory, lambda fh: _format.write(fh, header, arrays))


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
    name, buf = _format.read(f)
    if torch_pickle.is_torch_zip(buf):
        # a torch.save zip: read by an allow-list unpickler that refuses (CheckpointError)
        # anything but tensors and plain data, without running code from the file
        return torch_pickle.load(name, buf, map_location)
    header, data_start = _format.parse_header(name, buf)
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict):
        raise CheckpointError(f"galton.load: {name} has a corrupt header (__metadata__ is not an "
                              f"object)")
    arrays = _format.arrays(name, buf, header, data_start)
    if _format.STRUCTURE not in meta:
        return {k: tensor(name, k, arr, {}, map_location) for k, arr in arrays.items()}
    try:
        version = int(meta.get(_format.VERSION, "1"))
        structure = json.loads(meta[_format.STRUCTURE])
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"galton.load: {name} has a corrupt galton structure ({exc})") \
            from None
    if version > _format.FORMAT_VERSION:
        raise CheckpointError(f"galton.load: {name} was written by a newer galton (checkpoint "
                              f"format {version}; this one reads up to {_format.FORMAT_VERSION})")
    return decode(structure, name, arrays, map_location)
