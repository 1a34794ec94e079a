"""galton.save / galton.load: safetensors checkpoints that never unpickle, written atomically."""
import collections
import io
import json
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest
import torch

import galton
from galton.serialization import CheckpointError, _format

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _array(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)


def _same(a, b):
    assert isinstance(b, galton.Tensor) and a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def _leftovers(directory):
    return sorted(p.name for p in pathlib.Path(directory).iterdir())


# --- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 3, 4), (1, 0, 3)])
def test_every_dtype_round_trips(tmp_path, dtype, shape):
    t = galton.from_numpy(_array(dtype, shape))
    galton.save({"t": t, "same": [t]}, tmp_path / "x.pt")
    back = galton.load(tmp_path / "x.pt")
    _same(t, back["t"])
    _same(t, back["same"][0])


def test_state_dict_round_trip_keeps_order_and_loads_into_a_model(tmp_path):
    nn = galton.nn
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    sd = model.state_dict()
    path = str(tmp_path / "model.pt")
    galton.save(sd, path)
    back = galton.load(path)
    assert type(back) is dict and list(back) == list(sd) == ["0.weight", "0.bias", "1.weight",
                                                             "1.bias"]
    for k in sd:
        _same(sd[k], back[k])
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    fresh.load_state_dict(galton.load(path))
    x = galton.randn(5, 3)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_ordered_dict_comes_back_as_dict_in_order(tmp_path):
    od = collections.OrderedDict([("z", galton.ones(2)), ("a", galton.zeros(1)), ("m", 3)])
    galton.save(od, tmp_path / "od.pt")
    back = galton.load(tmp_path / "od.pt")
    assert type(back) is dict and list(back) == ["z", "a", "m"]


def test_nested_structures_with_int_keys(tmp_path):
    obj = {
        "state": {0: {"step": galton.tensor(3.0), "exp_avg": galton.randn(2, 2)},
                  7: {"momentum_buffer": None}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 7], "foreach": None,
                          "nesterov": False, "eps": 1e-8}],
        "mixed": {1: "int", "1": "str", None: "none", 2.5: "float"}, "bool_key": {True: 1},
        "values": [float("nan"), float("inf"), -float("inf"), -0.0, 2 ** 100, "ünï", ""],
        "empty": [{}, [], ()],
        "tuple": (1, (2, [3, {"k": galton.arange(3)}])),
        "dtype": galton.float16, "device": galton.device("cpu"),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "np_scalars": [np.float32(1.5), np.int64(4), np.bool_(True)],
        "rng": galton.get_rng_state(),
    }
    galton.save(obj, tmp_path / "n.pt")
    back = galton.load(tmp_path / "n.pt")
    assert list(back["state"]) == [0, 7] and back["state"][7] == {"momentum_buffer": None}
    _same(obj["state"][0]["step"], back["state"][0]["step"])
    _same(obj["state"][0]["exp_avg"], back["state"][0]["exp_avg"])
    assert back["param_groups"] == obj["param_groups"]
    assert isinstance(back["param_groups"][0]["betas"], tuple)
    assert back["mixed"] == obj["mixed"] and list(back["mixed"]) == [1, "1", None, 2.5]
    assert type(list(back["bool_key"])[0]) is bool
    v = back["values"]
    assert np.isnan(v[0]) and v[1:3] == [float("inf"), -float("inf")]
    assert str(v[3]) == "-0.0" and v[4] == 2 ** 100 and v[5:] == ["ünï", ""]
    assert back["empty"] == [{}, [], ()]
    assert back["tuple"][:1] == (1,) and isinstance(back["tuple"][1], tuple)
    _same(obj["tuple"][1][1][1]["k"], back["tuple"][1][1][1]["k"])
    assert back["dtype"] is galton.float16 and back["device"] == galton.device("cpu")
    assert isinstance(back["array"], np.ndarray)
    np.testing.assert_array_equal(back["array"], obj["array"])
    assert back["np_scalars"] == [1.5, 4, True]
    assert back["rng"] == obj["rng"]
    galton.set_rng_state(back["rng"])  # the RNG state is usable as loaded


def test_bare_tensor_parameter_and_requires_grad(tmp_path):
    t = galton.randn(3, 2)
    galton.save(t, tmp_path / "t.pt")
    back = galton.load(tmp_path / "t.pt")
    _same(t, back)
    assert not back.requires_grad
    p = galton.nn.Parameter(galton.randn(2))
    leaf = galton.randn(2, requires_grad=True)
    galton.save([p, leaf], tmp_path / "p.pt")
    bp, bl = galton.load(tmp_path / "p.pt")
    assert type(bp) is galton.nn.Parameter and bp.requires_grad
    assert type(bl) is galton.Tensor and bl.requires_grad and bl.is_leaf


