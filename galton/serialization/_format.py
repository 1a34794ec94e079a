"""The safetensors container, read and written through the ``safetensors`` package.

    8 bytes      little-endian u64: N, the length of the JSON header
    N bytes      JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}
    the rest     every tensor's raw little-endian bytes, back to back

The package (the format's reference implementation, fuzzed) writes the file and reads the
tensors, memory-mapped from a path. galton reads the JSON header itself first, and only the
header: that is where its messages come from (a foreign, truncated or corrupt file, naming the
file and the entry), and where its own structure lives (``__metadata__["galton.structure"]``).
Anything the package still refuses becomes the same one-line CheckpointError with the path.
"""
import json
import math
import os
import re
import secrets
import struct
import time

import numpy as np
import safetensors
import safetensors.numpy as st

FORMAT_VERSION = 1
STRUCTURE = "galton.structure"
VERSION = "galton.version"
_MAX_HEADER = 100_000_000  # the safetensors limit; anything larger is not a header
TO_ST = {"float32": "F32", "float64": "F64", "float16": "F16", "int64": "I64", "int32": "I32",
         "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}
_ST_ITEMSIZE = {v: np.dtype(k).itemsize for k, v in TO_ST.items()}


class CheckpointError(RuntimeError):
    """A file that is not a galton checkpoint, or one that is truncated or corrupt."""


def metadata(structure):
    """The ``__metadata__`` strings of a galton checkpoint holding ``structure``."""
    return {"format": "pt", VERSION: str(FORMAT_VERSION),
            STRUCTURE: json.dumps(structure, separators=(",", ":"), allow_nan=False)}


def to_bytes(tensors, meta):
    """The whole file as bytes, for a file object (``tensors``: name -> C-contiguous array)."""
    return st.save(tensors, metadata=meta)


def save_file(path, tensors, meta):
    """Write the file at ``path`` atomically; the package writes straight from the arrays."""
    directory = os.path.dirname(os.path.abspath(path))

    def write_to(tmp):
        try:
            st.save_file(tensors, tmp, metadata=meta)
        except safetensors.SafetensorError as exc:  # the package's I/O errors: name the target
            raise OSError(f"galton.save: cannot write {path} ({exc})") from None
    atomic_write(path, directory, write_to)


# .NAME.PID.HEX.tmp (PID: the writer's process), or .NAME.HEX.tmp as earlier versions named them
_TMP = r"\.{}\.(?:(?P<pid>\d+)\.)?[0-9a-f]{{12}}\.tmp\Z"
_LEGACY_AGE = 60  # seconds: a writer that left no pid is stale once its file stopped changing


def _remove_stale_temporaries(directory, base, started):
    """Remove temporaries of earlier saves to the same target that a killed writer left
    (kill -9, power loss): those whose process is gone, or, without a recorded process, whose
    file has not changed for a minute. Never a live writer's, never this process's."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    pattern = re.compile(_TMP.format(re.escape(base)))
    for entry in names:
        m = pattern.match(entry)
        if not m:
            continue
        full = os.path.join(directory, entry)
        try:
            mtime = os.stat(full).st_mtime
        except OSError:
            continue
        if m["pid"] is None:
            stale = mtime < started - _LEGACY_AGE
        else:
            pid = int(m["pid"])
            stale = pid != os.getpid() and not _alive(pid) and mtime < started
        if stale:
            try:
                os.unlink(full)
            except OSError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or not a pid this system can check: keep it
    return True


def atomic_write(path, directory, write_to):
    """Call ``write_to(temporary path)`` on a new file in ``directory``, fsync it and rename it
    onto ``path``; on any failure remove the temporary and re-raise (an error without a file
    name, a full disk, names ``path``). Stale temporaries of the same target are removed."""
    base = os.path.basename(path)
    _remove_stale_temporaries(directory, base, time.time())
    while True:
        tmp = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 and O_EXCL: the umask decides the mode, as for a plain open()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            break
        except FileExistsError:
            continue
    try:
        mode = os.fstat(fd).st_mode & 0o7777
        os.close(fd)
        write_to(tmp)
        os.chmod(tmp, mode)  # the package creates its file 0o600; ours follows the umask
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, tmp):
            # ENOSPC and friends: the user knows the target, not our hidden temporary
            raise OSError(exc.errno, f"{exc.strerror} (writing {path})", path) from None
        raise
    try:  # make the rename itself durable; not every platform can open a directory
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


class Source:
    """A checkpoint to read: ``name`` for messages, ``head`` (its first bytes, at least the
    header when the file has one), ``size``, and either ``path`` or ``buf`` (a file object's
    whole content)."""

    def __init__(self, f):
        self.path = self.buf = None
        if hasattr(f, "read"):
            self.name = getattr(f, "name", None) or f"<{type(f).__name__}>"
            self.buf = self.head = bytes(f.read())
            self.size = len(self.buf)
            return
        self.path = self.name = os.fspath(f)
        with open(self.path, "rb") as fh:
            self.size = os.fstat(fh.fileno()).st_size
            self.head = fh.read(8)
            if len(self.head) == 8:
                n = struct.unpack("<Q", self.head)[0]
                # never more than the file holds: read(n) allocates n bytes first
                self.head += fh.read(min(n, _MAX_HEADER, self.size - 8) if n >= 2 else 8)

    def whole(self):
        """The whole file as bytes (for a PyTorch zip)."""
        if self.buf is None:
            with open(self.path, "rb") as fh:
                self.buf = fh.read()
        return self.buf

    def tensors(self, header):
        """name -> NumPy array for the header's entries, read by the package (in file order)."""
        keys = sorted(header, key=lambda k: header[k]["data_offsets"][0])
        try:
            if self.path is not None:
                with safetensors.safe_open(self.path, framework="numpy") as f:
                    out = {k: f.get_tensor(k) for k in keys}
            else:
                got = st.load(self.buf)
                out = {k: got[k] for k in keys}
        except (safetensors.SafetensorError, KeyError, ValueError) as exc:
            raise CheckpointError(f"galton.load: {self.name} is corrupt ({exc})") from None
        except MemoryError:
            raise CheckpointError(f"galton.load: {self.name} needs more memory than is free to "
                                  f"load") from None
        return {k: a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))
                for k, a in out.items()}


