"""``F.one_hot``: class indices to one-hot rows (int64, as in PyTorch); and the record of the
rows an ``embedding(..., sparse=True)`` looked up, which stands in for PyTorch's sparse
gradients (galton's gradients are dense arrays): ``optim.SparseAdam`` updates those rows only,
and refuses the gradient of a parameter with no such record, as PyTorch refuses a dense one."""
import weakref

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


_SPARSE_ROWS = {}  # id(weight) -> (weakref to it, sorted rows looked up since its last step)


def record_sparse_rows(weight, flat_indices, padding_idx=None):
    """Note the rows a sparse embedding looked up (padding_idx left out, as PyTorch's sparse
    gradient leaves it out). A weight whose gradient was cleared starts a fresh record."""
    from ...autograd import graph
    if not (graph._grad_enabled and weight.requires_grad):
        return
    rows = np.unique(np.asarray(flat_indices).reshape(-1))
    if padding_idx is not None:
        rows = rows[rows != padding_idx]
    key = id(weight)
    entry = _SPARSE_ROWS.get(key)
    if entry is not None and entry[0]() is weight and weight.grad is not None:
        rows = np.union1d(entry[1], rows)
    _SPARSE_ROWS[key] = (weakref.ref(weight, lambda _, key=key: _SPARSE_ROWS.pop(key, None)),
                         rows)


def take_sparse_rows(param):
    """The rows of ``param`` whose gradient is "sparse" (looked up by a sparse embedding since
    the last call), or None when its gradient is a dense one; the record is consumed."""
    entry = _SPARSE_ROWS.get(id(param))
    if entry is None or entry[0]() is not param:
        return None
    del _SPARSE_ROWS[id(param)]
    return entry[1]
