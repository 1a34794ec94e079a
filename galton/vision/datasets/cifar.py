"""CIFAR-10 and CIFAR-100 from their binary versions (fixed-length records), never the pickled
ones.

The pickled batches torchvision reads would run code from the file on loading; the binary
versions hold the same images as plain bytes: each CIFAR-10 record is one label byte then 3,072
pixel bytes (1,024 red, 1,024 green, 1,024 blue, each 32×32 in row order); a CIFAR-100 record
has two label bytes (coarse, then fine) before the same pixels.
"""
import os

import numpy as np

from .. import download as _dl
from ..io import require_pil
from .mnist import as_array, not_found_message
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "read_cifar_bin"]

_PIXELS = 3 * 32 * 32


def read_cifar_bin(path, label_bytes=1, num_classes=(10,), name="CIFAR-10"):
    """Images (N×32×32×3 uint8, HWC) and labels of one CIFAR ``.bin`` file: an int64 array N
    for one label byte (CIFAR-10), N×2 (coarse, fine) for two (CIFAR-100)."""
    record = label_bytes + _PIXELS
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % record:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {name} records "
                         f"({record} bytes each); the file is truncated or not {name}")
    records = raw.reshape(-1, record)
    labels = records[:, :label_bytes].astype(np.int64)
    for column, n in enumerate(num_classes):
        if labels[:, column].max() >= n:
            raise ValueError(f"{path}: label {labels[:, column].max()} out of range 0..{n - 1}; "
                             f"not a {name} file")
    images = records[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), (labels[:, 0] if label_bytes == 1 else labels)


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
        _dl.extract_archive(archive, self.root,
                            [f"{self.base_folder}/{f}" for f in self._members()])

    def _members(self):
        # the archive's files that are read
        return self.train_list + self.test_list + [self.meta_file]

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


# CIFAR-100's 100 fine classes (alphabetical, as in fine_label_names.txt) and 20 superclasses
_FINE = """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus
butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab
crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard
lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom
oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine
possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake
spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor
train trout tulip turtle wardrobe whale willow_tree wolf woman worm""".split()


class CIFAR100(CIFAR10):
    """CIFAR-100: 50,000 train and 10,000 test 32×32 colour images of 100 classes (grouped in
    20 superclasses).

    As ``torchvision.datasets.CIFAR100``: ``dataset[i]`` is ``(PIL RGB image, fine label)``,
    ``.data`` N×32×32×3 uint8, ``.targets`` the fine labels, ``.classes`` their names; galton
    adds ``.coarse_targets`` and ``.coarse_classes``. torchvision reads the pickled "python
    version"; galton never unpickles, so it reads the *binary version*
    (``cifar-100-binary.tar.gz``, the same images and labels as plain bytes) from
    ``root/cifar-100-binary/``: ``train.bin``, ``test.bin`` and the two label-name files.
    """

    base_folder = "cifar-100-binary"
    filename = "cifar-100-binary.tar.gz"
    tgz_md5 = "03b5dce01913d631647c71ecec9e9cb8"
    train_list = ["train.bin"]
    test_list = ["test.bin"]
    meta_file = "fine_label_names.txt"
    coarse_meta_file = "coarse_label_names.txt"
    classes = _FINE

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        VisionDataset.__init__(self, root, transform=transform,
                               target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        files = self.train_list if train else self.test_list
        if not all(os.path.isfile(os.path.join(folder, f)) for f in files):
            raise RuntimeError(not_found_message(folder, files) + "\n(or put "
                               f"{self.filename} in {self.root} and use download=True)")
        parts = [read_cifar_bin(os.path.join(folder, f), 2, (20, 100), "CIFAR-100")
                 for f in files]
        self.data = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        self.targets = labels[:, 1].tolist()
        self.coarse_targets = labels[:, 0].tolist()
        self.classes = self._names(self.meta_file, 100) or list(_FINE)
        self.coarse_classes = self._names(self.coarse_meta_file, 20)

    def _names(self, filename, n):
        path = os.path.join(self.root, self.base_folder, filename)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="ascii") as f:
            names = [line.strip() for line in f if line.strip()]
        return names if len(names) == n else None

    def _members(self):
        return super()._members() + [self.coarse_meta_file]
