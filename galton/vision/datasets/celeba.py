"""CelebA: 202,599 aligned and cropped 178×218 face images of 10,177 people, with 40 binary
attributes, an identity, a bounding box and five landmarks per image; the images come in a
zip, the annotations in whitespace-separated text files."""
import os

import numpy as np

from ...tensor import Tensor
from .. import download as _dl
from ..io import require_pil
from .mnist import not_found_message
from .vision import VisionDataset

__all__ = ["CelebA"]

_GDRIVE = "https://drive.google.com/uc?export=download&id="


class CelebA(VisionDataset):
    """As ``torchvision.datasets.CelebA``: ``split`` is "train", "valid", "test" or "all";
    ``target_type`` one of (or a list of) "attr" (40 values 0/1), "identity", "bbox" (x, y,
    width, height), "landmarks" (10 coordinates); ``dataset[i]`` is ``(PIL image, target)``,
    the target an int64 tensor, a tuple of them for a list, None for an empty list.
    ``.attr_names`` names the attributes. Files are read from ``root/celeba/``: the folder
    ``img_align_celeba/`` (extracted from ``img_align_celeba.zip``) and the five annotation
    files.

    The files are published on Google Drive, whose download quota and confirmation page often
    refuse scripts; if ``download=True`` fails, fetch them with a browser and place them in
    ``root/celeba/`` (the error lists them).
    """

    base_folder = "celeba"
    # (Google Drive id, MD5, file name), as torchvision lists them
    file_list = [
        ("0B7EVK8r0v71pZjFTYXZWM3FlRnM", "00d2c5bc6d35e252742224ab0c1e8fcb",
         "img_align_celeba.zip"),
        ("0B7EVK8r0v71pblRyaVFSWGxPY0U", "75e246fa4810816ffd6ee81facbd244c",
         "list_attr_celeba.txt"),
        ("1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS", "32bd1bd63d3c78cd57e08160ec5ed1e2",
         "identity_CelebA.txt"),
        ("0B7EVK8r0v71pbThiMVRxWXZ4dU0", "00566efa6fedff7a56946cd1c10f1c16",
         "list_bbox_celeba.txt"),
        ("0B7EVK8r0v71pd0FJY3Blby1HUTQ", "cc24ecafdb5b50baae59b03474781f8c",
         "list_landmarks_align_celeba.txt"),
        ("0B7EVK8r0v71pY0NSMzRuSXJEVkk", "d32c9cbf5e040fd4025c592c306e6668",
         "list_eval_partition.txt"),
    ]
    mirrors = [_GDRIVE]  # each file's URL is mirror + its id
    local_dirs = []
    _SPLITS = {"train": 0, "valid": 1, "test": 2, "all": None}
    _TARGETS = ("attr", "identity", "bbox", "landmarks")

    def __init__(self, root, split="train", target_type="attr", transform=None,
                 target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if split not in self._SPLITS:
            raise ValueError(f"Unknown value '{split}' for argument split. Valid values are "
                             f"{{{', '.join(map(repr, self._SPLITS))}}}.")
        self.split = split
        self.target_type = list(target_type) if isinstance(target_type, (list, tuple)) \
            else [target_type]
        if not self.target_type and self.target_transform is not None:
            raise RuntimeError("target_transform is specified but target_type is empty")
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError(not_found_message(self.folder, [f for _, _, f in self.file_list])
                               + "\n(img_align_celeba.zip extracted as img_align_celeba/); "
                               "a present file with another MD5 is refused")

        names, partition = self._load_table("list_eval_partition.txt", header=None)
        want = self._SPLITS[split]
        mask = np.ones(len(names), bool) if want is None else partition[:, 0] == want
        self.filename = [n for n, keep in zip(names, mask) if keep]
        tables = {}
        for key, fname, header in (("identity", "identity_CelebA.txt", None),
                                   ("bbox", "list_bbox_celeba.txt", 1),
                                   ("landmarks_align", "list_landmarks_align_celeba.txt", 1),
                                   ("attr", "list_attr_celeba.txt", 1)):
            rows, values, heads = self._load_table(fname, header, with_header=True)
            if rows != names:
                raise ValueError(f"{os.path.join(self.folder, fname)}: its images are not "
                                 "those of list_eval_partition.txt, in the same order")
            tables[key] = values[mask]
            if key == "attr":
                self.attr_names = heads
        self.identity = Tensor._wrap(tables["identity"])
        self.bbox = Tensor._wrap(tables["bbox"])
        self.landmarks_align = Tensor._wrap(tables["landmarks_align"])
        self.attr = Tensor._wrap((tables["attr"] + 1) // 2)  # {-1, 1} -> {0, 1}

    @property
    def folder(self):
        return os.path.join(self.root, self.base_folder)

    def _load_table(self, filename, header=None, with_header=False):
        # rows of "image value value ...", after `header` lines (a count, then column names)
        path = os.path.join(self.folder, filename)
        with open(path, encoding="ascii") as f:
            lines = [line.split() for line in f.read().splitlines()]
        heads = lines[header] if header is not None else []
        body = [row for row in lines[(header + 1 if header is not None else 0):] if row]
        width = len(body[0]) if body else 0
        for i, row in enumerate(body):
            if len(row) != width:
                raise ValueError(f"{path}: row {i + 1} has {len(row)} fields, the first has "
                                 f"{width}")
        try:
            values = np.array([row[1:] for row in body], dtype=np.int64).reshape(len(body), -1)
        except ValueError as exc:
            raise ValueError(f"{path}: a value is not an integer ({exc})") from None
        names = [row[0] for row in body]
        return (names, values, heads) if with_header else (names, values)

    def _check_integrity(self):
        for _, md5, filename in self.file_list:
            ext = os.path.splitext(filename)[1]
            if ext == ".zip":
                continue  # the images are checked as the extracted folder
            if not _dl.check_integrity(os.path.join(self.folder, filename), md5):
                return False
        return os.path.isdir(os.path.join(self.folder, "img_align_celeba"))

    def download(self):
        """Fetch each file (local copy, else ``mirrors``), MD5-checked, and extract the
        images."""
        if self._check_integrity():
            return
        hint = (f"If the download is refused (Google Drive quotas), download the files with a "
                f"browser and place them in {self.folder}: "
                + ", ".join(f for _, _, f in self.file_list))
        for file_id, md5, filename in self.file_list:
            _dl.fetch(self.folder, filename, md5, [m + file_id for m in self.mirrors],
                      self.local_dirs, hint)
        _dl.extract_zip(os.path.join(self.folder, "img_align_celeba.zip"), self.folder,
                        "img_align_celeba/")

    def __getitem__(self, index):
        pil = require_pil("CelebA")
        path = os.path.join(self.folder, "img_align_celeba", self.filename[index])
        with pil.open(path) as im:
            X = im.convert("RGB") if im.mode != "RGB" else im.copy()
        target = []
        for t in self.target_type:
            if t == "attr":
                target.append(self.attr[index, :])
            elif t == "identity":
                target.append(self.identity[index, 0])
            elif t == "bbox":
                target.append(self.bbox[index, :])
            elif t == "landmarks":
                target.append(self.landmarks_align[index, :])
            else:
                raise ValueError(f'Target type "{t}" is not recognized.')
        if self.transform is not None:
            X = self.transform(X)
        if target:
            target = tuple(target) if len(target) > 1 else target[0]
            if self.target_transform is not None:
                target = self.target_transform(target)
        else:
            target = None
        return X, target

    def __len__(self):
        return len(self.attr)

    def extra_repr(self):
        return "\n".join(["Target type: {target_type}", "Split: {split}"]).format(
            **self.__dict__)
