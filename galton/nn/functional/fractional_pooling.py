"""``F.fractional_max_pool2d`` / ``3d`` (and their ``_with_indices`` forms): max pooling with
pseudo-random window starts (Graham, "Fractional Max-Pooling"), reaching any output size
(``output_size``) or fraction of the input (``output_ratio``). The kernel is
galton/ops/fractional_pool.py; ``_random_samples`` (N, C, d) in [0, 1) fixes the windows, else
they are drawn with galton's generator.
"""
from ...creation import rand
from ...ops.fractional_pool import fractional_max_pool

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]


def _tuple(v, d):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * d


def _pool(input, kernel_size, output_size, output_ratio, samples, d):
    name = f"fractional_max_pool{d}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    ndim = input.ndim
    if ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    spatial = tuple(input.shape[-d:])
    if output_size is None:
        if d == 2 and len(output_ratio) > 2:  # a bare number fails here too, as in PyTorch
            raise ValueError(f"{name} requires output_ratio to either be a single Int or "
                             f"tuple of Ints.")
        ratio = _tuple(output_ratio, d)
        output_size = [int(s * r) for s, r in zip(spatial, ratio)]
    kernel, out = _tuple(kernel_size, d), _tuple(output_size, d)
    axes = ("time", "height", "width")[3 - d:]
    for k, o, s, axis in zip(kernel, out, spatial, axes):
        if o + k - 1 > s:
            raise RuntimeError(f"{name}_out(): pool {axis} {k} too large relative to input "
                               f"{axis} {s}")
    batched = input if ndim == d + 2 else input.unsqueeze(0)
    if samples is None:
        samples = rand(batched.shape[0], batched.shape[1], d, dtype=input.dtype)
    out_t, idx = fractional_max_pool(batched, kernel, out, samples,
                                     f"FractionalMaxPool{d}DBackward0")
    if ndim == d + 1:
        out_t, idx = out_t.squeeze(0), idx[0]
    from ...tensor import Tensor
    return out_t, Tensor._wrap(idx)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(output, indices) of 2-d fractional max pooling; see ``fractional_max_pool2d``."""
    return _pool(input, kernel_size, output_size, output_ratio, _random_samples, 2)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-d fractional max pooling over (N, C, H, W) or (C, H, W): kxk maxima over windows that
    start at pseudo-random, increasing positions, giving ``output_size`` (or input size times
    ``output_ratio``). With ``return_indices`` also the flat index of each maximum."""
    out, idx = _pool(input, kernel_size, output_size, output_ratio, _random_samples, 2)
    return (out, idx) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """(output, indices) of 3-d fractional max pooling; see ``fractional_max_pool3d``."""
    return _pool(input, kernel_size, output_size, output_ratio, _random_samples, 3)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-d fractional max pooling over (N, C, T, H, W) or (C, T, H, W)."""
    out, idx = _pool(input, kernel_size, output_size, output_ratio, _random_samples, 3)
    return (out, idx) if return_indices else out
