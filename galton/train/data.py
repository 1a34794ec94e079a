"""Named datasets as in-memory tensors, ready for the fit loop (what ``galton train --data`` takes).

Images become one float32 tensor N×C×H×W, normalised once: the DataLoader's fast path then
slices batches out of it, with no per-image Python work per epoch.

>>> data = load_data("mnist-sample", val_split=0.1, seed=0)
>>> data.train, data.val, data.test           # TensorDatasets
>>> data.classes, data.input_shape, data.mean, data.std
"""
import os
from dataclasses import dataclass, field

import numpy as np

from .. import _memory
from ..tensor import Tensor
from ..utils.data import TensorDataset

__all__ = ["DATASETS", "Data", "load_data", "dataset_names", "describe", "fetch"]

# name -> (description, normalisation mean, std, preprocess style for user images)
DATASETS = {
    "mnist-sample": ("10,000 MNIST handwritten digits shipped with galton: 8,000 train / "
                     "2,000 test, 1x28x28, 10 classes (no download)", (0.5,), (0.5,), "digits"),
    "mnist": ("MNIST handwritten digits: 60,000 train / 10,000 test, 1x28x28, 10 classes "
              "(downloaded into --data-root)", (0.5,), (0.5,), "digits"),
    "fashion-mnist": ("Zalando's Fashion-MNIST clothes: 60,000 train / 10,000 test, 1x28x28, "
                      "10 classes (Debian's dataset-fashion-mnist, else downloaded)",
                      (0.5,), (0.5,), "objects"),
    "cifar10": ("CIFAR-10 colour photos: 50,000 train / 10,000 test, 3x32x32, 10 classes "
                "(downloaded into --data-root)", (0.4914, 0.4822, 0.4465),
                (0.2470, 0.2435, 0.2616), "resize"),
    "xor": ("XOR: points jittered (sigma 0.1) around the four corners of the truth table, "
            "label x1 XOR x2: 1,000 train / 200 test, 2 inputs, 2 classes (made on the fly)",
            None, None, None),
}
_FOLDER_NORM = ((0.5,), (0.5,))


@dataclass
class Data:
    """A dataset split into train / validation / test TensorDatasets, with what a model and a
    user image need to know about it."""
    name: str
    train: TensorDataset
    val: object
    test: TensorDataset
    classes: list
    input_shape: tuple
    mean: tuple = None
    std: tuple = None
    style: str = None  # how galton.vision.preprocess prepares a user's image
    extra: dict = field(default_factory=dict)

    def metadata(self):
        """What a model file records about its training data (JSON-able)."""
        return {"dataset": self.name, "classes": list(self.classes),
                "input_shape": list(self.input_shape),
                "mean": list(self.mean) if self.mean is not None else None,
                "std": list(self.std) if self.std is not None else None,
                "preprocess": self.style}


def dataset_names():
    """The names ``load_data`` knows (an image folder's path is accepted too)."""
    return list(DATASETS)


def _unknown(name):
    return ValueError(f"unknown dataset '{name}'; choose from: {', '.join(DATASETS)} "
                      "(or the path of an image folder with one sub-folder per class)")


def _normalise(images, mean, std):
    """uint8 N×H×W or N×H×W×C -> float32 N×C×H×W, (x/255 - mean) / std."""
    x = images.astype(np.float32) / 255.0
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    m = np.asarray(mean, np.float32).reshape(1, -1, 1, 1)
    s = np.asarray(std, np.float32).reshape(1, -1, 1, 1)
    return np.ascontiguousarray((x - m) / s)


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _vision_split(name, root, train, download):
    from ..vision import datasets
    if name == "mnist-sample":
        return datasets.MNISTSample(train=train)
    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST,
           "cifar10": datasets.CIFAR10}[name]
    return cls(root, train=train, download=download)


def _xor(seed):
    rng = np.random.default_rng(seed)

    def make(n):
        corners = rng.integers(0, 2, size=(n, 2))
        x = corners + rng.normal(0.0, 0.1, size=(n, 2))
        return x.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)
    return make(1000), make(200)


