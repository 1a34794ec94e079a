"""The PIL side of the functional transforms, and Pillow resampling for tensor images.

Geometry on tensors (resize, rotate, affine, perspective) goes through Pillow too: each
channel becomes a 32-bit float image (mode ``F``), so a tensor and a PIL image are resampled
by the same code and give the same picture.
"""
import numpy as np

from ...tensor import Tensor
from ..io import require_pil


def image_module():
    return require_pil("this transform")


def is_pil_image(img):
    try:
        from PIL import Image
    except ImportError:
        return False
    return isinstance(img, Image.Image)


def parse_fill(fill, img):
    """Pillow's ``fillcolor`` for ``img``: one value per band, or a single number."""
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        if len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of "
                             f"bands of the image ({len(fill)} != {bands})")
        fill = tuple(fill) if bands > 1 else fill[0]
    if img.mode in ("F",):
        return float(fill) if not isinstance(fill, tuple) else fill
    return int(fill) if isinstance(fill, float) and bands == 1 else fill


def to_array(img):
    """An H×W×C array of a PIL image (C=1 for one-band images)."""
    arr = np.asarray(img)
    return arr[:, :, None] if arr.ndim == 2 else arr


def from_array(arr, mode):
    """A PIL image of an H×W×C array in ``mode`` (the mode of the image it came from)."""
    image = image_module()
    arr = np.ascontiguousarray(arr)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    out = image.fromarray(arr)
    return out if out.mode == mode else out.convert(mode)


def pad(img, left, top, right, bottom, fill, padding_mode):
    """Pad (negative values crop) a PIL image, keeping its mode."""
    arr = to_array(img)
    h, w = arr.shape[:2]
    arr = arr[max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = ((max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)), (0, 0))
    if padding_mode == "constant":
        fills = parse_fill(fill, img)
        fills = fills if isinstance(fills, tuple) else (fills,)
        arr = np.stack([np.pad(arr[:, :, c], widths[:2], mode="constant",
                               constant_values=fills[c]) for c in range(arr.shape[2])], axis=2)
    else:
        arr = np.pad(arr, widths, mode=padding_mode)
    return from_array(arr, img.mode)


def per_channel(arr, fn):
    """Apply ``fn`` (PIL 'F' image, channel index -> PIL image) to each H×W plane of a
    (..., H, W) array, returning an array of the same leading shape and dtype."""
    image = image_module()
    lead, (h, w) = arr.shape[:-2], arr.shape[-2:]
    planes = arr.reshape(-1, h, w)
    channels = arr.shape[-3] if arr.ndim >= 3 else 1
    # a 2-D float32 array becomes a mode 'F' image
    outs = [np.asarray(fn(image.fromarray(np.ascontiguousarray(p, np.float32)), i % channels))
            for i, p in enumerate(planes)]
    out = np.stack(outs).reshape(lead + outs[0].shape)
    if arr.dtype.kind in "iub":
        info = np.iinfo(arr.dtype) if arr.dtype.kind != "b" else None
        out = np.rint(out)
        if info is not None:
            out = np.clip(out, info.min, info.max)
    return out.astype(arr.dtype, copy=False)


def tensor_fill(fill, channel):
    """The fill value of one channel: a number, or one entry of a per-channel list."""
    if fill is None:
        return 0.0
    if isinstance(fill, (list, tuple)):
        return float(fill[channel] if len(fill) > 1 else fill[0])
    return float(fill)


def image_kind(img, name):
    """"pil" or "tensor"; a TypeError for anything else."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise TypeError(f"{name}: tensor is not a torch image (need (..., H, W), got shape "
                            f"{tuple(img.shape)})")
        return "tensor"
    if is_pil_image(img):
        return "pil"
    raise TypeError(f"{name}: img should be PIL Image or Tensor. Got {type(img)}")


def wrap(arr):
    return Tensor._wrap(arr)
