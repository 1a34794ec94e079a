"""``F.one_hot``: class indices to one-hot rows (int64, as in PyTorch)."""
import numpy as np

from ...backend import array_module
from ...tensor import Tensor

__all__ = ["one_hot"]


def one_hot(tensor, num_classes=-1):
    """A tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each index, else 0.

    num_classes=-1 takes the largest index + 1.

    >>> F.one_hot(galton.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    t = tensor._data
    if t.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size:
        if t.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if t.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    xp = array_module(t)
    return Tensor._wrap((t[..., None] == xp.arange(int(num_classes))).astype(np.int64))