def _load_folder(root, image_size, seed):
    """An ImageFolder (or one with train/ and test/ or val/ inside) read into arrays."""
    from ..vision.datasets import ImageFolder
    from ..vision.preprocess import fit_image, load_image
    sub = {d: os.path.join(root, d) for d in ("train", "test", "val")}
    split = os.path.isdir(sub["train"]) and (os.path.isdir(sub["test"]) or os.path.isdir(sub["val"]))
    try:
        if split:
            train = ImageFolder(sub["train"])
            test = ImageFolder(sub["test"] if os.path.isdir(sub["test"]) else sub["val"])
            if test.classes != train.classes:
                raise ValueError(f"image folder {root}: the classes of train/ ({train.classes}) "
                                 f"and of its test folder ({test.classes}) differ")
            train_samples, test_samples, classes = train.samples, test.samples, train.classes
        else:
            folder = ImageFolder(root)
            order = np.random.default_rng(seed).permutation(len(folder.samples))
            n_test = max(1, len(order) // 5) if len(order) > 1 else 0
            train_samples = [folder.samples[i] for i in order[n_test:]]
            test_samples = [folder.samples[i] for i in order[:n_test]]
            classes = folder.classes
    except FileNotFoundError as exc:
        raise ValueError(f"image folder {root}: {exc}") from None
    first = load_image(train_samples[0][0])
    grey = all(load_image(p).mode in ("1", "L", "LA", "I", "I;16", "F")
               for p, _ in train_samples[:50])
    channels = 1 if grey else 3
    if image_size is None:
        image_size = (first.size[1], first.size[0])
    h, w = image_size
    n = len(train_samples) + len(test_samples)
    # the images as float32, and their normalised copies, all at once
    _memory.check_fits(f"image folder {root}: {n} images of {channels} x {h} x {w}",
                       2 * n * channels * h * w * 4, "choose a smaller --image-size")

    def read(samples):
        x = np.stack([fit_image(load_image(p), (h, w), channels) for p, _ in samples]) \
            if samples else np.zeros((0, channels, h, w), np.float32)
        y = np.array([t for _, t in samples], np.int64)
        return x, y
    mean, std = _FOLDER_NORM
    (xtr, ytr), (xte, yte) = read(train_samples), read(test_samples)
    xtr, xte = (xtr - mean[0]) / std[0], (xte - mean[0]) / std[0]
    return (xtr, ytr), (xte, yte), classes, (channels, h, w), mean * channels, std * channels


def load_data(name, root="./data", val_split=0.0, limit=None, seed=0, download=True,
              image_size=None):
    """Load dataset ``name`` (see ``DATASETS``) or an image folder into tensors.

    val_split: the fraction of the training set held out for validation (a fixed permutation
    from ``seed``); limit: keep only the first ``limit`` training samples (for quick runs and
    tests); image_size: (height, width) for image folders (default: the first image's size).
    """
    if name in DATASETS:
        desc, mean, std, style = DATASETS[name]
        if name == "xor":
            (xtr, ytr), (xte, yte) = _xor(seed)
            classes, shape = ["0", "1"], (2,)
        else:
            tr, te = (_vision_split(name, root, t, download) for t in (True, False))
            xtr = _normalise(_array(tr.data), mean, std)
            xte = _normalise(_array(te.data), mean, std)
            ytr = _array(tr.targets).astype(np.int64)
            yte = _array(te.targets).astype(np.int64)
            classes, shape = list(tr.classes), tuple(xtr.shape[1:])
    elif os.path.isdir(name):
        (xtr, ytr), (xte, yte), classes, shape, mean, std = _load_folder(name, image_size, seed)
        style = "resize"
    else:
        raise _unknown(name)
    if not 0.0 <= val_split < 1.0:
        raise ValueError(f"--val-split must be in [0, 1), got {val_split}")
    xval = yval = None
    if val_split > 0:
        order = np.random.default_rng(seed).permutation(len(xtr))
        n_val = max(1, int(round(len(xtr) * val_split)))
        val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
        xval, yval = xtr[val_idx], ytr[val_idx]
        xtr, ytr = xtr[train_idx], ytr[train_idx]
    if limit is not None:
        if limit < 1:
            raise ValueError(f"--limit must be at least 1, got {limit}")
        xtr, ytr = xtr[:limit], ytr[:limit]
    if len(xtr) == 0:
        raise ValueError(f"dataset {name} has no training samples left")

    def ds(x, y):
        return TensorDataset(Tensor._wrap(np.ascontiguousarray(x, np.float32)), Tensor._wrap(y))
    return Data(name=name, train=ds(xtr, ytr), val=ds(xval, yval) if xval is not None else None,
                test=ds(xte, yte), classes=[str(c) for c in classes], input_shape=tuple(shape),
                mean=tuple(mean) if mean is not None else None,
                std=tuple(std) if std is not None else None, style=style)


def describe(name, root="./data"):
    """A dict about a named dataset: description, classes, shape, where its files are."""
    if name not in DATASETS:
        raise _unknown(name)
    desc, mean, std, style = DATASETS[name]
    info = {"name": name, "description": desc, "normalisation": {"mean": mean, "std": std}}
    if name == "xor":
        info.update(classes=["0", "1"], input_shape=[2], available=True, location="generated")
        return info
    from ..vision import datasets
    cls = {"mnist-sample": datasets.MNISTSample, "mnist": datasets.MNIST,
           "fashion-mnist": datasets.FashionMNIST, "cifar10": datasets.CIFAR10}[name]
    info["classes"] = list(cls.classes)
    info["input_shape"] = [3, 32, 32] if name == "cifar10" else [1, 28, 28]
    info["preprocess"] = style
    if name == "mnist-sample":
        from ..vision.datasets.sample import SAMPLE_PATH
        info.update(available=True, location=SAMPLE_PATH)
    elif name == "cifar10":
        folder = os.path.join(root, cls.base_folder)
        info.update(location=folder, available=all(
            os.path.isfile(os.path.join(folder, f)) for f in cls.train_list + cls.test_list))
    else:
        from ..vision.io import idx_complete
        folder = os.path.join(root, cls.__name__, "raw")
        names = [os.path.splitext(f)[0] for f, _ in cls.resources]
        found = [next((p for p in (os.path.join(folder, n), os.path.join(folder, n + ".gz"))
                       if os.path.isfile(p)), None) for n in names]
        # present but shorter than its header says (an interrupted copy): not ready
        info.update(location=folder, available=all(p and idx_complete(p) for p in found),
                    incomplete=[p for p in found if p and not idx_complete(p)])
        if not info["available"] and cls.local_dirs:
            info["local_copy"] = cls.local_dirs
    return info


def fetch(name, root="./data"):
    """Download (or copy from a local package) the files of dataset ``name``; returns the sizes
    of its train and test splits."""
    if name not in DATASETS:
        raise _unknown(name)
    if name == "xor":
        return 1000, 200
    sizes = [len(_vision_split(name, root, train, True)) for train in (True, False)]
    return tuple(sizes)
