"""Food101 on a small tree laid out as the archive food-101.tar.gz is (torchvision is not
installed: the layout, split lists, label order and messages are torchvision's documented
ones)."""
import io
import json
import os
import tarfile

import numpy as np
import pytest

from galton.vision import download as dl
from galton.vision.datasets import Food101

Image = pytest.importorskip("PIL.Image")

_META = {"train": {"waffles": ["waffles/10", "waffles/11"], "apple_pie": ["apple_pie/3"]},
         "test": {"waffles": ["waffles/12"], "apple_pie": ["apple_pie/4", "apple_pie/5"]}}


def _jpeg(seed):
    arr = np.full((6, 8, 3), 40 * seed % 256, dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG")
    return buf.getvalue()


def _members():
    out = {}
    for split, meta in _META.items():
        out[f"food-101/meta/{split}.json"] = json.dumps(meta).encode()
        for paths in meta.values():
            for p in paths:
                out[f"food-101/images/{p}.jpg"] = _jpeg(int(p.split("/")[1]))
    out["food-101/README.txt"] = b"Food-101"
    return out


def _write_tree(root):
    for name, data in _members().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_reads_the_split_lists(tmp_path):
    _write_tree(tmp_path)
    train = Food101(tmp_path)
    assert train.classes == ["apple_pie", "waffles"]
    assert train.class_to_idx == {"apple_pie": 0, "waffles": 1}
    assert len(train) == 3
    # the json file's order: waffles first, as torchvision reads it
    assert [train[i][1] for i in range(3)] == [1, 1, 0]
    img, label = train[2]
    assert img.mode == "RGB" and img.size == (8, 6) and label == 0
    test = Food101(str(tmp_path), split="test", transform=lambda im: np.asarray(im).shape,
                   target_transform=lambda y: y + 100)
    assert len(test) == 3 and test[0] == ((6, 8, 3), 101)
    assert "split=test" in repr(test)


def test_messages(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown value 'val' for argument split. Valid values "
                                         r"are \{'train', 'test'\}."):
        Food101(tmp_path, split="val")
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        Food101(tmp_path)


def test_download_extracts_the_archive(tmp_path, monkeypatch):
    store = tmp_path / "store"
    store.mkdir()
    archive = store / "food-101.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in _members().items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    # a local copy of the archive (its checksum is that of this small one) instead of the web
    monkeypatch.setattr(Food101, "_MD5", dl.calculate_md5(archive))
    monkeypatch.setenv("GALTON_DATASETS_PATH", str(store))
    root = tmp_path / "root"
    ds = Food101(root, split="test", download=True)
    assert len(ds) == 3 and ds[1][1] == 0
    assert (root / "food-101" / "README.txt").read_bytes() == b"Food-101"
    assert not any(n.endswith(".part") for _, _, files in os.walk(root) for n in files)


def test_extract_tree_refuses_paths_outside(tmp_path):
    archive = tmp_path / "bad.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("food-101/../../evil.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="points outside"):
        dl.extract_tree(archive, tmp_path / "out", "food-101/")
    assert not (tmp_path / "evil.txt").exists()
