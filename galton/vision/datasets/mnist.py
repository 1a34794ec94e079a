"""MNIST and the datasets that share its IDX files: Fashion-MNIST and Kuzushiji-MNIST.

Files live where torchvision puts them, ``root/<ClassName>/raw/train-images-idx3-ubyte``
(plain or ``.gz``), so a folder that torchvision filled works here and the other way round.
"""
import os

import numpy as np

from ...tensor import Tensor
from .. import download as _dl
from ..io import read_idx, require_pil
from .vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "not_found_message"]


def not_found_message(folder, filenames):
    """torchvision's message for missing files, plus where they must be placed."""
    names = "\n".join(f"  {name}" for name in filenames)
    return ("Dataset not found. You can use download=True to download it, or place these "
            f"files (each plain or .gz) in {folder}:\n{names}")


def as_array(x):
    """The NumPy array behind a tensor (or a list/array a user assigned to ``.data``)."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


class MNIST(VisionDataset):
    """The MNIST handwritten digits (60,000 train, 10,000 test), as ``torchvision.datasets.MNIST``.

    ``dataset[i]`` is ``(PIL image in mode 'L', int label)`` after the transforms; ``.data``
    is a uint8 tensor N×28×28 and ``.targets`` an int64 tensor N.

    >>> train = MNIST("./data", train=True, download=True, transform=transforms.ToTensor())
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    # directories on this machine that may already hold the .gz files (see download.py)
    local_dirs = []
    local_md5s = {}  # other accepted sums of local copies, by file name
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        images, labels = self._load()
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    # --- where the files are ---------------------------------------------------------------
    @property
    def raw_folder(self):
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _split_files(self):
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def _find(self, name):
        # the extracted file (what torchvision leaves) or the .gz as downloaded
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self):
        return all(self._find(os.path.splitext(f)[0]) for f, _ in self.resources)

    def _load(self):
        names = self._split_files()
        paths = [self._find(n) for n in names]
        if None in paths:
            raise RuntimeError(not_found_message(self.raw_folder, names))
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"{paths[0]}: expected uint8 images of shape (N, H, W), got "
                             f"{images.dtype} of shape {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"{paths[1]}: expected {len(images)} labels (one per image in "
                             f"{paths[0]}), got shape {labels.shape}")
        bad = labels[(labels < 0) | (labels >= len(self.classes))]
        if len(bad):
            raise ValueError(f"{paths[1]}: label {int(bad[0])} is not a class of "
                             f"{type(self).__name__} (0 to {len(self.classes) - 1})")
        return images, labels

    # --- getting the files -----------------------------------------------------------------
    def download(self):
        """Fetch the missing files: local copies first, then each mirror in turn."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        hint = (f"If this machine is offline, download the files on another machine and place "
                f"them in {self.raw_folder}: " + ", ".join(f for f, _ in self.resources))
        for filename, md5 in self.resources:
            path = os.path.join(self.raw_folder, filename)
            if self._find(os.path.splitext(filename)[0]) or _dl.check_integrity(path, md5):
                continue
            local = _dl.find_local_copy(filename, (md5,) + self.local_md5s.get(filename, ()),
                                        self.local_dirs)
            if local is not None:
                _dl.copy_local(local, path)
                continue
            _dl.download_url([m + filename for m in self.mirrors], path, md5, hint=hint)

    # --- the items ---------------------------------------------------------------------------
    def __getitem__(self, index):
        img = as_array(self.data)[index]
        target = int(as_array(self.targets)[index])
        img = require_pil(type(self).__name__).fromarray(np.asarray(img, dtype=np.uint8))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        """A whole batch of items (the DataLoader asks for this when it exists).

        When the transform is only ToTensor, optionally followed by Normalize, the batch is
        converted in one pass over a (B, 1, H, W) array instead of one PIL image per item: the
        same float32 operations, so the same values, without the per-image work.
        """
        steps = _tensor_only_steps(self.transform)
        if steps is None or self.target_transform is not None:
            return [self[i] for i in indices]
        from ..transforms import functional as TF
        idx = np.asarray(indices, dtype=np.int64)
        images = np.asarray(as_array(self.data)[idx], dtype=np.uint8)
        batch = TF.to_tensor(images.transpose(1, 2, 0))  # (B, H, W) as H x W x B: B "channels"
        batch = Tensor._wrap(batch._data[:, None])          # -> (B, 1, H, W)
        for t in steps:
            batch = t(batch)
        targets = as_array(self.targets)[idx]
        return [(Tensor._wrap(batch._data[k]), int(targets[k])) for k in range(len(idx))]

    def __len__(self):
        return len(as_array(self.data))

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


def _tensor_only_steps(transform):
    """The Normalize steps after a leading ToTensor, or None when the transform is anything
    else (then items go through PIL one by one, as torchvision does)."""
    from ..transforms import Compose, Normalize, ToTensor
    if isinstance(transform, ToTensor):
        return []
    if not isinstance(transform, Compose) or not transform.transforms:
        return None
    first, rest = transform.transforms[0], transform.transforms[1:]
    if type(first) is not ToTensor or any(type(t) is not Normalize for t in rest):
        return None
    return list(rest)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (28×28 grey clothes, 10 classes), as torchvision's.

    Debian's ``dataset-fashion-mnist`` package is used when installed, without network.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    local_dirs = ["/usr/share/datasets/fashion-mnist"]
    # Debian's dataset-fashion-mnist recompressed the same IDX content: its .gz sums
    local_md5s = {
        "train-images-idx3-ubyte.gz": ("cf8536b0aa1a6ac5fa3f23001093305c",),
        "train-labels-idx1-ubyte.gz": ("10bea18fdb374794d4bb42e356e600c9",),
        "t10k-images-idx3-ubyte.gz": ("f78720b4224f21cce2f2ccf2d7a94c9a",),
        "t10k-labels-idx1-ubyte.gz": ("0d30e22e447f3c33dab9ed536400ac01",),
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


class KMNIST(MNIST):
    """Kuzushiji-MNIST (28×28 cursive Japanese characters, 10 classes), as torchvision's."""

    mirrors = ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"),
        ("train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"),
        ("t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"),
        ("t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"),
    ]
    classes = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
