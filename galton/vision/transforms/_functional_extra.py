"""Tone operations of the AutoAugment family (invert, posterize, solarize, sharpness,
autocontrast, equalize) and the five/ten crops, for PIL images (through Pillow's ImageOps
and ImageEnhance) and tensor images ((..., C, H, W), uint8 or float in [0, 1]), with
torchvision's arithmetic on tensors."""
import numbers

import numpy as np

from ._functional_pil import image_kind as _kind
from ._functional_pil import wrap as _wrap
from ._functional_tensor import blend, max_value

__all__ = ["invert", "posterize", "solarize", "adjust_sharpness", "autocontrast", "equalize",
           "five_crop", "ten_crop"]


def _color_tensor(img, name):
    arr = img._data
    if arr.ndim < 3 or arr.shape[-3] not in (1, 3):
        raise TypeError(f"{name}: input image tensor permitted channel values are [1, 3], but "
                        f"found {arr.shape[-3] if arr.ndim >= 3 else 'none'}")
    return arr


def invert(img):
    """The negative: ``max - x`` (255 for uint8, 1.0 for float)."""
    if _kind(img, "invert") == "pil":
        from PIL import ImageOps
        return ImageOps.invert(img)
    arr = _color_tensor(img, "invert")
    if arr.dtype.kind == "f":
        return _wrap((1.0 - arr).astype(arr.dtype))
    return _wrap(np.bitwise_not(arr) if arr.dtype == np.uint8 else
                 (max_value(arr.dtype) - arr).astype(arr.dtype))


def posterize(img, bits):
    """Keep the ``bits`` highest bits of each uint8 value (0 to 8)."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if _kind(img, "posterize") == "pil":
        from PIL import ImageOps
        return ImageOps.posterize(img, bits)
    arr = _color_tensor(img, "posterize")
    if arr.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
    return _wrap(arr & mask)


def solarize(img, threshold):
    """Invert the values at or above ``threshold``."""
    if _kind(img, "solarize") == "pil":
        from PIL import ImageOps
        return ImageOps.solarize(img, threshold)
    arr = _color_tensor(img, "solarize")
    if threshold > max_value(arr.dtype):
        raise TypeError("Threshold should be less than bound of img.")
    return _wrap(np.where(arr >= threshold, invert(img)._data, arr))


def _smoothed(arr):
    # torchvision's "degenerate" image for sharpness: a 3×3 smoothing (centre weight 5 of 13)
    # of the interior, the one-pixel border kept
    x = arr.astype(np.float32) if arr.dtype.kind != "f" else arr
    k = np.ones((3, 3), x.dtype)
    k[1, 1] = 5.0
    k /= k.sum()
    h, w = x.shape[-2:]
    acc = sum(k[i, j] * x[..., i:h - 2 + i, j:w - 2 + j] for i in range(3) for j in range(3))
    if arr.dtype.kind != "f":
        acc = np.rint(acc)  # integer images: round (torchvision's _cast_squeeze_out)
    out = arr.copy()
    out[..., 1:-1, 1:-1] = acc.astype(arr.dtype)
    return out


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed copy: 0 smooth, 1 unchanged, 2 twice as sharp."""
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    if _kind(img, "adjust_sharpness") == "pil":
        from PIL import ImageEnhance
        return ImageEnhance.Sharpness(img).enhance(sharpness_factor)
    arr = _color_tensor(img, "adjust_sharpness")
    if arr.shape[-1] <= 2 or arr.shape[-2] <= 2:
        return img
    return _wrap(blend(arr, _smoothed(arr), sharpness_factor))


def autocontrast(img):
    """Stretch each channel so its darkest value becomes 0 and its brightest the maximum."""
    if _kind(img, "autocontrast") == "pil":
        from PIL import ImageOps
        return ImageOps.autocontrast(img)
    arr = _color_tensor(img, "autocontrast")
    bound = max_value(arr.dtype)
    lo = arr.min(axis=(-2, -1), keepdims=True)
    hi = arr.max(axis=(-2, -1), keepdims=True)
    span = (hi - lo).astype(np.float32)
    flat = span == 0  # a constant channel is left as it is
    scale = np.where(flat, 1.0, bound / np.where(flat, 1.0, span)).astype(np.float32)
    lo = np.where(flat, 0, lo)
    out = np.clip((arr - lo).astype(np.float32) * scale, 0, bound)
    return _wrap(out.astype(arr.dtype))  # truncated, as torchvision's .to(dtype)


def _equalize_channel(chan):
    hist = np.bincount(chan.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate(([0], lut[:-1])), 0, 255).astype(np.uint8)
    return lut[chan]


def equalize(img):
    """Histogram equalisation of each channel of a uint8 image."""
    if _kind(img, "equalize") == "pil":
        from PIL import ImageOps
        return ImageOps.equalize(img)
    arr = _color_tensor(img, "equalize")
    if arr.dtype != np.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")
    flat = arr.reshape(-1, *arr.shape[-2:])
    out = np.stack([_equalize_channel(c) for c in flat]).reshape(arr.shape)
    return _wrap(out)


def _crop_size(size):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = list(size)
    if len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError("Please provide only two dimensions (h, w) for size.")
    return size[0], size[1]


def five_crop(img, size):
    """The four corner crops and the centre crop: (top-left, top-right, bottom-left,
    bottom-right, center)."""
    from . import functional as F
    crop_h, crop_w = _crop_size(size)
    _, h, w = F.get_dimensions(img)
    if crop_w > w or crop_h > h:
        raise ValueError(f"Requested crop size {(crop_h, crop_w)} is bigger than input size "
                         f"{(h, w)}")
    tl = F.crop(img, 0, 0, crop_h, crop_w)
    tr = F.crop(img, 0, w - crop_w, crop_h, crop_w)
    bl = F.crop(img, h - crop_h, 0, crop_h, crop_w)
    br = F.crop(img, h - crop_h, w - crop_w, crop_h, crop_w)
    return tl, tr, bl, br, F.center_crop(img, [crop_h, crop_w])


def ten_crop(img, size, vertical_flip=False):
    """The five crops of the image and the five of its mirror (left-right, or top-bottom with
    ``vertical_flip``)."""
    from . import functional as F
    flipped = F.vflip(img) if vertical_flip else F.hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)
