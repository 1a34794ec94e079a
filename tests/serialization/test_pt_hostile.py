"""Hostile torch.save files, built by hand here: none may reach a shared object, allocate what
it did not store, or crash with anything but one line naming the file."""
import pickle
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

import galton
from galton.serialization import CheckpointError, torch_pickle
from galton.serialization.torch_pickle import UnsafePickleError


# --- a tiny pickle assembler (protocol 2, as torch.save writes) ------------------------------
def G(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def U(text):
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def I(n):
    return b"J" + struct.pack("<i", n)


PROTO, STOP, MARK, TUPLE, DICT, LIST = b"\x80\x02", b".", b"(", b"t", b"}", b"]"


def _storage(kind, key, numel, module="torch"):
    """A tensor on storage ``key``: _rebuild_tensor_v2(persid, 0, (numel,), (1,), False, {})."""
    return (G("torch._utils", "_rebuild_tensor_v2") + MARK + MARK + U("storage") + G(module, kind)
            + U(key) + U("cpu") + I(numel) + TUPLE + b"Q" + I(0) + MARK + I(numel) + TUPLE
            + MARK + I(1) + TUPLE + b"\x89" + DICT + TUPLE + b"R")


def _zip(path, pkl, entries=(), compress=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", PROTO + pkl + STOP)
        z.writestr("archive/byteorder", "little")
        for name, data in entries:
            z.writestr(f"archive/data/{name}", data, compress_type=compress)
    return path


def _refused(path, cls=CheckpointError, match=None):
    with pytest.raises(cls, match=match) as err:
        galton.load(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg, msg
    return msg


# --- security 1: nothing outside the file can be reached -------------------------------------
def test_a_build_on_torch_float32_is_refused_and_galton_float32_is_untouched(tmp_path):
    # {"w": BUILD(torch.float32, (None, {"np": torch.float16}))}: with a find_class unpickler this
    # set galton.float32.np, and every float32 tensor the process made afterwards was wrong
    pkl = (DICT + U("w") + G("torch", "float32") + b"N" + DICT + U("np")
           + G("torch", "float16") + b"s" + b"\x86" + b"b" + b"s")
    msg = _refused(_zip(tmp_path / "poison.pt", pkl), UnsafePickleError, "BUILD on torch.float32")
    assert "refused" in msg
    assert galton.float32.np == np.dtype(np.float32) and galton.float32.name == "float32"
    assert galton.zeros(2).numpy().dtype == np.float32
    assert galton.ones(2, dtype=galton.float32).dtype is galton.float32


@pytest.mark.parametrize("pkl,match", [
    (b"(" + U("os") + U("system") + b"i", "opcode INST"),           # INST builds by name
    (U("os") + U("system") + b"\x93", "opcode STACK_GLOBAL"),
    (b"\x82\x01", "opcode EXT1"),                                     # the extension registry
    (b"(" + G("torch", "float32") + b"o", "opcode OBJ"),
    (b"\x95" + struct.pack("<Q", 1) + b"N", "opcode FRAME"),          # protocol 4 and up
    (G("torch", "float32") + b")R", "REDUCE of torch.float32"),      # a dtype is not callable
    (G("torch", "FloatStorage") + b")\x81", "NEWOBJ of torch.FloatStorage"),
    (LIST + b"N" + DICT + b"\x86b", "BUILD on list"),
    (DICT + b"Na", "APPEND to dict"),
    (LIST + b"NNs", "SETITEM on list"),
    (G("builtins", "getattr"), "global builtins.getattr"),
    (G("__builtin__", "eval"), "global builtins.eval"),
    (G("numpy", "dtype"), "global numpy.dtype"),
    (G("galton.dtypes", "float32"), "global galton.dtypes.float32"),
    (G("torch", "load"), "global torch.load"),
    (G("torch.serialization", "_get_layout"), "global torch.serialization._get_layout"),
])
def test_opcodes_and_globals_outside_the_weights_only_list_are_refused(tmp_path, pkl, match):
    _refused(_zip(tmp_path / "x.pt", pkl), UnsafePickleError, match)


def test_calls_of_allowed_globals_with_hostile_arguments_are_refused(tmp_path):
    # bytearray(10**12) would allocate a terabyte; set() of a list builds only plain items
    _refused(_zip(tmp_path / "a.pt", G("builtins", "bytearray") + I(2 ** 30) + b"\x85R"),
             match="bytearray")
    _refused(_zip(tmp_path / "b.pt", G("builtins", "set") + LIST + LIST + b"a" + b"\x85R"),
             match="set item")


def test_the_plain_values_weights_only_allows_load(tmp_path):
    obj = {"b": b"\x00\xffab", "ba": bytearray(b"q"), "c": 1 + 2j, "s": {1, "a"}, "big": 2 ** 70,
           "neg": -5, "f": -1.5, "dev": torch.device("cpu"), "cnt": __import__(
               "collections").Counter({"x": 2})}
    torch.save(obj, tmp_path / "plain.pt")
    got = galton.load(tmp_path / "plain.pt")
    assert got == {**obj, "dev": "cpu", "cnt": {"x": 2}}


# --- security 3: no allocation beyond what the file stores ------------------------------------
def test_a_stride_0_tensor_loads_as_a_broadcast_view_as_pytorch_does(tmp_path):
    big = torch.full((1,), 2.5).expand(60000, 60000)  # 13.4 GiB if materialised
    torch.save({"e": big}, tmp_path / "wide.pt")
    assert (tmp_path / "wide.pt").stat().st_size < 2000
    tracemalloc.start()
    got = galton.load(tmp_path / "wide.pt")["e"]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1 << 20, peak
    theirs = torch.load(tmp_path / "wide.pt", weights_only=True)["e"]
    assert got.shape == tuple(theirs.shape) and got.stride() == theirs.stride() == (0, 0)
    assert got[123, 4567].item() == theirs[123, 4567].item() == 2.5
    with pytest.raises(RuntimeError, match="more than one element"):
        got.mul_(2)


def test_a_storage_larger_than_its_archive_entry_is_refused_before_reading(tmp_path):
    pkl = DICT + U("w") + _storage("FloatStorage", "0", 10 ** 9) + b"s"
    msg = _refused(_zip(tmp_path / "lie.pt", pkl, [("0", b"\0" * 4)]),
                   match="declares 4000000000 bytes, the archive entry holds 4")
    assert "corrupt" in msg


def test_a_compressed_bomb_is_refused_with_the_path(tmp_path):
    n = 8 << 20  # 8 MiB of zeros deflate to about 8 KiB
    pkl = DICT + U("w") + _storage("ByteStorage", "0", n) + b"s"
    path = _zip(tmp_path / "bomb.pt", pkl, [("0", bytes(n))], zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    _refused(path, match="compressed bomb")


def test_a_modestly_compressed_entry_still_loads(tmp_path):
    data = np.random.default_rng(0).integers(0, 4, 1000).astype(np.uint8)
    pkl = DICT + U("w") + _storage("ByteStorage", "0", 1000) + b"s"
    path = _zip(tmp_path / "zipped.pt", pkl, [("0", data.tobytes())], zipfile.ZIP_DEFLATED)
    np.testing.assert_array_equal(galton.load(path)["w"].numpy(), data)


# --- crashes: one line naming the file ---------------------------------------------------------
def test_deeply_nested_lists_are_one_line_not_a_recursion_error(tmp_path):
    depth = 100_000
    pkl = LIST * depth + b"a" * (depth - 1)
    msg = _refused(_zip(tmp_path / "deep.pt", pkl), match="nested deeper than")
    assert "RecursionError" not in msg


def test_a_shared_subtree_bomb_is_converted_once(tmp_path):
    # x = [(x_prev, x_prev)] sixty times over, each appended to a root list: 2**60 leaves if
    # every reference were walked
    pkl = LIST + LIST + b"q\x00a"
    for _ in range(60):
        pkl += LIST + b"h\x00" + b"h\x00" + b"\x86" + b"a" + b"q\x00a"
    got = galton.load(_zip(tmp_path / "dag.pt", pkl))
    assert len(got) == 61 and got[-1][0][0] is got[-1][0][1] is got[-2]


@pytest.mark.parametrize("kind,module,match", [
    ("ComplexFloatStorage", "torch", "storage of complex64, which galton does not hold"),
    ("float32", None, "storage whose type is a str"),
])
def test_a_storage_of_complex_or_string_dtype_is_one_line(tmp_path, kind, module, match):
    if module is None:  # the storage type is a string, not a storage class
        pkl = (DICT + U("w") + G("torch._utils", "_rebuild_tensor_v2") + MARK + MARK
               + U("storage") + U(kind) + U("0") + U("cpu") + I(1) + TUPLE + b"Q" + I(0)
               + MARK + I(1) + TUPLE + MARK + I(1) + TUPLE + b"\x89" + DICT + TUPLE + b"R" + b"s")
    else:
        pkl = DICT + U("w") + _storage(kind, "0", 1, module) + b"s"
    _refused(_zip(tmp_path / "c.pt", pkl, [("0", b"\0" * 8)]), match=match)


def test_memory_error_while_reading_is_one_line(tmp_path, monkeypatch):
    torch.save({"w": torch.ones(3)}, tmp_path / "w.pt")

    def no_memory(*args):
        raise MemoryError
    monkeypatch.setattr(torch_pickle._Reader, "array", no_memory)
    _refused(tmp_path / "w.pt", match="more memory than")
