"""Datasets, shaped as ``torch.utils.data``: map-style (``__getitem__`` + ``__len__``) and
iterable-style (``__iter__``), plus the wrappers that combine and split them."""
import bisect
import itertools
import math
import warnings

import numpy as np

from ... import backend
from ...creation import randperm
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(i)`` and usually ``__len__()``.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return i, i * i
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define ``__iter__`` (and may define ``__len__``)."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of tensors that share their first dimension.

    >>> ds = TensorDataset(galton.randn(100, 3), galton.arange(100))
    >>> x, y = ds[0]

    A DataLoader over a TensorDataset (with the default collate_fn) batches by indexing every
    tensor once with the batch's index array instead of stacking rows one by one.
    """

    def __init__(self, *tensors):
        if any(tensors[0].shape[0] != t.shape[0] for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Zip datasets of equal length: ``StackDataset(a, b)[i] == (a[i], b[i])``, or with keyword
    arguments ``StackDataset(image=a, label=b)[i] == {"image": a[i], "label": b[i]}``."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args) if args else list(kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other (``ds1 + ds2`` makes one)."""

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after the other (``it1 + it2`` makes one)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # a batched read of the parent when it offers one (as torch's Subset does)
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    ``lengths`` are sizes summing to ``len(dataset)``, or fractions summing to 1 (each split
    gets ``floor(frac * n)`` and the remainder is dealt out one by one from the first split).
    ``generator`` (a ``galton.Generator``) makes the split reproducible; by default galton's
    global generator is used, so ``galton.manual_seed`` fixes it too.

    >>> train, val, test = random_split(range(100), [0.7, 0.15, 0.15])
    >>> len(train), len(val), len(test)
    (70, 15, 15)
    """
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              f"This might result in an empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, order[end - size:end])
            for end, size in zip(itertools.accumulate(lengths), lengths)]


def tensor_rows(dataset, indices):
    """The rows ``indices`` of a TensorDataset (or a Subset of one, at any depth), read by
    indexing each tensor once; None when ``dataset`` is not of that kind.

    This is the DataLoader's fast path: it returns what ``default_collate`` would make of the
    samples one by one (a list with one batched tensor per tensor of the dataset)."""
    idx = np.asarray(indices, dtype=np.int64)
    while type(dataset) is Subset:
        sub = dataset.indices
        sub = sub._data if isinstance(sub, Tensor) else sub
        if isinstance(sub, range):
            # range indexing by arithmetic; numpy would materialise it otherwise
            idx = sub.start + _wrap_negative(idx, len(sub)) * sub.step
        else:
            idx = np.asarray(sub, dtype=np.int64)[idx]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    out = []
    for t in dataset.tensors:
        xp = backend.array_module(t._data)
        ix = idx if xp is np else xp.asarray(idx)
        if t._rg:
            out.append(t[Tensor._wrap(ix)])  # keeps the graph, like stacking t[i] would
        else:
            out.append(Tensor._wrap(t._data[ix]))
    return out


def _wrap_negative(idx, n):
    if ((idx < -n) | (idx >= n)).any():
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"range object index {bad} out of range for length {n}")
    return np.where(idx < 0, idx + n, idx)
