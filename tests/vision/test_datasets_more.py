"""CIFAR100, SVHN, STL10 and CelebA: tiny files in the real formats, made here, served by an
HTTP server on 127.0.0.1 (tests/vision/test_download.py's), downloaded, checked and read."""
import hashlib
import io
import os
import tarfile
import zipfile

import numpy as np
import pytest

import galton
from galton.vision import datasets
from galton.vision.download import DownloadError, extract_zip
from galton.vision.matfile import MatFileError, loadmat
from tests.vision.test_download import refused_url, server  # noqa: F401 (fixtures)


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setenv("GALTON_DATASETS_PATH", "")  # no local copies


# --- CIFAR-100 ----------------------------------------------------------------------------------
def _cifar100_records(rng, n):
    rec = rng.integers(0, 256, (n, 2 + 3072), dtype=np.uint8)
    rec[:, 0] = rng.integers(0, 20, n)
    rec[:, 1] = rng.integers(0, 100, n)
    return rec


def test_cifar100_downloads_the_binary_version_and_reads_both_labels(server, offline,
                                                                     tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    train, test = _cifar100_records(rng, 4), _cifar100_records(rng, 3)
    fine = "\n".join(f"fine{i}" for i in range(100)).encode()
    coarse = "\n".join(f"coarse{i}" for i in range(20)).encode()
    archive = _tar({"cifar-100-binary/train.bin": train.tobytes(),
                    "cifar-100-binary/test.bin": test.tobytes(),
                    "cifar-100-binary/fine_label_names.txt": fine,
                    "cifar-100-binary/coarse_label_names.txt": coarse})
    server.files["/kriz/cifar-100-binary.tar.gz"] = archive
    monkeypatch.setattr(datasets.CIFAR100, "mirrors", [server.url + "/kriz/"])
    monkeypatch.setattr(datasets.CIFAR100, "tgz_md5", _md5(archive))
    ds = datasets.CIFAR100(str(tmp_path), train=True, download=True)
    assert len(ds) == 4 and ds.data.shape == (4, 32, 32, 3)
    assert ds.targets == train[:, 1].tolist() and ds.coarse_targets == train[:, 0].tolist()
    assert ds.classes[7] == "fine7" and ds.coarse_classes[19] == "coarse19"
    img, label = ds[2]
    # pixel bytes: 1,024 red, then green, then blue, each row by row
    want = train[2, 2:].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(np.asarray(img), want)
    assert label == train[2, 1] and img.mode == "RGB"
    n = len(server.log)
    test_ds = datasets.CIFAR100(str(tmp_path), train=False, download=True)  # no new request
    assert len(test_ds) == 3 and len(server.log) == n
    assert "cifar-100-binary" in datasets.CIFAR100.__doc__ and "pickle" in \
        datasets.CIFAR100.__doc__


def test_cifar100_default_names_and_bad_files(tmp_path):
    folder = tmp_path / "cifar-100-binary"
    folder.mkdir()
    rec = _cifar100_records(np.random.default_rng(1), 2)
    (folder / "test.bin").write_bytes(rec.tobytes())
    ds = datasets.CIFAR100(str(tmp_path), train=False)
    assert len(ds.classes) == 100 and ds.classes[:3] == ["apple", "aquarium_fish", "baby"]
    assert ds.classes[-1] == "worm" and ds.coarse_classes is None
    (folder / "test.bin").write_bytes(rec.tobytes()[:-5])
    with pytest.raises(ValueError, match=r"test\.bin: 6143 bytes .* CIFAR-100 records"):
        datasets.CIFAR100(str(tmp_path), train=False)
    rec[0, 1] = 100
    (folder / "test.bin").write_bytes(rec.tobytes())
    with pytest.raises(ValueError, match="label 100 out of range 0..99"):
        datasets.CIFAR100(str(tmp_path), train=False)
    with pytest.raises(RuntimeError, match="train.bin"):
        datasets.CIFAR100(str(tmp_path), train=True)


def test_cifar100_corrupt_download_is_refused(server, offline, tmp_path, monkeypatch):
    server.files["/kriz/cifar-100-binary.tar.gz"] = b"not the archive"
    monkeypatch.setattr(datasets.CIFAR100, "mirrors", [server.url + "/kriz/"])
    with pytest.raises(DownloadError, match="checksum mismatch: expected MD5 03b5dce0"):
        datasets.CIFAR100(str(tmp_path), download=True)
    assert os.listdir(tmp_path) == []  # nothing half-written left behind


# --- the MAT-file reader and SVHN -----------------------------------------------------------------
def _svhn_arrays(n, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
    y = rng.integers(1, 11, (n, 1)).astype(np.float64)
    y[0] = 10  # the digit 0
    return x, y


@pytest.mark.parametrize("compress", [False, True])
def test_loadmat_reads_what_scipy_writes(tmp_path, compress):
    sio = pytest.importorskip("scipy.io")
    arrays = {"X": _svhn_arrays(3)[0], "y": np.arange(6.0).reshape(3, 2),
              "i": np.arange(12, dtype=np.int16).reshape(2, 3, 2), "f": np.float32(1.5)}
    path = tmp_path / "a.mat"
    sio.savemat(path, {**arrays, "text": "skipped", "cell": np.array([1, "a"], dtype=object)},
                do_compression=compress)
    got = loadmat(path)
    assert sorted(got) == ["X", "f", "i", "y"]
    for k in ("X", "y", "i"):
        assert got[k].dtype == arrays[k].dtype
        np.testing.assert_array_equal(got[k], arrays[k])
    assert got["f"].shape == (1, 1) and got["f"][0, 0] == np.float32(1.5)


def test_loadmat_refuses_damaged_files(tmp_path):
    sio = pytest.importorskip("scipy.io")
    path = tmp_path / "a.mat"
    sio.savemat(path, {"X": np.zeros((40, 40))})
    data = path.read_bytes()
    (tmp_path / "short.mat").write_bytes(data[:300])
    with pytest.raises(MatFileError, match=r"short\.mat: truncated"):
        loadmat(tmp_path / "short.mat")
    (tmp_path / "text.mat").write_bytes(b"hello" * 40)
    with pytest.raises(MatFileError, match="not a MATLAB v5"):
        loadmat(tmp_path / "text.mat")
    sio.savemat(path, {"X": np.zeros((40, 40))}, do_compression=True)
    data = bytearray(path.read_bytes())
    data[140:150] = b"\xff" * 10  # inside the zlib stream
    (tmp_path / "bad.mat").write_bytes(bytes(data))
    with pytest.raises(MatFileError, match=r"bad\.mat: compressed element .* damaged"):
        loadmat(tmp_path / "bad.mat")


def test_svhn_download_labels_and_images(server, offline, tmp_path, monkeypatch):
    sio = pytest.importorskip("scipy.io")
    x, y = _svhn_arrays(5)
    src = tmp_path / "src.mat"
    sio.savemat(src, {"X": x, "y": y}, do_compression=True)  # as the published files
    blob = src.read_bytes()
    server.files["/svhn/test_32x32.mat"] = blob
    monkeypatch.setattr(datasets.SVHN, "mirrors", [server.url + "/svhn/"])
    monkeypatch.setitem(datasets.SVHN.split_list, "test", ("test_32x32.mat", _md5(blob)))
    ds = datasets.SVHN(str(tmp_path / "data"), split="test", download=True)
    assert len(ds) == 5 and ds.data.shape == (5, 3, 32, 32) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.labels, y[:, 0].astype(np.int64) % 10)
    assert ds.labels[0] == 0
    img, label = ds[3]
    np.testing.assert_array_equal(np.asarray(img), x[:, :, :, 3])
    assert label == int(y[3, 0]) % 10
    t = datasets.SVHN(str(tmp_path / "data"), split="test",
                      transform=galton.vision.transforms.ToTensor())
    assert tuple(t[0][0].shape) == (3, 32, 32)
    with pytest.raises(ValueError, match="Unknown value 'valid' for argument split"):
        datasets.SVHN(str(tmp_path), split="valid")


def test_svhn_bad_files_are_refused_with_their_path(server, offline, tmp_path, monkeypatch):
    sio = pytest.importorskip("scipy.io")
    server.files["/svhn/train_32x32.mat"] = b"corrupt"
    monkeypatch.setattr(datasets.SVHN, "mirrors", [server.url + "/svhn/"])
    with pytest.raises(DownloadError, match="checksum mismatch: expected MD5 e26dedcc"):
        datasets.SVHN(str(tmp_path), download=True)
    path = tmp_path / "train_32x32.mat"
    sio.savemat(path, {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.array([[1.0], [11.0]])})
    with pytest.raises(ValueError, match=r"train_32x32\.mat: labels must be 1..10"):
        datasets.SVHN(str(tmp_path))
    sio.savemat(path, {"images": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"train_32x32\.mat: expected the variables X and y"):
        datasets.SVHN(str(tmp_path))


# --- STL-10 ---------------------------------------------------------------------------------------
def _stl_images(rng, n):
    return rng.integers(0, 256, (n, 3, 96, 96), dtype=np.uint8)


def _stl_bytes(images):
    return np.ascontiguousarray(images.transpose(0, 1, 3, 2)).tobytes()  # column-major


@pytest.fixture
def stl_archive():
    rng = np.random.default_rng(3)
    train, test, unl = _stl_images(rng, 6), _stl_images(rng, 3), _stl_images(rng, 2)
    ytrain = np.array([1, 2, 3, 10, 5, 6], np.uint8)
    ytest = np.array([10, 1, 4], np.uint8)
    folds = "\n".join(" ".join(str(i) for i in idx) for idx in
                      ([0, 2, 4], [1, 3, 5], *[[i % 6] for i in range(8)])) + "\n"
    names = "airplane\nbird\ncar\ncat\ndeer\ndog\nhorse\nmonkey\nship\ntruck\n"
    files = {"train_X.bin": _stl_bytes(train), "train_y.bin": ytrain.tobytes(),
             "test_X.bin": _stl_bytes(test), "test_y.bin": ytest.tobytes(),
             "unlabeled_X.bin": _stl_bytes(unl), "class_names.txt": names.encode(),
             "fold_indices.txt": folds.encode()}
    blob = _tar({f"stl10_binary/{k}": v for k, v in files.items()})
    return blob, {"train": train, "test": test, "unlabeled": unl, "ytrain": ytrain,
                  "ytest": ytest}


def test_stl10_splits_folds_and_pixels(server, offline, tmp_path, monkeypatch, stl_archive):
    blob, a = stl_archive
    server.files["/stl/stl10_binary.tar.gz"] = blob
    monkeypatch.setattr(datasets.STL10, "mirrors", [server.url + "/stl/"])
    monkeypatch.setattr(datasets.STL10, "tgz_md5", _md5(blob))
    root = str(tmp_path)
    train = datasets.STL10(root, split="train", download=True)
    np.testing.assert_array_equal(train.data, a["train"])
    np.testing.assert_array_equal(train.labels, a["ytrain"].astype(np.int64) - 1)
    img, label = train[3]
    assert img.size == (96, 96) and label == 9
    np.testing.assert_array_equal(np.asarray(img), a["train"][3].transpose(1, 2, 0))
    assert train.classes[-1] == "truck"
    fold = datasets.STL10(root, split="train", folds=1)
    np.testing.assert_array_equal(fold.data, a["train"][[1, 3, 5]])
    assert fold.labels.tolist() == [1, 9, 5]
    test = datasets.STL10(root, split="test")
    assert test.labels.tolist() == [9, 0, 3]
    unl = datasets.STL10(root, split="unlabeled")
    assert len(unl) == 2 and unl[1][1] == -1
    both = datasets.STL10(root, split="train+unlabeled")
    assert len(both) == 8 and both.labels.tolist()[-2:] == [-1, -1]
    with pytest.raises(ValueError, match=r"range \[0, 10\)"):
        datasets.STL10(root, folds=10)
    with pytest.raises(ValueError, match="Unknown value 'val'"):
        datasets.STL10(root, split="val")


def test_stl10_truncated_and_corrupt_files(server, offline, tmp_path, monkeypatch, stl_archive):
    server.files["/stl/stl10_binary.tar.gz"] = b"broken"
    monkeypatch.setattr(datasets.STL10, "mirrors", [server.url + "/stl/"])
    with pytest.raises(DownloadError, match="checksum mismatch: expected MD5 91f7769d"):
        datasets.STL10(str(tmp_path), download=True)
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    (folder / "test_X.bin").write_bytes(b"\0" * 1000)
    (folder / "test_y.bin").write_bytes(b"\1")
    with pytest.raises(ValueError, match=r"test_X\.bin: 1000 bytes is not a whole number"):
        datasets.STL10(str(tmp_path), split="test")


# --- CelebA ---------------------------------------------------------------------------------------
_ATTRS = ["5_o_Clock_Shadow", "Smiling", "Young"]  # the real file has 40 columns


def _celeba_files(tmp_path, n=5):
    pil = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(4)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    parts, ids = [0, 0, 1, 2, 0][:n], [7, 3, 7, 9, 1][:n]
    attr = rng.choice([-1, 1], (n, len(_ATTRS)))
    bbox = rng.integers(0, 200, (n, 4))
    marks = rng.integers(0, 200, (n, 10))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        for name in names:
            img = io.BytesIO()
            pil.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(img, "JPEG")
            zf.writestr("img_align_celeba/" + name, img.getvalue())
        zf.writestr("readme.txt", "left out")

    def table(values, header):
        lines = [str(n)] + ([" ".join(header)] if header else [])
        lines += [name + "  " + " ".join(f"{v:d}" for v in row)
                  for name, row in zip(names, values)]
        return ("\n".join(lines if header else lines[1:]) + "\n").encode()

    files = {
        "img_align_celeba.zip": zbuf.getvalue(),
        "list_attr_celeba.txt": table(attr, _ATTRS),
        "identity_CelebA.txt": table(np.array(ids)[:, None], None),
        "list_bbox_celeba.txt": table(bbox, ["image_id", "x_1", "y_1", "width", "height"]),
        "list_landmarks_align_celeba.txt": table(marks, ["lefteye_x"] * 10),
        "list_eval_partition.txt": table(np.array(parts)[:, None], None),
    }
    return files, {"attr": attr, "bbox": bbox, "marks": marks, "ids": ids, "names": names}


@pytest.fixture
def celeba_server(server, offline, tmp_path, monkeypatch):
    files, truth = _celeba_files(tmp_path)
    file_list = []
    for i, (gid, _, name) in enumerate(datasets.CelebA.file_list):
        server.files[f"/gd/{gid}"] = files[name]
        file_list.append((gid, _md5(files[name]), name))
    monkeypatch.setattr(datasets.CelebA, "file_list", file_list)
    monkeypatch.setattr(datasets.CelebA, "mirrors", [server.url + "/gd/"])
    return server, files, truth


def test_celeba_download_splits_and_targets(celeba_server, tmp_path):
    server, files, truth = celeba_server
    root = str(tmp_path / "data")
    ds = datasets.CelebA(root, split="train", target_type="attr", download=True)
    assert sorted(os.listdir(os.path.join(root, "celeba", "img_align_celeba"))) == \
        truth["names"]
    assert not os.path.exists(os.path.join(root, "celeba", "readme.txt"))
    assert len(ds) == 3 and ds.filename == [truth["names"][i] for i in (0, 1, 4)]
    assert ds.attr_names == _ATTRS
    img, attr = ds[1]
    assert img.size == (178, 218) and img.mode == "RGB"
    assert attr.dtype == galton.int64
    np.testing.assert_array_equal(attr.numpy(), (truth["attr"][1] + 1) // 2)
    n = len(server.log)
    every = datasets.CelebA(root, split="all", target_type=["identity", "bbox", "landmarks"],
                            download=True)
    assert len(server.log) == n  # all there, nothing fetched again
    assert len(every) == 5
    ident, box, marks = every[3][1]
    assert int(ident) == 9
    np.testing.assert_array_equal(box.numpy(), truth["bbox"][3])
    np.testing.assert_array_equal(marks.numpy(), truth["marks"][3])
    assert len(datasets.CelebA(root, split="valid")) == 1
    assert len(datasets.CelebA(root, split="test")) == 1
    assert datasets.CelebA(root, split="test", target_type=[])[0][1] is None
    with pytest.raises(ValueError, match='Target type "age" is not recognized'):
        datasets.CelebA(root, target_type="age")[0]
    with pytest.raises(ValueError, match="Unknown value 'val' for argument split"):
        datasets.CelebA(root, split="val")


def test_celeba_refuses_a_corrupt_annotation_file(celeba_server, tmp_path):
    server, files, truth = celeba_server
    root = tmp_path / "data"
    datasets.CelebA(str(root), download=True)
    (root / "celeba" / "list_attr_celeba.txt").write_text("tampered\n")
    with pytest.raises(RuntimeError, match="another MD5 is refused"):
        datasets.CelebA(str(root))
    server.files["/gd/" + datasets.CelebA.file_list[1][0]] = b"wrong"
    with pytest.raises(DownloadError, match="list_attr_celeba.txt.*\n.*checksum mismatch"):
        datasets.CelebA(str(root), download=True)


def test_extract_zip_refuses_paths_outside(tmp_path):
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("img_align_celeba/ok.jpg", b"x")
        zf.writestr("img_align_celeba/../../evil.txt", b"evil")
    (tmp_path / "a.zip").write_bytes(zbuf.getvalue())
    with pytest.raises(ValueError, match="outside"):
        extract_zip(tmp_path / "a.zip", str(tmp_path / "out"), "img_align_celeba/")
    assert not (tmp_path / "evil.txt").exists()
    (tmp_path / "b.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"b\.zip: not a zip archive"):
        extract_zip(tmp_path / "b.zip", str(tmp_path / "out"), "")


# --- USPS and SEMEION ---------------------------------------------------------------------------
def test_usps_reads_libsvm_rows(server, offline, tmp_path, monkeypatch):
    import bz2
    rng = np.random.default_rng(5)
    vals = rng.uniform(-1, 1, (3, 256)).astype(np.float32)
    vals[0, 0], vals[0, 1] = -1.0, 1.0
    labels = [10, 1, 4]
    text = "".join(f"{lab} " + " ".join(f"{i + 1}:{v:.6f}" for i, v in enumerate(row)) + "\n"
                   for lab, row in zip(labels, vals))
    blob = bz2.compress(text.encode())
    server.files["/usps/usps.t.bz2"] = blob
    monkeypatch.setitem(datasets.USPS.split_list, "test",
                        (server.url + "/usps/usps.t.bz2", "usps.t.bz2", _md5(blob)))
    ds = datasets.USPS(str(tmp_path), train=False, download=True)
    assert len(ds) == 3 and ds.data.shape == (3, 16, 16) and ds.targets == [9, 0, 3]
    assert ds.data[0, 0, 0] == 0 and ds.data[0, 0, 1] == 255
    want = ((np.float32(np.round(vals[2, 17], 6)) + 1) / 2 * 255).astype(np.uint8)
    assert ds.data[2, 1, 1] == want
    img, label = ds[1]
    assert img.mode == "L" and img.size == (16, 16) and label == 0
    with pytest.raises(RuntimeError, match=r"usps\.bz2"):
        datasets.USPS(str(tmp_path), train=True)
    (tmp_path / "usps.t.bz2").write_bytes(b"damaged")
    with pytest.raises(RuntimeError, match="another MD5 is refused"):
        datasets.USPS(str(tmp_path), train=False)


def test_semeion_reads_one_hot_rows(server, offline, tmp_path, monkeypatch):
    rng = np.random.default_rng(6)
    pix = rng.integers(0, 2, (4, 256))
    onehot = np.eye(10, dtype=int)[[3, 0, 9, 3]]
    text = "\n".join(" ".join(f"{v}.0000" for v in p) + " " + " ".join(map(str, o))
                     for p, o in zip(pix, onehot)) + "\n"
    server.files["/uci/semeion.data"] = text.encode()
    monkeypatch.setattr(datasets.SEMEION, "url", server.url + "/uci/semeion.data")
    monkeypatch.setattr(datasets.SEMEION, "md5_checksum", _md5(text.encode()))
    ds = datasets.SEMEION(str(tmp_path))  # download=True by default, as torchvision
    assert len(ds) == 4 and ds.labels.tolist() == [3, 0, 9, 3]
    np.testing.assert_array_equal(ds.data.reshape(4, 256), pix * 255)
    assert ds[2][1] == 9 and ds[2][0].size == (16, 16)
    server.files["/uci/semeion.data"] = b"1 2 3\n"
    monkeypatch.setattr(datasets.SEMEION, "md5_checksum", _md5(b"1 2 3\n"))
    with pytest.raises(ValueError, match="expected 266 columns"):
        datasets.SEMEION(str(tmp_path / "other"))


# --- QMNIST ---------------------------------------------------------------------------------------
def test_qmnist_subsets_compat_and_xz(server, offline, tmp_path, monkeypatch):
    import gzip
    import lzma
    from galton.vision.io import write_idx
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 100, (12, 8)).astype(np.int32)
    labels[:, 0] = rng.integers(0, 10, 12)
    src = tmp_path / "src"
    src.mkdir()
    write_idx(src / "i", images)
    write_idx(src / "l", labels)
    files = {"qmnist-test-images-idx3-ubyte.gz": gzip.compress((src / "i").read_bytes()),
             "qmnist-test-labels-idx2-int.gz": gzip.compress((src / "l").read_bytes()),
             "xnist-images-idx3-ubyte.xz": lzma.compress((src / "i").read_bytes()),
             "xnist-labels-idx2-int.xz": lzma.compress((src / "l").read_bytes())}
    res = {"train": datasets.QMNIST.resources["train"]}
    for key, names in (("test", list(files)[:2]), ("nist", list(files)[2:])):
        res[key] = []
        for name in names:
            server.files["/q/" + name] = files[name]
            res[key].append((server.url + "/q/" + name, _md5(files[name])))
    monkeypatch.setattr(datasets.QMNIST, "resources", res)
    root = str(tmp_path / "data")
    test = datasets.QMNIST(root, train=False, download=True)
    assert len(test) == 12 and test.targets.shape == (12, 8)
    np.testing.assert_array_equal(test.data.numpy(), images)
    img, target = test[4]
    assert target == labels[4, 0] and img.size == (28, 28)
    full = datasets.QMNIST(root, what="test", compat=False)
    np.testing.assert_array_equal(full[4][1].numpy(), labels[4])
    # test10k / test50k cut the 60,000 test digits at 10,000: here all 12 are "test10k"
    assert len(datasets.QMNIST(root, what="test10k")) == 12
    assert len(datasets.QMNIST(root, what="test50k")) == 0
    nist = datasets.QMNIST(root, what="nist", download=True)
    np.testing.assert_array_equal(nist.targets.numpy(), labels)
    assert "Split: nist" in repr(nist)
    with pytest.raises(ValueError, match="Unknown value 'val' for argument what"):
        datasets.QMNIST(root, what="val")
    with pytest.raises(RuntimeError, match="qmnist-train-images-idx3-ubyte.gz"):
        datasets.QMNIST(root, what="train")
