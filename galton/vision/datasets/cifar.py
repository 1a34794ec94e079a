"""CIFAR-10 from its binary version (fixed-length records), never the pickled one.

The pickled batches torchvision reads would run code from the file on loading; the binary
version holds the same images as plain bytes: each record is one label byte then 3,072 pixel
bytes (1,024 red, 1,024 green, 1,024 blue, each 32×32 in row order).
"""
import os

import numpy as np

from .. import download as _dl
from ..io import require_pil
from .mnist import as_array, not_found_message
from .vision import VisionDataset

__all__ = ["CIFAR10"]

_RECORD = 1 + 3 * 32 * 32


def read_cifar_bin(path):
    """Images (N×32×32×3 uint8, HWC) and labels (N int64) of one CIFAR-10 ``.bin`` file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of CIFAR-10 records "
                         f"({_RECORD} bytes each); the file is truncated or not CIFAR-10")
    records = raw.reshape(-1, _RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise ValueError(f"{path}: label {labels.max()} out of range 0..9; not a CIFAR-10 file")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 train and 10,000 test 32×32 colour images of 10 classes.

    As ``torchvision.datasets.CIFAR10``: ``dataset[i]`` is ``(PIL RGB image, int)``, ``.data``
    a NumPy array N×32×32×3 uint8, ``.targets`` a list of ints. Files are read from
    ``root/cifar-10-batches-bin/`` (the extracted binary archive).
    """

    base_folder = "cifar-10-batches-bin"
    filename = "cifar-10-binary.tar.gz"
    tgz_md5 = "c32a1d4ab5d03f1284b67883e8d87530"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    local_dirs = []
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    meta_file = "batches.meta.txt"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        files = self.train_list if train else self.test_list
        if not all(os.path.isfile(os.path.join(folder, f)) for f in files):
            raise RuntimeError(not_found_message(folder, files) + "\n(or put "
                               f"{self.filename} in {self.root} and use download=True)")
        parts = [read_cifar_bin(os.path.join(folder, f)) for f in files]
        self.data = np.concatenate([p[0] for p in parts])
        self.targets = np.concatenate([p[1] for p in parts]).tolist()
        meta = os.path.join(folder, self.meta_file)
        if os.path.isfile(meta):
            with open(meta, encoding="ascii") as f:
                names = [line.strip() for line in f if line.strip()]
            if len(names) == 10:
                self.classes = names

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self):
        folder = os.path.join(self.root, self.base_folder)
        return all(os.path.isfile(os.path.join(folder, f))
                   for f in self.train_list + self.test_list)

    def download(self):
        """Get the archive (local copy, else mirrors, MD5-checked) and extract the batches."""
        if self._check_integrity():
            return
        archive = os.path.join(self.root, self.filename)
        if not _dl.check_integrity(archive, self.tgz_md5):
            local = _dl.find_local_copy(self.filename, self.tgz_md5, self.local_dirs)
            if local is not None:
                _dl.copy_local(local, archive)
            else:
                hint = (f"If this machine is offline, download {self.filename} on another "
                        f"machine and place it in {self.root}.")
                _dl.download_url([m + self.filename for m in self.mirrors], archive,
                                 self.tgz_md5, hint=hint)
        members = [f"{self.base_folder}/{f}"
                   for f in self.train_list + self.test_list + [self.meta_file]]
        _dl.extract_archive(archive, self.root, members)

    def __getitem__(self, index):
        img, target = as_array(self.data)[index], int(self.targets[index])
        img = require_pil(type(self).__name__).fromarray(np.asarray(img, dtype=np.uint8))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"
