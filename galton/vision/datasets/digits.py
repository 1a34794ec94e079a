"""Two small 16×16 handwritten-digit sets in plain text: USPS (7,291 train, 2,007 test; the
LIBSVM files, bzip2'd, values in [-1, 1]) and SEMEION (1,593 digits; 256 0/1 pixels and a
one-hot label per line)."""
import bz2
import os

import numpy as np

from .. import download as _dl
from ..io import require_pil
from .mnist import not_found_message
from .vision import VisionDataset

__all__ = ["USPS", "SEMEION"]


class _GrayDigits(VisionDataset):
    """``dataset[i]`` is ``(PIL image in mode 'L', int label)``; ``.data`` N×16×16 uint8."""

    local_dirs = []

    def _fetch(self, filename, md5, url):
        hint = (f"If this machine is offline, download {filename} on another machine and place "
                f"it in {self.root}.")
        _dl.fetch(self.root, filename, md5, [url], self.local_dirs, hint)

    def _path(self, filename, md5):
        path = os.path.join(self.root, filename)
        if not _dl.check_integrity(path, md5):
            raise RuntimeError(not_found_message(self.root, [filename]) + "\n(a file there with "
                               "another MD5 is refused: it is damaged or another file)")
        return path

    def __getitem__(self, index):
        img = require_pil(type(self).__name__).fromarray(self.data[index])  # 2-D uint8: mode "L"
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)


class USPS(_GrayDigits):
    """The USPS digits, as ``torchvision.datasets.USPS``: ``train=True`` reads ``usps.bz2``,
    else ``usps.t.bz2`` from ``root``; pixel values v in [-1, 1] become (v + 1) / 2 · 255 and
    labels 1..10 become 0..9. ``.targets`` is a list of ints."""

    split_list = {
        "train": ("https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.bz2",
                  "usps.bz2", "ec16c51db3855ca6c91edd34d0e9b197"),
        "test": ("https://www.csie.ntu.edu.tw/~cjlin/libsvmtools/datasets/multiclass/usps.t.bz2",
                 "usps.t.bz2", "8ea070ee2aca1ac39742fdd1ef5ed118"),
    }

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        url, filename, md5 = self.split_list["train" if train else "test"]
        if download:
            self._fetch(filename, md5, url)
        path = self._path(filename, md5)
        with bz2.open(path, "rt", encoding="ascii") as f:
            rows = [line.split() for line in f if line.strip()]
        try:
            pixels = np.array([[field.split(":")[-1] for field in row[1:]] for row in rows],
                              dtype=np.float32)
            labels = [int(row[0]) - 1 for row in rows]
        except ValueError as exc:
            raise ValueError(f"{path}: not LIBSVM rows of 256 values ({exc})") from None
        if pixels.ndim != 2 or pixels.shape[1] != 256:
            raise ValueError(f"{path}: expected 256 values per row, got {pixels.shape}")
        self.data = ((pixels.reshape(-1, 16, 16) + 1) / 2 * 255).astype(np.uint8)
        self.targets = labels


class SEMEION(_GrayDigits):
    """The SEMEION digits, as ``torchvision.datasets.SEMEION``: ``root/semeion.data``, each
    line 256 pixels (0 or 1, shown as 0 or 255) and 10 one-hot label columns; ``.labels``
    holds the digits. torchvision downloads by default here too (``download=True``)."""

    url = "http://archive.ics.uci.edu/ml/machine-learning-databases/semeion/semeion.data"
    filename = "semeion.data"
    md5_checksum = "cb545d371d2ce14ec121470795a77432"

    def __init__(self, root, transform=None, target_transform=None, download=True):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if download:
            self._fetch(self.filename, self.md5_checksum, self.url)
        path = self._path(self.filename, self.md5_checksum)
        try:
            table = np.loadtxt(path, dtype=np.float64, ndmin=2)
        except ValueError as exc:
            raise ValueError(f"{path}: not rows of numbers ({exc})") from None
        if table.shape[1] != 266:
            raise ValueError(f"{path}: expected 266 columns (256 pixels, 10 labels), got "
                             f"{table.shape[1]}")
        onehot = table[:, 256:]
        if not (onehot.sum(1) == 1).all():
            raise ValueError(f"{path}: each row needs exactly one label column set")
        self.data = (table[:, :256] * 255).astype(np.uint8).reshape(-1, 16, 16)
        self.labels = np.nonzero(onehot)[1]

    @property
    def targets(self):
        return self.labels
