"""Variable-length sequences, as ``torch.nn.utils.rnn``: padding and packing.

A PackedSequence stores a batch of sequences of different lengths time step by time step:
``data`` holds, for t = 0, 1, ..., the rows of the ``batch_sizes[t]`` sequences still running
(longest first), so a recurrent layer never computes on padding.

>>> seqs = [galton.ones(3, 2), galton.ones(1, 2)]
>>> packed = pack_sequence(seqs)          # data (4, 2), batch_sizes tensor([2, 1, 1])
>>> padded, lengths = pad_packed_sequence(packed)   # (3, 2, 2), tensor([3, 1])
"""
from collections import namedtuple

import numpy as np

from ...ops.rnn import packed_to_padded, padded_to_packed
from ...tensor import Tensor, make_result

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _long(arr):
    return Tensor._wrap(np.asarray(arr, dtype=np.int64))


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``, made by
    :func:`pack_padded_sequence` or :func:`pack_sequence` (never by hand)."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)) as PyTorch allows
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _map_data(self, fn):
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    def to(self, *args, **kwargs):
        """Move or cast ``data`` (the index tensors stay int64)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def float(self):
        return self._map_data(lambda d: d.float())

    def double(self):
        return self._map_data(lambda d: d.double())

    def half(self):
        return self._map_data(lambda d: d.half())

    def long(self):
        return self._map_data(lambda d: d.long())

    def int(self):
        return self._map_data(lambda d: d.int())

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data if isinstance(permutation, Tensor) else permutation)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return _long(out)


def _lengths_array(lengths):
    arr = lengths._data if isinstance(lengths, Tensor) else lengths
    return np.asarray(arr, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences whose true
    lengths are ``lengths``. With ``enforce_sorted=False`` the batch is sorted by length first
    and the order is remembered in ``sorted_indices``."""
    lens = _lengths_array(lengths)
    sorted_indices = None
    batch_dim = 0 if batch_first else 1
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _long(order)
        input = input.index_select(batch_dim, sorted_indices)
    elif np.any(np.diff(lens) > 0):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens.size == 0 or lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    T = input.shape[0]
    if lens.max() > T:
        raise RuntimeError(f"pack_padded_sequence: a length of {int(lens.max())} is longer than "
                           f"the padded sequence ({T} steps)")
    if lens.size != input.shape[1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={input.shape[1]})")
    batch_sizes = (lens[None, :] > np.arange(lens.max())[:, None]).sum(axis=1)
    data = padded_to_packed(input[:int(lens.max())], batch_sizes)
    return PackedSequence(data, _long(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: returns ``(padded, lengths)``, padded (T, B, *) or
    (B, T, *), in the original batch order."""
    bs = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    max_len = len(bs)
    if total_length is not None and total_length < max_len:
        raise ValueError("Expected total_length to be at least the length of the longest "
                         f"sequence in input, but got total_length={total_length} and max "
                         f"sequence length being {max_len}")
    padded = packed_to_padded(sequence.data, bs, total_length, padding_value)
    lengths = (bs[None, :] > np.arange(int(bs[0]))[:, None]).sum(axis=1)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[np.asarray(sequence.unsorted_indices._data)]
    return padded, _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_i, *) into one (T, B, *) tensor (or (B, T, *)), filling
    the missing steps with ``padding_value`` on the right (or the left)."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    elif not hasattr(sequences, "__iter__"):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    arrays = [s._data for s in sequences]
    T = max(a.shape[0] for a in arrays)
    trailing = arrays[0].shape[1:]
    dtype = np.result_type(*arrays)
    out = np.full((len(arrays), T) + trailing, padding_value, dtype=dtype)
    spans = []
    for i, a in enumerate(arrays):
        if a.shape[1:] != trailing:
            raise RuntimeError(f"The size of tensor a ({a.shape[1:]}) must match the trailing "
                               f"dimensions {trailing} of the first sequence (pad_sequence)")
        span = slice(0, a.shape[0]) if padding_side == "right" else slice(T - a.shape[0], T)
        out[i, span] = a
        spans.append(span)
    if not batch_first:
        out = np.ascontiguousarray(out.swapaxes(0, 1))

    def backward(g, xp=np):  # indexing: the same lines run on tensors (create_graph)
        gb = g if batch_first else xp.swapaxes(g, 0, 1)
        if xp is not np:
            return tuple(gb[i, span] for i, span in enumerate(spans))
        return tuple(gb[i, span].astype(a.dtype, copy=False) for i, (a, span)
                     in enumerate(zip(arrays, spans)))
    return make_result(out, tuple(sequences), backward, "PadSequenceBackward0")


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences of the given lengths."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_array(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *): :func:`pad_sequence` then
    :func:`pack_padded_sequence`."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """A PackedSequence back to the list of its sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
