"""TensorBoard event files, written by hand: TFRecord framing and the few protobuf messages.

An event file is a sequence of records; each record is

    uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes
    length bytes of data          | uint32 masked CRC32C of the data

and each record's data is a serialised ``tensorflow.Event`` protobuf message. Only the
messages and fields galton writes are encoded here (numbers from tensorflow's event.proto,
summary.proto, tensor.proto and tensor_shape.proto; all proto3):

    Event        1 wall_time double, 2 step int64, 3 file_version string, 4 graph_def bytes,
                 5 summary Summary, 7 session_log SessionLog,
                 10 source_metadata SourceMetadata {1 writer string}
    Summary      1 value repeated Value
    Value        1 tag string, 2 simple_value float, 4 image Image, 5 histo HistogramProto,
                 8 tensor TensorProto, 9 metadata SummaryMetadata
    Image        1 height int32, 2 width int32, 3 colorspace int32, 4 encoded_image_string bytes
    Histogram    1 min, 2 max, 3 num, 4 sum, 5 sum_squares double,
                 6 bucket_limit packed double, 7 bucket packed double
    TensorProto  1 dtype enum, 2 tensor_shape TensorShapeProto {2 dim repeated {1 size int64}},
                 5 float_val packed float, 6 double_val packed double, 8 string_val repeated bytes
    SummaryMetadata 1 plugin_data {1 plugin_name string, 2 content bytes}
    SessionLog   1 status enum (START = 1)
    GraphDef     1 node repeated NodeDef, 4 versions VersionDef {1 producer int32}
    NodeDef      1 name string, 2 op string, 3 input repeated string,
                 5 attr map<string, AttrValue> (entries {1 key, 2 value})
    AttrValue    1 list ListValue {7 shape repeated TensorShapeProto}, 2 s bytes

Fields are written in field-number order and proto3 defaults (0, "", empty) are left out,
exactly as the protobuf library serialises them, so our bytes equal PyTorch's for the same
summary (the tests check this). Members of a ``oneof`` (simple_value, image, histo, tensor,
summary) are written even when they hold a default value, as protobuf does.

So galton needs neither tensorflow nor tensorboard nor protobuf to write logs.
"""
import struct

# --- CRC32C (Castagnoli), the checksum TFRecord uses --------------------------------------
_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)
_CRC_TABLE = tuple(_CRC_TABLE)


def crc32c(data):
    """CRC32C of ``data`` (bytes); ``crc32c(b"123456789") == 0xE3069283``."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """The masked CRC stored in TFRecords (a rotation plus a constant, so that a CRC of data
    that itself holds CRCs stays well distributed)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame_record(data):
    """``data`` framed as one TFRecord."""
    header = struct.pack("<Q", len(data))
    return b"".join((header, struct.pack("<I", masked_crc32c(header)), data,
                     struct.pack("<I", masked_crc32c(data))))


class RecordError(ValueError):
    """A TFRecord file that is truncated or fails its checksums."""


