"""``--data NAME=SOURCE``: torchvision's dataset constructors read a local copy.

A program calls ``datasets.MNIST('../data', train=True, download=True, ...)``; with
``--data mnist=mnist-sample`` that call gets galton's shipped sample, with
``--data fashion=/usr/share/datasets/fashion-mnist`` FashionMNIST reads the IDX files of that
folder. Nothing is redirected unless asked, and each redirected constructor says so on stderr
the first time it runs: the program's figures must never come from data it did not name.
"""
import os
import sys

from ..vision import datasets as _datasets
from ..vision.datasets.mnist import MNIST as _MNIST
from ..vision.datasets.sample import SAMPLE_PATH, MNISTSample as _MNISTSample

__all__ = ["DATASETS", "parse_data_flag", "redirect"]

# the names --data accepts -> the torchvision class each one replaces
DATASETS = {"mnist": "MNIST", "fashion": "FashionMNIST", "fashion-mnist": "FashionMNIST",
            "fashionmnist": "FashionMNIST", "kmnist": "KMNIST"}
SAMPLE = "mnist-sample"


def _idx_folder(cls, folder):
    """The folder that holds ``cls``'s IDX files: ``folder`` itself or torchvision's layout
    under it (``folder/MNIST/raw``); None when neither has all four."""
    names = [os.path.splitext(f)[0] for f, _ in cls.resources]
    for candidate in (folder, os.path.join(folder, cls.__name__, "raw")):
        if all(os.path.isfile(os.path.join(candidate, n)) or
               os.path.isfile(os.path.join(candidate, n + ".gz")) for n in names):
            return candidate
    return None


def parse_data_flag(values):
    """``["mnist=mnist-sample", ...]`` -> {class name: source}; bad values raise ValueError."""
    out = {}
    for value in values or ():
        name, sep, source = value.partition("=")
        key = name.strip().lower()
        if not sep or not source:
            raise ValueError(f"--data {value}: expected NAME=SOURCE, e.g. mnist=mnist-sample or "
                             f"fashion=/usr/share/datasets/fashion-mnist")
        if key not in DATASETS:
            raise ValueError(f"--data {value}: unknown dataset {name!r} (known: "
                             f"{', '.join(sorted(DATASETS))})")
        cls_name = DATASETS[key]
        if source == SAMPLE:
            if cls_name != "MNIST":
                raise ValueError(f"--data {value}: {SAMPLE} holds MNIST digits, not {cls_name}")
        else:
            cls = getattr(_datasets, cls_name)
            if not os.path.isdir(source):
                raise ValueError(f"--data {value}: {source} is not a folder (give {SAMPLE} or "
                                 f"a folder holding the IDX files)")
            if _idx_folder(cls, source) is None:
                files = ", ".join(f for f, _ in cls.resources)
                raise ValueError(f"--data {value}: {source} does not hold {cls_name}'s files "
                                 f"({files}, each plain or .gz, directly or under "
                                 f"{cls_name}/raw/)")
        out[cls_name] = source
    return out


def _local_class(base, source):
    """A subclass of ``base`` (so isinstance checks hold) whose constructor takes torchvision's
    arguments, ignores root and download, and reads ``source``."""
    announced = set()

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        if source == SAMPLE:
            _MNISTSample.__init__(self, root, train=train, transform=transform,
                                  target_transform=target_transform)
        else:
            base.__init__(self, root, train=train, transform=transform,
                          target_transform=target_transform, download=False)
        split = "train" if train else "test"
        if split not in announced:
            announced.add(split)
            print(f"galton run: torchvision.datasets.{base.__name__}(train={bool(train)}) "
                  f"reads {source} ({len(self):,} images), as --data asked", file=sys.stderr,
                  flush=True)

    def raw_folder(self):
        if source == SAMPLE:
            return os.path.dirname(SAMPLE_PATH)
        return _idx_folder(base, source)

    def download(self):
        """Nothing to fetch: --data named a local copy."""

    doc = f"torchvision.datasets.{base.__name__}, reading {source} (galton run --data)."
    return type(base.__name__, (base,), {
        "__init__": __init__, "raw_folder": property(raw_folder), "download": download,
        "__doc__": doc, "__module__": base.__module__, "__qualname__": base.__qualname__})


def redirect(sources):
    """Point the named torchvision constructors at their local copies (for this process)."""
    for cls_name, source in sources.items():
        base = getattr(_datasets, cls_name)
        if not issubclass(base, _MNIST):
            raise ValueError(f"--data cannot redirect {cls_name}")
        setattr(_datasets, cls_name, _local_class(base, source))
