"""``F.unfold`` (im2col: sliding blocks as columns) and ``F.fold`` (col2im: sum them back).

These are the very helpers convolution is built from (galton/ops/conv.py), exposed with
PyTorch's shapes: unfold (N, C, H, W) -> (N, C*KH*KW, L), fold the reverse.
"""
from ...ops import conv as _conv
from ...ops.shape import squeeze, unsqueeze

__all__ = ["unfold", "fold"]


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding (KH, KW) blocks of a (N, C, H, W) or (C, H, W) input as columns.

    >>> F.unfold(galton.ones(1, 2, 4, 4), 2).shape
    galton.Size([1, 8, 9])
    """
    nd = input._data.ndim
    if nd == 3:
        return squeeze(_conv.im2col(unsqueeze(input, 0), kernel_size, dilation, padding, stride), 0)
    if nd != 4:
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {nd}D)")
    return _conv.im2col(input, kernel_size, dilation, padding, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum (N, C*KH*KW, L) or (C*KH*KW, L) columns into a (N, C, H, W) output; overlapping
    blocks add up (fold(unfold(x)) multiplies x by how many blocks cover each element)."""
    nd = input._data.ndim
    if nd == 2:
        return squeeze(_conv.col2im(unsqueeze(input, 0), output_size, kernel_size, dilation,
                                    padding, stride), 0)
    if nd != 3:
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {nd}D)")
    return _conv.col2im(input, output_size, kernel_size, dilation, padding, stride)
