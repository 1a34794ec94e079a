"""Fractional max pooling (Graham, 2014): a kxk max over windows whose starts advance by a
random, non-integer stride, so that any output size between input/k and input can be reached.
``random_samples`` (N, C, d) in [0, 1) place the windows, one number per plane and axis, exactly
as PyTorch's kernel reads them (2-d: x then y; 3-d: t, y, x), with its rounding in the input's
dtype. The forward gathers every window at once and takes its first maximum; the backward sends
each output's gradient to the element it took (``bincount``: windows overlap).
"""
import numpy as np

from ._util import linear_backward, make_result


def _starts(samples, in_size, out_size, pool, dtype):
    """(N, C, out) window starts on one axis: trunc((i + u) a) - trunc(u a) with
    a = (in - k) / (out - 1), the last window flush with the end (PyTorch's sequence)."""
    n, c = samples.shape
    starts = np.empty((n, c, out_size), np.int64)
    if out_size > 1:
        alpha = dtype.type(in_size - pool) / dtype.type(out_size - 1)
        i = np.arange(out_size - 1, dtype=dtype)
        u = samples.astype(dtype, copy=False)[..., None]
        starts[..., :-1] = (np.trunc((i + u) * alpha).astype(np.int64)
                            - np.trunc(u * alpha).astype(np.int64))
    if out_size > 0:
        starts[..., -1] = in_size - pool
    return starts


def fractional_max_pool(input, kernel_size, output_size, random_samples, name):
    """``fractional_max_pool2d`` / ``3d`` on (N, C, *spatial) (a missing batch added by the
    caller): (output, int64 indices into each plane's flattened spatial block)."""
    a = input._data
    n, c, spatial = a.shape[0], a.shape[1], a.shape[2:]
    d = len(spatial)
    u = random_samples._data.reshape(n, c, d)
    # which sample column places each spatial axis (PyTorch: 2-d reads x first, 3-d t first)
    columns = (1, 0) if d == 2 else (0, 1, 2)
    positions = []  # per axis: (N, C, out, k) input coordinates of each window element
    for axis in range(d):
        st = _starts(u[..., columns[axis]], spatial[axis], output_size[axis], kernel_size[axis],
                     a.dtype)
        positions.append(st[..., None] + np.arange(kernel_size[axis]))
    # flat index of every element of every window: (N, C, *out, *k)
    flat = np.zeros((n, c) + tuple(output_size) + tuple(kernel_size), np.int64)
    stride = 1
    for axis in reversed(range(d)):
        shape = [n, c] + [1] * (2 * d)
        shape[2 + axis] = output_size[axis]
        shape[2 + d + axis] = kernel_size[axis]
        # (N, C, out, k) -> out and k at their places among (*out, *k): only 1s are inserted
        flat = flat + positions[axis].reshape(shape) * stride
        stride *= spatial[axis]
    rows = a.reshape(n, c, -1)
    windows = flat.reshape(n, c, -1, int(np.prod(kernel_size)))
    values = np.take_along_axis(rows, windows.reshape(n, c, -1), axis=2).reshape(windows.shape)
    pick = values.argmax(-1)[..., None]
    out = np.take_along_axis(values, pick, -1)[..., 0].reshape((n, c) + tuple(output_size))
    idx = np.take_along_axis(windows, pick, -1)[..., 0]  # (N, C, P)
    size = rows.shape[2]

    def back(g):  # each output's gradient to the element it took
        base = (np.arange(n * c) * size).reshape(n, c, 1)
        total = np.bincount((base + idx).ravel(), g.reshape(n, c, -1).ravel(),
                            minlength=n * c * size)
        return total.astype(g.dtype).reshape(a.shape)

    def again(v):  # back's adjoint: the same gather
        return np.take_along_axis(v.reshape(n, c, -1), idx, 2).reshape(out.shape)
    result = make_result(out, (input,), linear_backward(back, again, name), name)
    return result, idx.reshape(out.shape)
