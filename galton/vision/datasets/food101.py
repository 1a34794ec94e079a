"""Food-101: 101,000 photos of 101 dishes (750 train and 250 test images a class), as
``torchvision.datasets.Food101``, from the archive ``food-101.tar.gz`` (``food-101/images/
<class>/<id>.jpg`` and the split lists ``food-101/meta/{train,test}.json``)."""
import json
import os

from .. import download as _dl
from .folder import default_loader
from .vision import VisionDataset

__all__ = ["Food101"]


class Food101(VisionDataset):
    """``split`` is "train" or "test"; ``dataset[i]`` is ``(PIL RGB image, int label)``, the
    label an index into ``classes`` (the dish names, sorted). Files are read from
    ``root/food-101/``; ``download=True`` fetches and extracts the 5 GB archive (or copies it
    from a local dataset folder, see galton.vision.download)."""

    _URL = "http://data.vision.ee.ethz.ch/cvl/food-101.tar.gz"
    _MD5 = "85eeb15f3717b99a5da872d97d918f87"
    _FILENAME = "food-101.tar.gz"
    local_dirs = []

    def __init__(self, root, split="train", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if split not in ("train", "test"):
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             "{'train', 'test'}.")
        self._split = split
        self._base_folder = os.path.join(self.root, "food-101")
        self._meta_folder = os.path.join(self._base_folder, "meta")
        self._images_folder = os.path.join(self._base_folder, "images")
        if download:
            self._download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        with open(os.path.join(self._meta_folder, f"{split}.json"), encoding="utf-8") as f:
            metadata = json.load(f)
        self.classes = sorted(metadata.keys())
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self._labels, self._image_files = [], []
        # the file's order of classes and images, as torchvision reads it
        for label, rel_paths in metadata.items():
            self._labels += [self.class_to_idx[label]] * len(rel_paths)
            self._image_files += [os.path.join(self._images_folder, *f"{p}.jpg".split("/"))
                                  for p in rel_paths]
        self.loader = loader

    def __len__(self):
        return len(self._image_files)

    def __getitem__(self, idx):
        image, label = self.loader(self._image_files[idx]), self._labels[idx]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def extra_repr(self):
        return f"split={self._split}"

    def _check_exists(self):
        return os.path.isdir(self._meta_folder) and os.path.isdir(self._images_folder)

    def _download(self):
        if self._check_exists():
            return
        hint = (f"If this machine is offline, download {self._FILENAME} on another machine and "
                f"place it in {self.root}.")
        archive = _dl.fetch(self.root, self._FILENAME, self._MD5, [self._URL], self.local_dirs,
                            hint)
        _dl.extract_tree(archive, self.root, "food-101/")
