"""DataLoader: batches of a dataset, in order or shuffled, and the collate functions that turn
a list of samples into one batch (``default_collate``), as in ``torch.utils.data``."""
import collections.abc
import copy
import math
import re

import numpy as np

from ... import backend, dtypes
from ...tensor import Tensor, make_result
from .dataset import IterableDataset, Subset, TensorDataset, tensor_rows
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_STR_OR_OBJECT = re.compile(r"[SaUO]")  # NumPy dtype codes collate cannot make tensors of
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


# --- collate -------------------------------------------------------------------------------
def _collate_tensor(batch, *, collate_fn_map=None):
    first = batch[0]._data
    for i, t in enumerate(batch):
        if t._data.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but "
                               f"got {list(first.shape)} at entry 0 and {list(t._data.shape)} at "
                               f"entry {i}")
    dt = batch[0].dtype
    for t in batch:
        if t._data.dtype != first.dtype:
            dt = dtypes.promote_types(dt, t.dtype)
    xp = backend.array_module(first)
    out = xp.stack([t._data for t in batch]).astype(dt.np, copy=False)

    def backward(g):  # each sample gets its slice of the batch's gradient
        return tuple(g[i].astype(t._data.dtype, copy=False) for i, t in enumerate(batch))
    return make_result(out, tuple(batch), backward, "StackBackward0")


def _collate_numpy_array(batch, *, collate_fn_map=None):
    if _STR_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return _collate_tensor([_np_tensor(b) for b in batch])


def _collate_numpy_scalar(batch, *, collate_fn_map=None):
    return _np_tensor(np.array(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return Tensor._wrap(np.array(batch, dtype=np.float64))  # Python floats are doubles


def _collate_int(batch, *, collate_fn_map=None):
    arr = np.array(batch)  # all bools stay bool; ints (with or without bools) become int64
    return Tensor._wrap(arr if arr.dtype == np.bool_ else arr.astype(np.int64))


def _collate_str(batch, *, collate_fn_map=None):
    return batch


def _np_tensor(arr):
    dtypes.from_numpy_dtype(arr.dtype)  # a clear TypeError for dtypes galton lacks
    return Tensor._wrap(np.asarray(arr))


default_collate_fn_map = {
    Tensor: _collate_tensor,
    np.ndarray: _collate_numpy_array,
    (np.bool_, np.number, np.object_): _collate_numpy_scalar,
    float: _collate_float,
    int: _collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` (a list of samples) with per-type functions from ``collate_fn_map``
    (exact type first, then the first key ``batch[0]`` is an instance of), recursing into
    mappings, namedtuples and sequences as ``torch.utils.data._utils.collate.collate``."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                  for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                out = copy.copy(elem)  # keeps a mapping subclass's extra attributes
                out.update(fields)
                return out
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map)
                           for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # a list, as in PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                out = copy.copy(elem)
                for i, c in enumerate(columns):
                    out[i] = c
                return out
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch):
    """Turn a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors are stacked along a new first dimension; NumPy arrays and scalars become tensors
    (their dtype kept); Python floats a float64 tensor, ints an int64 tensor, bools a bool
    tensor; strings stay a list; dicts, namedtuples and lists are collated field by field,
    tuples become lists.

    >>> default_collate([(galton.zeros(3), 1), (galton.ones(3), 0)])
    [tensor([[0., 0., 0.], [1., 1., 1.]]), tensor([1, 0])]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """Turn NumPy arrays (also inside dicts, lists and tuples) into tensors; the collate_fn of
    a DataLoader with ``batch_size=None``."""
    if isinstance(data, Tensor):
        return data
    t = type(data)
    if t.__module__ == "numpy" and t.__name__ not in ("str_", "bytes_"):
        if t is np.ndarray and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return _np_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        fields = {k: default_convert(data[k]) for k in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                out = copy.copy(data)
                out.update(fields)
                return out
            return t(fields)
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                out = copy.copy(data)
                out[:] = items
                return out
            return t(items)
        except TypeError:
            return items
    return data


def get_worker_info():
    """None: galton reads every batch in the main process, so code never runs in a worker."""
    return None


# --- the loader ----------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    >>> for xb, yb in loader: ...

    ``len(loader)`` is ``ceil(N / batch_size)`` (``floor`` with ``drop_last=True``).
    ``shuffle=True`` draws a new order each epoch from ``generator`` or galton's global
    generator (``galton.manual_seed(0)`` makes the epochs reproducible). ``batch_size=None``
    turns batching off. Every batch is read in the main process: ``num_workers``,
    ``pin_memory``, ``prefetch_factor``, ``persistent_workers``, ``worker_init_fn`` (never
    called, as no worker starts) and the other process options are accepted and change
    nothing but the validation PyTorch does on them.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._default_collate = collate_fn is None or collate_fn is default_collate
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)  # a TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._iter_batches()

    def _iter_batches(self):
        bs = self.batch_sampler
        fast_rows = self._default_collate and _is_tensor_dataset(self.dataset)
        batches = None
        if fast_rows and type(bs).__iter__ is BatchSampler.__iter__:
            batches = bs._index_batches()  # index arrays cut from one epoch-long array
        if batches is None:
            batches = iter(bs)
        getitems = getattr(self.dataset, "__getitems__", None)
        for idx in batches:
            if fast_rows:
                yield tensor_rows(self.dataset, idx)
            elif callable(getitems):
                yield self.collate_fn(getitems(idx))
            else:
                yield self.collate_fn([self.dataset[i] for i in idx])

    def _iter_stream(self):
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        while True:
            batch = []
            for sample in it:
                batch.append(sample)
                if len(batch) == self.batch_size:
                    break
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)
            if len(batch) < self.batch_size:
                return


def _is_tensor_dataset(dataset):
    while type(dataset) is Subset:
        dataset = dataset.dataset
    return type(dataset) is TensorDataset
