"""Packed <-> padded layouts of variable-length batches (PyTorch's PackedSequence data).

A packed batch stores, time step after time step, the rows of the sequences still running:
``batch_sizes[t]`` rows at step t, the longest sequences first. The recurrent kernels work on
the padded time-major layout (T, B, *), so the layers convert on the way in and out; each
conversion is one gather with a gradient that scatters back (or the reverse).
"""
import numpy as np

from ._util import linear_backward, make_result


def _pack_index(batch_sizes, B):
    """Row of each packed element in the (T * B) padded layout (time-major)."""
    bs = np.asarray(batch_sizes, dtype=np.int64)
    T = len(bs)
    starts = np.repeat(np.arange(T, dtype=np.int64) * B - np.cumsum(bs) + bs, bs)
    return starts + np.arange(int(bs.sum()), dtype=np.int64)


def packed_to_padded(data, batch_sizes, total_length=None, padding_value=0.0):
    """Packed rows (N, *) to a time-major padded tensor (T, B, *); gradient gathers back."""
    a = data._data
    bs = np.asarray(batch_sizes, dtype=np.int64)
    T = len(bs) if total_length is None else int(total_length)
    B = int(bs[0]) if len(bs) else 0
    feat = a.shape[1:]
    idx = _pack_index(bs, B)
    out = np.full((T * B,) + feat, padding_value, dtype=a.dtype)
    out[idx] = a
    def place(v):  # the adjoint of the backward's pick
        full = np.zeros((T * B,) + feat, v.dtype)
        full[idx] = v
        return full.reshape((T, B) + feat)
    return make_result(out.reshape((T, B) + feat), (data,), linear_backward(
        lambda g: g.reshape((T * B,) + feat)[idx], place, "PadPackedSequenceBackward0"),
        "PadPackedSequenceBackward0")


def padded_to_packed(padded, batch_sizes):
    """Time-major padded (T, B, *) to packed rows (N, *); gradient scatters back (zeros in the
    padding)."""
    a = padded._data
    T, B = a.shape[:2]
    feat = a.shape[2:]
    idx = _pack_index(batch_sizes, B)
    out = a.reshape((T * B,) + feat)[idx]

    def place(g):
        full = np.zeros((T * B,) + feat, g.dtype)
        full[idx] = g
        return full.reshape(a.shape)
    return make_result(out, (padded,), linear_backward(
        place, lambda v: v.reshape((T * B,) + feat)[idx], "PackPaddedSequenceBackward0"),
        "PackPaddedSequenceBackward0")
