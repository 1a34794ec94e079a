"""The safetensors container is read and written by the ``safetensors`` package; galton's errors
still name the file."""
import json
import struct

import numpy as np
import pytest
import safetensors
import safetensors.numpy as stnp

import galton
from galton.serialization import CheckpointError, _format


def test_save_and_load_go_through_the_package(tmp_path, monkeypatch):
    calls = []
    real_save, real_open = stnp.save_file, safetensors.safe_open

    def save_file(tensors, filename, metadata=None):
        calls.append("save")
        return real_save(tensors, filename, metadata=metadata)

    def safe_open(*args, **kwargs):
        calls.append("open")
        return real_open(*args, **kwargs)
    monkeypatch.setattr(_format.st, "save_file", save_file)
    monkeypatch.setattr(_format.safetensors, "safe_open", safe_open)
    galton.save({"w": galton.arange(6.0).reshape(2, 3), "n": 3}, tmp_path / "m.pt")
    back = galton.load(tmp_path / "m.pt")
    assert calls == ["save", "open"]
    assert back["n"] == 3 and back["w"].tolist() == [[0, 1, 2], [3, 4, 5]]
    # the package reads galton's file, galton's metadata rides in __metadata__
    with safetensors.safe_open(tmp_path / "m.pt", framework="numpy") as f:
        assert json.loads(f.metadata()["galton.structure"])


def test_what_the_package_refuses_is_a_checkpoint_error_naming_the_file(tmp_path):
    # a gap between two tensors: galton's header checks pass, the package refuses
    raw = json.dumps({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                      "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}).encode()
    path = tmp_path / "gap.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 12)
    with pytest.raises(CheckpointError) as err:
        galton.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_file_object_round_trips_through_the_package(tmp_path):
    with open(tmp_path / "f.pt", "wb") as fh:
        galton.save({"x": galton.tensor([1.5, 2.5])}, fh)
    assert stnp.load_file(tmp_path / "f.pt")["x"].tolist() == [1.5, 2.5]
    with open(tmp_path / "f.pt", "rb") as fh:
        assert galton.load(fh)["x"].tolist() == [1.5, 2.5]
    assert np.dtype(galton.load(tmp_path / "f.pt")["x"].numpy().dtype) == np.float32


# --- crashes that must be the format's one-line error ----------------------------------------
def _header_file(path, text):
    raw = text.encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    return path


def _one_line(path, fn=galton.load):
    with pytest.raises(CheckpointError) as err:
        fn(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg, msg
    return msg


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("text", [
    '{"x": ' + DEEP + "}",                                           # the header itself
    json.dumps({"__metadata__": {"galton.structure": DEEP}}),        # galton's JSON structure
    # parses as JSON, but decoding 600 nested lists recurses past Python's limit
    json.dumps({"__metadata__": {"galton.structure": '{"list": [' * 600 + "]}" * 600}}),
])
def test_deeply_nested_json_is_one_line_naming_the_file(tmp_path, text):
    path = _header_file(tmp_path / "deep.safetensors", text)
    assert "nested too deeply" in _one_line(path)
    from galton.metadata import load_model_metadata
    _one_line(path, load_model_metadata)


def test_memory_error_while_reading_tensors_is_one_line(tmp_path, monkeypatch):
    galton.save({"w": galton.ones(4)}, tmp_path / "m.pt")

    def bomb(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(_format.safetensors, "safe_open", bomb)
    assert "more memory" in _one_line(tmp_path / "m.pt")
