"""A reader for the numeric arrays of MATLAB's version-5 ``.mat`` files (SVHN ships its images
and labels that way), without SciPy.

A v5 file is a 128-byte header (text, then the version and an endian mark, "IM" for
little-endian) and a run of data elements, each an 8-byte tag (type, byte count) and its bytes
padded to 8; a tag whose upper half is non-zero is a "small" element holding up to 4 bytes
itself. A variable is a miMATRIX element (flags with the class, dimensions, name, real part),
often wrapped in a zlib-compressed element. Arrays are stored column-major. Only numeric
arrays are read (``loadmat`` leaves out cells, structs, strings and sparse matrices); nothing
in the file is executed.

>>> arrays = loadmat("train_32x32.mat")      # {"X": uint8 (32, 32, 3, N), "y": float64 (N, 1)}
"""
import zlib

import numpy as np

__all__ = ["loadmat", "MatFileError"]

# element data types (miINT8...) -> NumPy type, little-endian; byte order is fixed per file
_MI = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8",
       13: "u8", 16: "u1"}
_MATRIX, _COMPRESSED = 14, 15
# array classes (mxDOUBLE_CLASS...) -> the dtype MATLAB hands back
_CLASSES = {6: "f8", 7: "f4", 8: "i1", 9: "u1", 10: "i2", 11: "u2", 12: "i4", 13: "u4",
            14: "i8", 15: "u8"}
_MAX_RATIO = 1100  # zlib cannot expand more than 1032:1; a larger claim is a crafted file


class MatFileError(ValueError):
    """The file is not a MATLAB v5 file galton can read; the message says why."""


class _Reader:
    def __init__(self, buf, path, order):
        self.buf, self.path, self.order = buf, path, order

    def fail(self, why):
        raise MatFileError(f"{self.path}: {why}")

    def tag(self, pos):
        """(type, nbytes, start of the data, start of the next element)."""
        if pos + 8 > len(self.buf):
            self.fail(f"truncated: an element tag at byte {pos} runs past the end")
        first, second = np.frombuffer(self.buf, self.order + "u4", 2, pos)
        if first >> 16:  # small element: type and size share the first word
            return int(first & 0xFFFF), int(first >> 16), pos + 4, pos + 8
        mtype, nbytes = int(first), int(second)
        end = pos + 8 + nbytes
        if end > len(self.buf):
            self.fail(f"truncated: an element at byte {pos} claims {nbytes} bytes, the file "
                      f"has {len(self.buf) - pos - 8} left")
        step = nbytes if mtype == _COMPRESSED else (nbytes + 7) // 8 * 8
        return mtype, nbytes, pos + 8, pos + 8 + step

    def numbers(self, pos):
        mtype, nbytes, start, nxt = self.tag(pos)
        if mtype not in _MI:
            self.fail(f"unsupported element type {mtype} at byte {pos}")
        dtype = np.dtype(self.order + _MI[mtype])
        if nbytes % dtype.itemsize:
            self.fail(f"element at byte {pos}: {nbytes} bytes is not a whole number of "
                      f"{dtype.name} values")
        return np.frombuffer(self.buf, dtype, nbytes // dtype.itemsize, start), nxt

    def matrix(self, start, end):
        """(name, array or None) of the miMATRIX whose data spans [start, end)."""
        flags, pos = self.numbers(start)
        cls, is_complex = int(flags[0] & 0xFF), bool(flags[0] & 0x0800)
        dims, pos = self.numbers(pos)
        name, pos = self.numbers(pos)
        name = bytes(name.astype(np.uint8)).decode("ascii", "replace")
        if cls not in _CLASSES or is_complex:
            return name, None  # cells, structs, strings, sparse, complex: not read
        real, pos = self.numbers(pos)
        shape = tuple(int(d) for d in dims)
        if real.size != int(np.prod(shape)):
            self.fail(f"variable {name!r}: {real.size} values for dimensions {shape}")
        return name, real.astype(_CLASSES[cls]).reshape(shape, order="F")


def loadmat(path):
    """The numeric variables of a MATLAB v5 ``.mat`` file, by name, as NumPy arrays in
    MATLAB's shapes (at least 2-D, column-major data laid out as MATLAB indexes it)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 128:
        raise MatFileError(f"{path}: {len(buf)} bytes is shorter than a MATLAB file's header")
    if buf[:4] == b"\x89HDF" or buf[512:516] == b"\x89HDF":
        raise MatFileError(f"{path}: a MATLAB v7.3 (HDF5) file; only v5 files are read")
    mark = buf[126:128]
    if mark not in (b"IM", b"MI") or not buf[:6].startswith(b"MATLAB"):
        raise MatFileError(f"{path}: not a MATLAB v5 .mat file (no 'MATLAB' header and "
                           "endian mark)")
    order = "<" if mark == b"IM" else ">"
    out, pos, reader = {}, 128, _Reader(buf, path, order)
    while pos < len(buf):
        mtype, nbytes, start, nxt = reader.tag(pos)
        if mtype == _COMPRESSED:
            raw = buf[start:start + nbytes]
            inner = _inflate(raw, path, pos, order)
            sub = _Reader(inner, path, order)
            itype, _, istart, _ = sub.tag(0)
            if itype == _MATRIX:
                name, arr = sub.matrix(istart, len(inner))
                if arr is not None:
                    out[name] = arr
        elif mtype == _MATRIX:
            name, arr = reader.matrix(start, start + nbytes)
            if arr is not None:
                out[name] = arr
        pos = nxt
    return out


def _inflate(raw, path, pos, order):
    d = zlib.decompressobj()
    try:
        head = d.decompress(raw, 8)
        if len(head) < 8:
            raise MatFileError(f"{path}: compressed element at byte {pos} is empty")
        claimed = 8 + int(np.frombuffer(head, order + "u4", 2)[1])  # the inner tag's size
        if claimed > _MAX_RATIO * max(len(raw), 1):
            raise MatFileError(f"{path}: compressed element at byte {pos} claims {claimed} "
                               f"bytes from {len(raw)}: not a real MATLAB file")
        rest = d.decompress(d.unconsumed_tail, claimed - 8)
    except zlib.error as exc:
        raise MatFileError(f"{path}: compressed element at byte {pos} is damaged ({exc})") \
            from None
    return head + rest
