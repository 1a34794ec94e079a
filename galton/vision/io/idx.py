"""The IDX file format of MNIST and its relatives: read and write, gzip'd or plain.

An IDX file is a 4-byte magic number ``0x00 0x00 <type code> <number of dims>``, then each
dimension as a big-endian 32-bit integer, then the values in C order, big-endian.

>>> images = read_idx("MNIST/raw/train-images-idx3-ubyte.gz")   # (60000, 28, 28) uint8
"""
import gzip
import os
import zlib

import numpy as np

__all__ = ["read_idx", "write_idx", "idx_complete", "IDX_TYPES"]

# type code -> big-endian dtype stored in the file
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    # decide on the content, not on the name: a gzip'd file saved without .gz still reads
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"read_idx: {path} is a damaged or truncated gzip file ({exc})") from None


def idx_complete(path):
    """Whether the IDX file at ``path`` (plain or .gz) holds as many bytes as its header says,
    found from its header and its size (for a .gz, the size its trailer records) without
    reading the data: what ``galton data list`` shows as ready."""
    try:
        with open(path, "rb") as f:
            gz = f.read(2) == _GZIP_MAGIC
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if gz:
                f.seek(max(size - 4, 0))
                size = int.from_bytes(f.read(4), "little")  # ISIZE: the length mod 2**32
        opener = gzip.open if gz else open
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in IDX_TYPES:
                return False
            dims = f.read(4 * head[3])
        if len(dims) < 4 * head[3]:
            return False
        shape = np.frombuffer(dims, dtype=">u4").astype(np.int64)
        need = 4 + len(dims) + IDX_TYPES[head[2]].itemsize * int(np.prod(shape))
        return size == (need % 2**32 if gz else need)
    except (OSError, EOFError, zlib.error):
        return False


def read_idx(path):
    """Read an IDX file (``.gz`` or plain) into a NumPy array of native byte order.

    Raises ``ValueError`` naming ``path`` on a bad magic number, an unsupported type code,
    or a file shorter (or longer) than its header says.
    """
    path = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path} is truncated: {len(raw)} bytes, "
                         "an IDX file starts with a 4-byte magic number")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"read_idx: {path} is not an IDX file: bad magic number "
                         f"0x{raw[:4].hex()} (expected 0x0000 followed by a type code and "
                         "the number of dimensions)")
    code, ndim = raw[2], raw[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} ({IDX_TYPES[c].newbyteorder('=').name})" for c in IDX_TYPES)
        raise ValueError(f"read_idx: {path} has unsupported IDX type code 0x{code:02X}; "
                         f"supported: {known}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated: the header needs {header} bytes "
                         f"for {ndim} dimensions, the file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    got = len(raw) - header
    if got < expected:
        raise ValueError(f"read_idx: {path} is truncated: shape {shape} of "
                         f"{dtype.newbyteorder('=').name} needs {expected} bytes of data, "
                         f"the file has {got}")
    if got > expected:
        raise ValueError(f"read_idx: {path} has {got - expected} bytes after the data that "
                         f"its header (shape {shape}) describes")
    arr = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    # a native-order, writable copy: frombuffer's view of bytes is read-only
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def write_idx(path, array):
    """Write ``array`` as an IDX file; gzip-compressed when ``path`` ends with ``.gz``."""
    path = os.fspath(path)
    arr = np.asarray(array)
    native = arr.dtype.newbyteorder("=")
    if native not in _CODES:
        raise ValueError(f"write_idx: dtype {arr.dtype} has no IDX type code; use one of "
                         + ", ".join(dt.name for dt in _CODES))
    if arr.ndim > 255:
        raise ValueError(f"write_idx: {arr.ndim} dimensions do not fit in an IDX header")
    code = _CODES[native]
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    body = header + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes()
    if path.endswith(".gz"):
        # mtime=0: the same array gives the same bytes, so checksums are stable
        body = gzip.compress(body, mtime=0)
    with open(path, "wb") as f:
        f.write(body)
