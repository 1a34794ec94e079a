"""SVHN (Street View House Numbers, cropped digits): 73,257 train, 26,032 test and 531,131
extra 32×32 colour images, read from the MATLAB v5 files the authors publish with galton's
own reader (:mod:`galton.vision.matfile`; no SciPy, nothing unpickled)."""
import os

import numpy as np

from .. import download as _dl
from ..io import require_pil
from ..matfile import loadmat
from .mnist import not_found_message
from .vision import VisionDataset

__all__ = ["SVHN"]


class SVHN(VisionDataset):
    """As ``torchvision.datasets.SVHN``: ``split`` is "train", "test" or "extra";
    ``dataset[i]`` is ``(PIL RGB image, int label)``; ``.data`` is N×3×32×32 uint8 and
    ``.labels`` an int64 array with the digit 0 where the files say 10. Files are read from
    ``root`` (``train_32x32.mat``...).

    >>> test = SVHN("./data", split="test", download=True, transform=transforms.ToTensor())
    """

    mirrors = ["http://ufldl.stanford.edu/housenumbers/"]
    split_list = {
        "train": ("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373"),
        "test": ("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3"),
        "extra": ("extra_32x32.mat", "a93ce644f1a588dc4d68dda5feec44a7"),
    }
    local_dirs = []

    def __init__(self, root, split="train", transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if split not in self.split_list:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(map(repr, self.split_list))}}}.")
        self.split = split
        self.filename, self.file_md5 = self.split_list[split]
        if download:
            self.download()
        path = os.path.join(self.root, self.filename)
        if not os.path.isfile(path):
            raise RuntimeError(not_found_message(self.root, [self.filename]))
        arrays = loadmat(path)
        if "X" not in arrays or "y" not in arrays:
            raise ValueError(f"{path}: expected the variables X and y of an SVHN file, found "
                             f"{sorted(arrays) or 'none'}")
        x, y = arrays["X"], arrays["y"]
        if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
            raise ValueError(f"{path}: X must be uint8 of shape (32, 32, 3, N), got {x.dtype} "
                             f"of shape {x.shape}")
        labels = y.astype(np.int64).reshape(-1)
        if len(labels) != x.shape[3]:
            raise ValueError(f"{path}: {len(labels)} labels for {x.shape[3]} images")
        if len(labels) and (labels.min() < 0 or labels.max() > 10):
            raise ValueError(f"{path}: labels must be 1..10 (10 for the digit 0), found "
                             f"{labels.min()}..{labels.max()}")
        self.labels = labels % 10  # the files write the digit 0 as 10
        self.data = np.ascontiguousarray(x.transpose(3, 2, 0, 1))  # (N, C, H, W)

    def download(self):
        """Fetch this split's file (local copy, else mirrors), MD5-checked."""
        hint = (f"If this machine is offline, download {self.filename} on another machine and "
                f"place it in {self.root}.")
        _dl.fetch(self.root, self.filename, self.file_md5,
                  [m + self.filename for m in self.mirrors], self.local_dirs, hint)

    def __getitem__(self, index):
        img, target = self.data[index], int(self.labels[index])
        img = require_pil("SVHN").fromarray(np.transpose(img, (1, 2, 0)))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def extra_repr(self):
        return f"Split: {self.split}"
