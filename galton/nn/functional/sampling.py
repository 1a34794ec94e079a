"""Spatial transformers' two halves: ``affine_grid`` (where each output pixel looks, from a
batch of affine matrices) and ``grid_sample`` (read the input there). The kernels, forward and
backward, are galton/ops/sampling.py; this layer checks the arguments as PyTorch's Python layer
does, with its messages and its one warning for an unspecified ``align_corners``.

>>> theta = galton.tensor([[[1., 0., 0.], [0., 1., 0.]]])          # the identity
>>> grid = F.affine_grid(theta, (1, 1, 4, 4), align_corners=False)
>>> x = galton.rand(1, 1, 4, 4)
>>> galton.allclose(F.grid_sample(x, grid, align_corners=False), x)
True
"""
import warnings

from ...ops.sampling import affine_grid_generator, grid_sampler

__all__ = ["affine_grid", "grid_sample"]

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to "
                    "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                    "old behavior is desired. See the documentation of grid_sample for details.")


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) or (N, C, D, H, W) at the points of ``grid``
    (N, H', W', 2) or (N, D', H', W', 3), normalised to [-1, 1], x first.

    mode: 'bilinear' (trilinear for 5-d), 'nearest' or 'bicubic' (4-d only); padding_mode:
    what points outside read: 'zeros', 'border' (the nearest edge pixel) or 'reflection'.
    Gradients flow to ``input`` and to ``grid`` (not through 'nearest')."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, UserWarning, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, ("bilinear", "nearest", "bicubic").index(mode),
                        ("zeros", "border", "reflection").index(padding_mode), align_corners)


def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps: ``theta`` (N, 2, 3) for a 2-d output of
    ``size`` (N, C, H, W), (N, 3, 4) for (N, C, D, H, W); grid[n, h, w] = theta[n] @ (x, y, 1)
    with (x, y) the output pixel's normalised position. Differentiable in ``theta``."""
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, list(size)
    shape = tuple(theta.shape)
    if len(size) == 4:
        if theta.ndim != 3 or shape[-2] != 2 or shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or shape[-2] != 3 or shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size "
                                  f"{given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids "
                      "when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    return affine_grid_generator(theta, size, align_corners)
