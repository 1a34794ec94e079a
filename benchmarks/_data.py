"""Benchmark data: Fashion-MNIST from Debian's package when installed, else random images of
the same shape (the timing is the same; accuracy is then meaningless and reported as such).

Images stay uint8, as torchvision's datasets keep them; each batch is scaled to [-1, 1] by the
framework under test (``normalize``), as ToTensor + Normalize((0.5,), (0.5,)) do per item. So
the peak memory measured is the training's, not that of a float32 copy of the whole set."""
import gzip
import os

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def _idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw[4:4 + 4 * ndim], dtype=">u4")
    return np.frombuffer(raw[4 + 4 * ndim:], dtype=np.uint8).reshape(tuple(int(d) for d in dims))


def fashion(train=True, n=None):
    """uint8 images (N, 1, 28, 28) and int64 labels; real when available."""
    split = "train" if train else "t10k"
    img_path = os.path.join(FASHION, f"{split}-images-idx3-ubyte.gz")
    if os.path.exists(img_path):
        x = _idx(img_path)
        y = _idx(os.path.join(FASHION, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
        real = True
    else:
        rng = np.random.default_rng(0)
        count = 60000 if train else 10000
        x = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, count).astype(np.int64)
        real = False
    if n is not None:
        x, y = x[:n], y[:n]
    return np.ascontiguousarray(x[:, None]), y, real


def normalize(batch):
    """A uint8 batch tensor (either framework) as float32 in [-1, 1]."""
    return (batch.float() / 255.0 - 0.5) / 0.5
