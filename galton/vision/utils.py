"""Pictures of a batch: ``make_grid`` and ``save_image``, as ``torchvision.utils``; the
drawing functions (boxes, masks, keypoints, flow) live in :mod:`._draw`.

``save_image(fake, "samples.png", normalize=True)`` is how the GAN and VAE programs look at
what they generate. Same arguments and same pixels as torchvision's: the images are laid out
``nrow`` to a row with ``padding`` pixels of ``pad_value`` around each; a single-channel batch
becomes three channels; ``normalize`` maps ``value_range`` (default: the batch's min and max,
or each image's with ``scale_each``) to [0, 1].
"""
import math

import numpy as np

from ..tensor import Tensor
from ._draw import draw_bounding_boxes, draw_keypoints, draw_segmentation_masks, flow_to_image
from .io import require_pil

__all__ = ["make_grid", "save_image", "draw_bounding_boxes", "draw_segmentation_masks",
           "draw_keypoints", "flow_to_image"]


def _as_batch(tensor):
    if isinstance(tensor, Tensor):
        return tensor._data
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing "
                                f"{type(t)}")
        return np.stack([t._data for t in tensor], axis=0)
    raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")


def _normalize(arr, value_range, scale_each):
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are "
                        "numbers")

    def norm(img):  # clamp to the range, then map it to [0, 1]
        low, high = value_range if value_range is not None else (float(img.min()),
                                                                 float(img.max()))
        img = np.clip(img, low, high)
        return ((img - low) / max(high - low, 1e-5)).astype(arr.dtype, copy=False)

    if scale_each:
        return np.stack([norm(img) for img in arr]) if len(arr) else arr
    return norm(arr)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0, **kwargs):
    """One C×H×W image holding a batch of images (B×C×H×W, or a list of C×H×W) in a grid.

    ``nrow`` images per row; ``padding`` pixels of ``pad_value`` between and around them;
    ``normalize=True`` maps ``value_range`` (or the min and max, per image with
    ``scale_each=True``) to [0, 1]. One-channel images are repeated to three channels; a
    batch of one comes back as that image. The grid is a new tensor, outside the graph.

    >>> make_grid(galton.rand(10, 1, 28, 28), nrow=5).shape
    galton.Size([3, 62, 152])
    """
    arr = _as_batch(tensor)
    if arr.ndim == 2:  # one image H×W
        arr = arr[None]
    if arr.ndim == 3:  # one image C×H×W
        if arr.shape[0] == 1:
            arr = np.concatenate((arr, arr, arr), 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate((arr, arr, arr), 1)
    if normalize is True:
        arr = _normalize(arr, value_range, scale_each)
    else:
        arr = arr.copy()
    if arr.shape[0] == 1:
        return Tensor._wrap(arr[0])
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(arr.shape[2] + padding), int(arr.shape[3] + padding)
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding),
                   pad_value, dtype=arr.dtype)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height,
             x * width + padding:(x + 1) * width] = arr[k]
    return Tensor._wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a batch as one PNG/JPEG grid (``make_grid``'s arguments), as torchvision does:
    values in [0, 1] become 0..255, rounded to the nearest integer.

    >>> save_image(fake.detach(), "fake_samples.png", normalize=True)
    """
    grid = make_grid(tensor, **kwargs)._data
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    if ndarr.shape[2] == 1:
        ndarr = ndarr[:, :, 0]
    require_pil("save_image").fromarray(ndarr).save(fp, format=format)
