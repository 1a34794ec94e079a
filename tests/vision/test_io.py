import gzip

import numpy as np
import pytest

from galton.vision.io import read_idx, require_pil, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    arr = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, arr)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)
    back[0, 0, 0] = 1  # a writable copy, not a view of the file's bytes


def test_reads_hand_built_mnist_header(tmp_path):
    # labels file: magic 0x00000801, count 3, then the bytes
    (tmp_path / "labels").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), [7, 2, 1])
    # images: magic 0x00000803, 1 x 2 x 2, gzip'd under a name without .gz
    raw = bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 128, 1])
    (tmp_path / "images").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(tmp_path / "images"), [[[0, 255], [128, 1]]])
    # big-endian int32 values
    (tmp_path / "ints").write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 1, 2]))
    assert read_idx(tmp_path / "ints").tolist() == [258]


def test_gz_output_is_reproducible(tmp_path):
    arr = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "a.gz", arr)
    write_idx(tmp_path / "b.gz", arr)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()


def test_bad_magic_names_path(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="bad magic number 0x01020801") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_unsupported_type_code(tmp_path):
    path = tmp_path / "t.idx"
    path.write_bytes(bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 5]))
    with pytest.raises(ValueError, match="unsupported IDX type code 0x0A") as err:
        read_idx(path)
    assert str(path) in str(err.value)


def test_truncated_files(tmp_path):
    short = tmp_path / "short"
    short.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="truncated: 2 bytes"):
        read_idx(short)
    header = tmp_path / "header"
    header.write_bytes(bytes([0, 0, 8, 3, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match="header needs 16 bytes"):
        read_idx(header)
    data = tmp_path / "data.gz"
    data.write_bytes(gzip.compress(bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3])))
    with pytest.raises(ValueError, match=r"truncated: shape \(2, 3\) of uint8 needs 6 bytes of "
                                         r"data, the file has 3") as err:
        read_idx(data)
    assert str(data) in str(err.value)


def test_extra_bytes_and_damaged_gzip(tmp_path):
    extra = tmp_path / "extra"
    extra.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 1, 9, 9]))
    with pytest.raises(ValueError, match="1 bytes after the data"):
        read_idx(extra)
    damaged = tmp_path / "damaged.gz"
    damaged.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 1, 9]))[:-6])
    with pytest.raises(ValueError, match="damaged or truncated gzip") as err:
        read_idx(damaged)
    assert str(damaged) in str(err.value)


def test_write_refuses_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="no IDX type code"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))


def test_missing_pillow_message(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        require_pil("MNIST")