def _foreign(buf):
    """What a file that is not safetensors seems to be, from its first bytes (None: unknown)."""
    convert = ("; galton never unpickles — convert it where PyTorch is installed with "
               "`galton.save(torch.load(PATH, weights_only=True), NEW_PATH)` and load NEW_PATH")
    if buf[:4] == b"PK\x03\x04":
        return "it looks like a PyTorch zip/pickle file (torch.save's format)" + convert
    if buf[:1] == b"\x80":
        return "it looks like a pickle file (legacy torch.save or pickle.dump)" + convert
    if buf[:6] == b"\x93NUMPY":
        return "it looks like a NumPy .npy file; read it with numpy.load and galton.from_numpy"
    if buf[:4] == b"\x89HDF":
        return "it looks like an HDF5 (Keras) file"
    return None


def parse_header(src):
    """The JSON header of ``src`` as a dict, or CheckpointError naming the file."""
    name, buf, size = src.name, src.head, src.size
    if size == 0:
        raise CheckpointError(f"galton.load: {name} is not a galton checkpoint (it is empty)")
    if size < 8:
        raise CheckpointError(f"galton.load: {name} is truncated ({size} bytes; a checkpoint "
                              f"starts with an 8-byte header length)")
    n = struct.unpack("<Q", bytes(buf[:8]))[0]
    shaped = 2 <= n <= _MAX_HEADER and buf[8:9] in (b"{", b"")
    # a header length can begin with any byte (0x80 included), so signatures come second
    if not shaped and _foreign(buf) is not None:
        raise CheckpointError(f"galton.load: {name} is not a galton checkpoint ({_foreign(buf)})")
    if not shaped:
        raise CheckpointError(f"galton.load: {name} is not a galton checkpoint (it has no "
                              f"safetensors header)")
    if 8 + n > size:
        raise CheckpointError(f"galton.load: {name} is truncated (its header needs {n} bytes, "
                              f"the file has {size - 8} after the length)")
    header = loads_json(name, bytes(buf[8:8 + n]), "header")
    if not isinstance(header, dict):
        raise CheckpointError(f"galton.load: {name} has a corrupt header (not a JSON object)")
    return header, 8 + n


def loads_json(name, raw, what):
    """JSON text from a checkpoint; any failure (nesting too deep included) names the file."""
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise CheckpointError(f"galton.load: {name} has a corrupt {what} (invalid JSON: {exc})") \
            from None
    except RecursionError:
        raise CheckpointError(f"galton.load: {name} has a corrupt {what} (JSON nested too "
                              f"deeply)") from None
    except MemoryError:
        raise CheckpointError(f"galton.load: {name} needs more memory than is free to read its "
                              f"{what}") from None


def check_entries(src, header, start):
    """Validate every tensor entry of the header against the file's size, naming the entry."""
    data_len = src.size - start
    for key, info in header.items():
        bad = f"galton.load: {src.name} has a corrupt header (entry {key!r}: "
        if not isinstance(info, dict):
            raise CheckpointError(bad + "not an object)")
        dt, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dt not in _ST_ITEMSIZE:
            raise CheckpointError(bad + f"dtype {dt!r} is not one galton supports: "
                                  f"{', '.join(_ST_ITEMSIZE)})")
        if (not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape)
                or not isinstance(offs, list) or len(offs) != 2
                or not all(type(o) is int and o >= 0 for o in offs)):
            raise CheckpointError(bad + f"shape {shape!r} / data_offsets {offs!r} malformed)")
        begin, end = offs
        need = math.prod(shape) * _ST_ITEMSIZE[dt]
        if end - begin != need:
            raise CheckpointError(bad + f"shape {shape} of {dt} needs {need} "
                                  f"bytes, data_offsets {offs} give {end - begin})")
        if end > data_len:
            raise CheckpointError(f"galton.load: {src.name} is truncated (tensor {key!r} ends at "
                                  f"byte {end} of the data, which has only {data_len} bytes)")