def test_views_and_shared_tensors_are_saved_as_independent_copies(tmp_path):
    base = galton.arange(12, dtype=galton.float32).reshape(3, 4)
    view = base.t()  # not contiguous
    galton.save({"base": base, "view": view, "again": base}, tmp_path / "v.pt")
    back = galton.load(tmp_path / "v.pt")
    _same(view, back["view"])
    back["base"].data[0, 0] = 100.0  # loaded tensors are writable and independent
    assert back["again"].data[0, 0] == 0 and back["view"].data[0, 0] == 0


def test_file_objects_and_paths(tmp_path):
    buf = io.BytesIO()
    galton.save({"w": galton.ones(2, 2)}, buf)
    buf.seek(0)
    _same(galton.ones(2, 2), galton.load(buf)["w"])
    galton.save([1, 2], str(tmp_path / "s.pt"))
    assert galton.load(pathlib.Path(tmp_path / "s.pt")) == [1, 2]
    with open(tmp_path / "f.pt", "wb") as fh:
        galton.save("hello", fh)
    with open(tmp_path / "f.pt", "rb") as fh:
        assert galton.load(fh) == "hello"


def test_map_location_and_weights_only(tmp_path):
    t = galton.randn(3)
    galton.save({"t": t}, tmp_path / "m.pt")
    for loc in ["cpu", galton.device("cpu"), {"cpu": "cpu"}]:
        _same(t, galton.load(tmp_path / "m.pt", map_location=loc, weights_only=True)["t"])
    seen = []
    out = galton.load(tmp_path / "m.pt", map_location=lambda x, where: seen.append(where) or x * 2)
    assert seen == ["cpu"]
    np.testing.assert_allclose(out["t"].numpy(), t.numpy() * 2)


def test_written_file_is_plain_safetensors(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    sd = {"conv.weight": galton.randn(2, 1, 3, 3), "fc.bias": galton.zeros(2, dtype=galton.int8),
          "flag": galton.tensor([True, False])}
    galton.save(sd, tmp_path / "a.safetensors")
    raw = safetensors_numpy.load_file(str(tmp_path / "a.safetensors"))
    assert set(raw) == set(sd)
    for k in sd:
        np.testing.assert_array_equal(raw[k], sd[k].numpy())
    # and a file the package wrote loads as a flat dict of tensors
    arrays = {"b": np.arange(3, dtype=np.int32), "a": np.ones((2, 2), np.float64)}
    safetensors_numpy.save_file(arrays, str(tmp_path / "b.safetensors"))
    back = galton.load(tmp_path / "b.safetensors")
    assert set(back) == {"a", "b"}
    for k in arrays:
        _same(galton.from_numpy(arrays[k]), back[k])


def test_header_layout(tmp_path):
    half, double = galton.ones(3, dtype=galton.float16), galton.ones(2, dtype=galton.float64)
    galton.save({"h": half, "d": double}, tmp_path / "l.pt")
    data = (tmp_path / "l.pt").read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    assert (8 + n) % 8 == 0
    header = json.loads(data[8:8 + n])
    assert header["d"] == {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}
    assert header["h"] == {"dtype": "F16", "shape": [3], "data_offsets": [16, 22]}
    assert len(data) == 8 + n + 22


def test_converting_a_pytorch_checkpoint(tmp_path):
    sd = torch.nn.Linear(3, 2).state_dict()
    torch.save(sd, tmp_path / "torch.pt")
    galton.save(torch.load(tmp_path / "torch.pt", weights_only=True), tmp_path / "galton.pt")
    back = galton.load(tmp_path / "galton.pt")
    for k in sd:
        np.testing.assert_array_equal(back[k].numpy(), sd[k].numpy())
    with pytest.raises(TypeError, match="cannot convert the PyTorch tensor at obj\\['b'\\]"):
        galton.save({"b": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf.pt")


# --- atomic writes -------------------------------------------------------------------------
def _failing_write(tensors, path, metadata=None):
    with open(path, "wb") as fh:
        fh.write(b"partial bytes")
    raise OSError("disk full")


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_failure_mid_write_leaves_no_file_and_no_temp(tmp_path, monkeypatch, where):
    def boom(*args, **kwargs):
        raise OSError("disk full")
    if where == "write":
        monkeypatch.setattr(_format.st, "save_file", _failing_write)
    else:
        monkeypatch.setattr(_format.os, where, boom)
    with pytest.raises(OSError, match="disk full"):
        galton.save({"w": galton.ones(3)}, tmp_path / "model.pt")
    monkeypatch.undo()
    assert _leftovers(tmp_path) == []


def test_failure_keeps_the_previous_file(tmp_path, monkeypatch):
    galton.save({"v": 1}, tmp_path / "model.pt")
    monkeypatch.setattr(_format.st, "save_file", _failing_write)
    with pytest.raises(OSError):
        galton.save({"v": 2}, tmp_path / "model.pt")
    monkeypatch.undo()
    assert galton.load(tmp_path / "model.pt") == {"v": 1}
    assert _leftovers(tmp_path) == ["model.pt"]


def test_unsaveable_objects_write_nothing(tmp_path):
    cases = [({"a": 1 + 2j}, r"cannot save obj\['a'\] of type complex"),
             ({(1, 2): 3}, r"key \(1, 2\) of obj is a tuple"),
             ([np.zeros(2, np.complex64)], r"obj\[0\] has dtype complex64"),
             # a whole module saves (test_whole_modules.py); other objects with a state
             # dict, an optimizer, do not
             (galton.optim.SGD(galton.nn.Linear(2, 2).parameters(), lr=0.1),
              r"save its state dict instead|Save its state dict instead")]
    for obj, msg in cases:
        with pytest.raises(TypeError, match=msg):
            galton.save(obj, tmp_path / "x.pt")
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="contains itself"):
        galton.save(cyclic, tmp_path / "x.pt")
    with pytest.raises(FileNotFoundError, match="parent directory .*missing does not exist"):
        galton.save([1], tmp_path / "missing" / "x.pt")
    assert _leftovers(tmp_path) == []


def test_mode_follows_the_umask(tmp_path):
    galton.save([1], tmp_path / "a.pt")
    with open(tmp_path / "b.pt", "wb"):
        pass
    assert os.stat(tmp_path / "a.pt").st_mode == os.stat(tmp_path / "b.pt").st_mode


# --- refusing files that are not checkpoints -------------------------------------------------
def test_pytorch_zip_and_pickle_files_are_refused_with_the_path(tmp_path):
    path = tmp_path / "model.pt"
    # a state dict in torch.save's zip format loads (restricted reader); a whole pickled
    # module is refused, naming the path and the global it would have had to import
    torch.save({"w": torch.ones(2)}, path)
    assert galton.load(path)["w"].tolist() == [1.0, 1.0]
    torch.save(torch.nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError) as err:
        galton.load(path)
    msg = str(err.value)
    assert str(path) in msg and "torch.nn.modules.linear.Linear" in msg and "never unpickles" in msg
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="looks like a pickle file"):
        galton.load(path)


class _Evil:
    def __reduce__(self):
        return (open, (MARKER, "w"))


MARKER = ""


def test_a_malicious_pickle_never_runs(tmp_path):
    global MARKER
    MARKER = str(tmp_path / "pwned")
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(_Evil(), protocol=4))
    with pytest.raises(CheckpointError, match="evil.pt is not a galton checkpoint"):
        galton.load(tmp_path / "evil.pt")
    assert not os.path.exists(MARKER)


