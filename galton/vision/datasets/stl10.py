"""STL-10: 96×96 colour images of 10 classes (5,000 train in 10 predefined folds, 8,000 test)
and 100,000 unlabeled ones, from the binary archive (``stl10_binary.tar.gz``: raw uint8
pixels, each image's channels stored column-major, labels 1..10 as bytes)."""
import os

import numpy as np

from .. import download as _dl
from ..io import require_pil
from .mnist import not_found_message
from .vision import VisionDataset

__all__ = ["STL10"]


class STL10(VisionDataset):
    """As ``torchvision.datasets.STL10``: ``split`` is "train", "test", "unlabeled" or
    "train+unlabeled"; ``folds`` (0–9) keeps one of the ten predefined 1,000-image subsets
    of the train split; ``dataset[i]`` is ``(PIL RGB image, int label)``, -1 for unlabeled
    images; ``.data`` is N×3×96×96 uint8, ``.labels`` int64. Files are read from
    ``root/stl10_binary/``.
    """

    base_folder = "stl10_binary"
    mirrors = ["http://ai.stanford.edu/~acoates/stl10/"]
    filename = "stl10_binary.tar.gz"
    tgz_md5 = "91f7769df0f17e558f3565bffb0c7dfb"
    class_names_file = "class_names.txt"
    folds_list_file = "fold_indices.txt"
    train_list = ["train_X.bin", "train_y.bin"]
    test_list = ["test_X.bin", "test_y.bin"]
    unlabeled_list = ["unlabeled_X.bin"]
    splits = ("train", "train+unlabeled", "unlabeled", "test")
    local_dirs = []
    _SIDE = 96

    def __init__(self, root, split="train", folds=None, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if split not in self.splits:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(map(repr, self.splits))}}}.")
        self.split = split
        self.folds = self._verify_folds(folds)
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        needed = {"train": self.train_list, "test": self.test_list,
                  "unlabeled": self.unlabeled_list,
                  "train+unlabeled": self.train_list + self.unlabeled_list}[split]
        if not all(os.path.isfile(os.path.join(folder, f)) for f in needed):
            raise RuntimeError(not_found_message(folder, needed) + "\n(or put "
                               f"{self.filename} in {self.root} and use download=True)")
        if split in ("train", "train+unlabeled"):
            self.data, self.labels = self._load(*self.train_list)
            self._apply_fold()
            if split == "train+unlabeled":
                unlabeled, _ = self._load(self.unlabeled_list[0])
                self.data = np.concatenate((self.data, unlabeled))
                self.labels = np.concatenate((self.labels, np.full(len(unlabeled), -1)))
        elif split == "unlabeled":
            self.data, _ = self._load(self.unlabeled_list[0])
            self.labels = np.full(len(self.data), -1, dtype=np.int64)
        else:
            self.data, self.labels = self._load(*self.test_list)
        names = os.path.join(folder, self.class_names_file)
        self.classes = []
        if os.path.isfile(names):
            with open(names, encoding="ascii") as f:
                self.classes = f.read().split()

    def _verify_folds(self, folds):
        if folds is None:
            return None
        if isinstance(folds, int) and not isinstance(folds, bool):
            if folds in range(10):
                return folds
            raise ValueError(f"Value for argument folds should be in the range [0, 10), but "
                             f"got {folds}.")
        raise ValueError(f"Expected type None or int for argument folds, but got type "
                         f"{type(folds)}.")

    def _load(self, data_file, labels_file=None):
        folder = os.path.join(self.root, self.base_folder)
        path = os.path.join(folder, data_file)
        raw = np.fromfile(path, dtype=np.uint8)
        per_image = 3 * self._SIDE * self._SIDE
        if raw.size % per_image:
            raise ValueError(f"{path}: {raw.size} bytes is not a whole number of 3×96×96 "
                             "images; the file is truncated or not STL-10")
        # each channel is stored column by column: swap to rows
        images = np.ascontiguousarray(
            raw.reshape(-1, 3, self._SIDE, self._SIDE).transpose(0, 1, 3, 2))
        labels = None
        if labels_file is not None:
            lpath = os.path.join(folder, labels_file)
            labels = np.fromfile(lpath, dtype=np.uint8).astype(np.int64) - 1  # 1..10 -> 0..9
            if len(labels) != len(images):
                raise ValueError(f"{lpath}: {len(labels)} labels for {len(images)} images in "
                                 f"{path}")
            if len(labels) and (labels.min() < 0 or labels.max() > 9):
                raise ValueError(f"{lpath}: labels must be 1..10, found {labels.min() + 1}.."
                                 f"{labels.max() + 1}")
        return images, labels

    def _apply_fold(self):
        if self.folds is None:
            return
        path = os.path.join(self.root, self.base_folder, self.folds_list_file)
        with open(path, encoding="ascii") as f:
            lines = f.read().splitlines()
        if len(lines) <= self.folds:
            raise ValueError(f"{path}: fold {self.folds} asked, the file has {len(lines)}")
        idx = np.array(lines[self.folds].split(), dtype=np.int64)
        if len(idx) and (idx.min() < 0 or idx.max() >= len(self.data)):
            raise ValueError(f"{path}: fold {self.folds} holds an index outside 0.."
                             f"{len(self.data) - 1}")
        self.data, self.labels = self.data[idx], self.labels[idx]

    def download(self):
        """Get the archive (local copy, else mirrors, MD5-checked) and extract its files."""
        folder = os.path.join(self.root, self.base_folder)
        files = (self.train_list + self.test_list + self.unlabeled_list
                 + [self.class_names_file, self.folds_list_file])
        if all(os.path.isfile(os.path.join(folder, f)) for f in files):
            return
        hint = (f"If this machine is offline, download {self.filename} on another machine and "
                f"place it in {self.root}.")
        archive = _dl.fetch(self.root, self.filename, self.tgz_md5,
                            [m + self.filename for m in self.mirrors], self.local_dirs, hint)
        _dl.extract_archive(archive, self.root, [f"{self.base_folder}/{f}" for f in files])

    def __getitem__(self, index):
        img, target = self.data[index], int(self.labels[index])
        img = require_pil("STL10").fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {self.split}"