def read_records(path):
    """Yield the data of each record of the TFRecord file at ``path``, checking both CRCs.

    Raises RecordError naming the file and the offset on a truncated or corrupt record.
    """
    with open(path, "rb") as fh:
        buf = fh.read()
    pos = 0
    while pos < len(buf):
        if pos + 12 > len(buf):
            raise RecordError(f"{path}: truncated record header at offset {pos}")
        header = buf[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", buf[pos + 8:pos + 12])
        if crc != masked_crc32c(header):
            raise RecordError(f"{path}: length CRC mismatch at offset {pos}")
        start, end = pos + 12, pos + 12 + length
        if end + 4 > len(buf):
            raise RecordError(f"{path}: truncated record at offset {pos} "
                              f"({length} bytes announced, {len(buf) - start} left)")
        data = buf[start:end]
        (crc,) = struct.unpack("<I", buf[end:end + 4])
        if crc != masked_crc32c(data):
            raise RecordError(f"{path}: data CRC mismatch in the record at offset {pos}")
        yield data
        pos = end + 4


# --- protobuf wire format -----------------------------------------------------------------
def _varint(n):
    n &= 0xFFFFFFFFFFFFFFFF  # negative int32/int64 are written as 10-byte two's complement
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _key(field, wire_type):
    return _varint((field << 3) | wire_type)


def f_varint(field, value, always=False):
    """An int32/int64/enum/bool field (left out when 0 unless it is a oneof member)."""
    value = int(value)
    return _key(field, 0) + _varint(value) if value or always else b""


def f_double(field, value, always=False):
    value = float(value)
    return _key(field, 1) + struct.pack("<d", value) if value or always else b""


def f_float(field, value, always=False):
    value = float(value)
    return _key(field, 5) + struct.pack("<f", value) if value or always else b""


def f_bytes(field, value, always=False):
    """A string/bytes/embedded-message field (left out when empty unless a oneof member)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, 2) + _varint(len(value)) + value if value or always else b""


def f_packed(field, values, fmt):
    """A packed repeated double (``fmt="d"``) or float (``"f"``) field."""
    if not len(values):
        return b""
    return f_bytes(field, struct.pack(f"<{len(values)}{fmt}", *values))


# --- the messages -------------------------------------------------------------------------
DT_FLOAT, DT_DOUBLE, DT_STRING = 1, 2, 7
SESSION_START = 1


def event(wall_time, step=None, *, summary=None, file_version=None, session_log=None,
          source_writer=None, graph_def=None):
    """A serialised Event; ``summary``, ``session_log`` and ``graph_def`` are serialised
    messages."""
    parts = [f_double(1, wall_time), f_varint(2, step or 0)]
    if file_version is not None:
        parts.append(f_bytes(3, file_version, always=True))
    if graph_def is not None:
        parts.append(f_bytes(4, graph_def, always=True))
    if summary is not None:
        parts.append(f_bytes(5, summary, always=True))
    if session_log is not None:
        parts.append(f_bytes(7, session_log, always=True))
    if source_writer is not None:
        parts.append(f_bytes(10, f_bytes(1, source_writer), always=True))
    return b"".join(parts)


def session_log(status):
    return f_varint(1, status)


def summary(*values):
    """A serialised Summary holding the serialised Summary.Value messages ``values``."""
    return b"".join(f_bytes(1, v, always=True) for v in values)


def value(tag, *, simple_value=None, image=None, histo=None, tensor=None, metadata=None):
    """A serialised Summary.Value with one payload (``image``/``histo``/``tensor`` serialised)."""
    parts = [f_bytes(1, tag)]
    if simple_value is not None:
        parts.append(f_float(2, simple_value, always=True))
    if image is not None:
        parts.append(f_bytes(4, image, always=True))
    if histo is not None:
        parts.append(f_bytes(5, histo, always=True))
    if tensor is not None:
        parts.append(f_bytes(8, tensor, always=True))
    if metadata is not None:
        parts.append(f_bytes(9, metadata, always=True))
    return b"".join(parts)


def image(height, width, colorspace, encoded):
    return b"".join((f_varint(1, height), f_varint(2, width), f_varint(3, colorspace),
                     f_bytes(4, encoded)))


def histogram(vmin, vmax, num, total, sum_squares, bucket_limit, bucket):
    return b"".join((f_double(1, vmin), f_double(2, vmax), f_double(3, num), f_double(4, total),
                     f_double(5, sum_squares), f_packed(6, bucket_limit, "d"),
                     f_packed(7, bucket, "d")))


def tensor(dtype, *, shape=None, float_val=None, double_val=None, string_val=None):
    """A serialised TensorProto; ``shape=None`` leaves the shape out (a scalar)."""
    parts = [f_varint(1, dtype)]
    if shape is not None:
        dims = b"".join(f_bytes(2, f_varint(1, size), always=True) for size in shape)
        parts.append(f_bytes(2, dims, always=True))
    if float_val is not None:
        parts.append(f_packed(5, float_val, "f"))
    if double_val is not None:
        parts.append(f_packed(6, double_val, "d"))
    for s in string_val or ():
        parts.append(f_bytes(8, s, always=True))
    return b"".join(parts)


def plugin_metadata(plugin_name, content=b""):
    """A serialised SummaryMetadata naming the TensorBoard plugin that shows the value."""
    return f_bytes(1, f_bytes(1, plugin_name) + f_bytes(2, content), always=True)


def tensor_shape(dims):
    """A serialised TensorShapeProto."""
    return b"".join(f_bytes(2, f_varint(1, size), always=True) for size in dims)


def graph_def(nodes, producer=22):
    """A serialised GraphDef of ``nodes``: dicts with name, op, inputs, shapes (the
    ``_output_shapes`` attribute) and attr (a text attribute, left out when empty)."""
    parts = []
    for n in nodes:
        shapes = b"".join(f_bytes(7, tensor_shape(s), always=True) for s in n["shapes"])
        attrs = [("_output_shapes", f_bytes(1, shapes, always=True))]
        if n["attr"]:
            attrs.append(("attr", f_bytes(2, n["attr"], always=True)))
        body = [f_bytes(1, n["name"]), f_bytes(2, n["op"])]
        body += [f_bytes(3, i, always=True) for i in n["inputs"]]
        body += [f_bytes(5, f_bytes(1, k) + f_bytes(2, v, always=True), always=True)
                 for k, v in attrs]
        parts.append(f_bytes(1, b"".join(body), always=True))
    parts.append(f_bytes(4, f_varint(1, producer), always=True))
    return b"".join(parts)


# --- decoding (for reading logs back: tests, tools) ---------------------------------------
def parse_message(buf):
    """Decode one protobuf message into ``{field: [raw values]}`` without knowing its schema.

    Varints come back as ints, fixed64/fixed32 as 8/4 raw bytes, length-delimited fields as
    bytes (decode them again with this function when they hold a message).
    """
    fields = {}
    pos, n = 0, len(buf)
    while pos < n:
        key, pos = _read_varint(buf, pos)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            val, pos = _read_varint(buf, pos)
        elif wire_type == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wire_type == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        elif wire_type == 2:
            size, pos = _read_varint(buf, pos)
            val, pos = buf[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type} (field {field})")
        if pos > n:
            raise ValueError("truncated protobuf message")
        fields.setdefault(field, []).append(val)
    return fields


def _read_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated protobuf varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def read_scalars(path):
    """The old-style scalars of an event file: a list of ``(tag, step, wall_time, value)``.

    >>> read_scalars(next(Path("runs/exp").glob("events.out.tfevents.*")))
    [('loss', 0, 1712345678.9, 0.69), ...]
    """
    out = []
    for record in read_records(path):
        ev = parse_message(record)
        if 5 not in ev:
            continue
        wall_time = struct.unpack("<d", ev[1][0])[0] if 1 in ev else 0.0
        step = ev.get(2, [0])[0]
        if step >= 1 << 63:
            step -= 1 << 64
        for raw in parse_message(ev[5][0]).get(1, []):
            val = parse_message(raw)
            if 2 in val:
                out.append((val[1][0].decode("utf-8") if 1 in val else "", step, wall_time,
                            struct.unpack("<f", val[2][0])[0]))
    return out