@pytest.mark.parametrize("content,msg", [
    (b"", "is not a galton checkpoint (it is empty)"),
    (bytes(np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8)),
     "is not a galton checkpoint (it has no safetensors header)"),
    (b"\x93NUMPY\x01\x00", "NumPy .npy"),
    (b"\x10\x00\x00", "is truncated (3 bytes"),
    (struct.pack("<Q", 40) + b'{"a": 1', "is truncated (its header needs 40 bytes"),
    (struct.pack("<Q", 8) + b"{not js}", "corrupt header (invalid JSON"),
    (struct.pack("<Q", 2) + b"[]", "is not a galton checkpoint (it has no safetensors header)"),
])
def test_bad_files_are_refused_with_the_path(tmp_path, content, msg):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as err:
        galton.load(path)
    assert str(path) in str(err.value) and msg in str(err.value)


def _with_header(header, data=b""):
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@pytest.mark.parametrize("header,data,msg", [
    ({"x": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4,
     "entry 'x': dtype 'BF16' is not one galton supports"),
    ({"x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8,
     "shape [3] of F32 needs 12 bytes, data_offsets [0, 8] give 8"),
    ({"x": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "malformed"),
    ({"x": [1, 2]}, b"", "entry 'x': not an object"),
    ({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 10,
     "is truncated (tensor 'x' ends at byte 16 of the data, which has only 10 bytes)"),
    ({"__metadata__": {"galton.structure": '{"tensor": "gone"}'}}, b"",
     "names tensor 'gone', which the file does not hold"),
    ({"__metadata__": {"galton.structure": "{oops"}}, b"", "corrupt galton structure"),
    ({"__metadata__": {"galton.structure": '{"weird": 1}'}}, b"", "corrupt galton structure"),
    ({"__metadata__": {"galton.structure": "1", "galton.version": "99"}}, b"",
     "written by a newer galton"),
])
def test_corrupt_headers_are_refused(tmp_path, header, data, msg):
    path = tmp_path / "c.pt"
    path.write_bytes(_with_header(header, data))
    with pytest.raises(CheckpointError) as err:
        galton.load(path)
    assert str(path) in str(err.value) and msg in str(err.value)


def test_every_truncation_of_a_checkpoint_is_refused(tmp_path):
    galton.save({"w": galton.randn(4, 3), "s": [1, 2]}, tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    for cut in range(1, len(data), 7):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated|corrupt"):
            galton.load(tmp_path / "cut.pt")


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no_such.pt"):
        galton.load("/nonexistent/no_such.pt")
