"""The safetensors container: writing it (atomically to a path), reading and validating it.

    8 bytes      little-endian u64: N, the length of the JSON header
    N bytes      JSON: {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}}
    the rest     every tensor's raw little-endian bytes, back to back

Errors name the file and say whether it is foreign, truncated or corrupt.
"""
import json
import math
import os
import secrets
import struct

import numpy as np

FORMAT_VERSION = 1
STRUCTURE = "galton.structure"
VERSION = "galton.version"
_MAX_HEADER = 100_000_000  # the safetensors limit; anything larger is not a header
TO_ST = {"float32": "F32", "float64": "F64", "float16": "F16", "int64": "I64", "int32": "I32",
         "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}
_FROM_ST = {v: np.dtype(k).newbyteorder("<") if k != "bool" else np.dtype(np.bool_)
            for k, v in TO_ST.items()}


class CheckpointError(RuntimeError):
    """A file that is not a galton checkpoint, or one that is truncated or corrupt."""


def build_header(entries, structure):
    """The header bytes (padded to 8) and the arrays in file order, for entries of
    (name, dtype name, little-endian C-contiguous array) and the object's structure."""
    # widest items first: with the header padded to 8 bytes, every tensor starts aligned
    order = sorted(entries, key=lambda e: -e[2].itemsize)
    meta = {"format": "pt", VERSION: str(FORMAT_VERSION),
            STRUCTURE: json.dumps(structure, separators=(",", ":"), allow_nan=False)}
    header, offset = {"__metadata__": meta}, 0
    for name, dt, arr in entries:
        header[name] = None  # keep the object's order in the header
    for name, dt, arr in order:
        header[name] = {"dtype": TO_ST[dt], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-(len(raw) + 8) % 8)
    return raw, [arr for _, _, arr in order]


def write(fh, header, arrays):
    """Write a checkpoint to an open binary file."""
    fh.write(struct.pack("<Q", len(header)))
    fh.write(header)
    for arr in arrays:
        if arr.size:
            fh.write(arr.reshape(-1).view(np.uint8).data)


def atomic_write(path, directory, write_to):
    """Call ``write_to(file)`` on a new temporary file in ``directory``, fsync it and rename it
    onto ``path``; on any failure remove the temporary and re-raise."""
    base = os.path.basename(path)
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 and O_EXCL: the umask decides the mode, as for a plain open()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            write_to(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
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


def read(f):
    """(name for messages, the whole file as a writable bytearray)."""
    if hasattr(f, "read"):
        return getattr(f, "name", None) or f"<{type(f).__name__}>", bytearray(f.read())
    path = os.fspath(f)
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        buf = bytearray(size)
        got = fh.readinto(buf)
    return path, buf[:got] if got != size else buf


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


def parse_header(name, buf):
    """The JSON header as a dict and where the data starts, or CheckpointError."""
    size = len(buf)
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
    try:
        header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"galton.load: {name} has a corrupt header (invalid JSON: {exc})") \
            from None
    if not isinstance(header, dict):
        raise CheckpointError(f"galton.load: {name} has a corrupt header (not a JSON object)")
    return header, 8 + n


def arrays(name, buf, header, start):
    """Every header entry as a NumPy array over ``buf`` (no copy when aligned), validated."""
    data_len = len(buf) - start
    out = {}
    for key, info in header.items():
        bad = f"galton.load: {name} has a corrupt header (entry {key!r}: "
        if not isinstance(info, dict):
            raise CheckpointError(bad + "not an object)")
        st, shape, offs = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if st not in _FROM_ST:
            raise CheckpointError(bad + f"dtype {st!r} is not one galton supports: "
                                  f"{', '.join(_FROM_ST)})")
        if (not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape)
                or not isinstance(offs, list) or len(offs) != 2
                or not all(type(o) is int and o >= 0 for o in offs)):
            raise CheckpointError(bad + f"shape {shape!r} / data_offsets {offs!r} malformed)")
        dt = _FROM_ST[st]
        begin, end = offs
        count = math.prod(shape)
        if end - begin != count * dt.itemsize:
            raise CheckpointError(bad + f"shape {shape} of {st} needs {count * dt.itemsize} "
                                  f"bytes, data_offsets {offs} give {end - begin})")
        if end > data_len:
            raise CheckpointError(f"galton.load: {name} is truncated (tensor {key!r} ends at byte "
                                  f"{end} of the data, which has only {data_len} bytes)")
        if (start + begin) % dt.itemsize == 0:
            arr = np.frombuffer(buf, dtype=dt, count=count, offset=start + begin)
        else:  # a misaligned entry from another writer: copy it to aligned memory
            arr = np.frombuffer(bytes(buf[start + begin:start + end]), dtype=dt).copy()
        if not dt.isnative:
            arr = arr.astype(dt.newbyteorder("="))
        out[key] = arr.reshape(shape)
    return out
