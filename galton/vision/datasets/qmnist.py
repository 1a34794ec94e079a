"""QMNIST (Yadav & Bottou, 2019): MNIST's 60,000 test digits recovered from NIST, with the
writer, the NIST series and the digit's index for each image; the same IDX format, labels
as an int32 table of 8 columns."""
import lzma
import os
import shutil

import numpy as np

from ...tensor import Tensor
from .. import download as _dl
from ..io import read_idx, require_pil
from .mnist import MNIST, not_found_message

__all__ = ["QMNIST"]

_BASE = "https://raw.githubusercontent.com/facebookresearch/qmnist/master/"


class QMNIST(MNIST):
    """As ``torchvision.datasets.QMNIST``: ``what`` is "train", "test" (60,000), "test10k"
    (its first 10,000: MNIST's test set), "test50k" (the other 50,000) or "nist" (all
    402,953 NIST digits); ``compat=True`` makes the target the class only, else the
    8-column row (class, NIST series, writer id, digit index, ...). ``.targets`` is the
    int64 table N×8. Files are read from ``root/QMNIST/raw/`` (plain, ``.gz`` or ``.xz``).
    """

    subsets = {"train": "train", "test": "test", "test10k": "test", "test50k": "test",
               "nist": "nist"}
    resources = {
        "train": [(_BASE + "qmnist-train-images-idx3-ubyte.gz",
                   "ed72d4157d28c017586c42bc6afe6370"),
                  (_BASE + "qmnist-train-labels-idx2-int.gz",
                   "0058f8dd561b90ffdd0f734c6a30e5e4")],
        "test": [(_BASE + "qmnist-test-images-idx3-ubyte.gz",
                  "1394631089c404de565df7b7aeaf9412"),
                 (_BASE + "qmnist-test-labels-idx2-int.gz",
                  "5b5b05890a5e13444e108efe57b788aa")],
        "nist": [(_BASE + "xnist-images-idx3-ubyte.xz", "7f124b3b8ab81486c9d8c2749c17f834"),
                 (_BASE + "xnist-labels-idx2-int.xz", "5ed0e788978e45d4a8bd4b7caec3d79d")],
    }

    def __init__(self, root, what=None, compat=True, train=True, transform=None,
                 target_transform=None, download=False):
        if what is None:
            what = "train" if train else "test"
        if what not in self.subsets:
            raise ValueError(f"Unknown value '{what}' for argument what. Valid values are "
                             f"{{{', '.join(map(repr, self.subsets))}}}.")
        self.what, self.compat = what, compat
        super(MNIST, self).__init__(root, transform=transform,
                                    target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        images, labels = self._load_qmnist()
        if what == "test10k":
            images, labels = images[:10000], labels[:10000]
        elif what == "test50k":
            images, labels = images[10000:], labels[10000:]
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    def _files(self):
        return [url.rsplit("/", 1)[1] for url, _ in self.resources[self.subsets[self.what]]]

    def _plain(self, filename):
        """The readable file for ``filename`` (an .xz is decompressed once, next to it)."""
        if filename.endswith(".xz"):
            packed = os.path.join(self.raw_folder, filename)
            plain = packed[:-3]
            if not os.path.isfile(plain) and os.path.isfile(packed):
                with lzma.open(packed) as src, open(plain + ".part", "wb") as out:
                    shutil.copyfileobj(src, out)
                os.replace(plain + ".part", plain)
            return plain if os.path.isfile(plain) else None
        return self._find(filename[:-3] if filename.endswith(".gz") else filename)

    def _load_qmnist(self):
        names = self._files()
        paths = [self._plain(n) for n in names]
        if None in paths:
            raise RuntimeError(not_found_message(self.raw_folder, names))
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{paths[0]}: expected uint8 images of shape (N, H, W), got "
                             f"{images.dtype} of shape {images.shape}")
        if labels.ndim != 2 or len(labels) != len(images) or labels.shape[1] != 8:
            raise ValueError(f"{paths[1]}: expected an (N, 8) label table for the {len(images)}"
                             f" images of {paths[0]}, got shape {labels.shape}")
        bad = labels[:, 0][(labels[:, 0] < 0) | (labels[:, 0] > 9)]
        if len(bad):
            raise ValueError(f"{paths[1]}: class {int(bad[0])} is not a digit")
        return images, labels

    def download(self):
        """Fetch this subset's two files (local copy, else the URL), MD5-checked."""
        if all(self._plain(n) for n in self._files()):
            return
        hint = (f"If this machine is offline, download the files on another machine and place "
                f"them in {self.raw_folder}: " + ", ".join(self._files()))
        for url, md5 in self.resources[self.subsets[self.what]]:
            _dl.fetch(self.raw_folder, url.rsplit("/", 1)[1], md5, [url], self.local_dirs, hint)

    def __getitem__(self, index):
        arr = self.data._data[index]
        img = require_pil("QMNIST").fromarray(np.asarray(arr, dtype=np.uint8))
        row = self.targets._data[index]
        target = int(row[0]) if self.compat else Tensor._wrap(row.copy())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        return [self[i] for i in indices]

    def extra_repr(self):
        return f"Split: {self.what}"
