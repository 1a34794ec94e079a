"""Colour, blur and erasing: the functional transforms that change values, not geometry."""
import numbers

import numpy as np

from ...tensor import Tensor
from . import _functional_pil as _pil
from . import _functional_tensor as _t
from ._functional_pil import image_kind as _kind
from ._functional_pil import wrap as _wrap


def _pair(size, name):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = list(size)
    if len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(f"{name}: please provide only two dimensions for the size.")
    return size[0], size[1]


# --- colour --------------------------------------------------------------------------------
def _enhance(img, name, factor):
    from PIL import ImageEnhance
    return getattr(ImageEnhance, name)(img).enhance(factor)


def _check_factor(factor, name):
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    """Multiply by ``brightness_factor`` (0 black, 1 unchanged), clamped to the range."""
    _check_factor(brightness_factor, "brightness_factor")
    if _kind(img, "adjust_brightness") == "pil":
        return _enhance(img, "Brightness", brightness_factor)
    return _wrap(_t.adjust_brightness(img._data, brightness_factor))


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey level (0 flat grey, 1 unchanged)."""
    _check_factor(contrast_factor, "contrast_factor")
    if _kind(img, "adjust_contrast") == "pil":
        return _enhance(img, "Contrast", contrast_factor)
    return _wrap(_t.adjust_contrast(img._data, contrast_factor))


def adjust_saturation(img, saturation_factor):
    """Blend with the grey image (0 grey, 1 unchanged)."""
    _check_factor(saturation_factor, "saturation_factor")
    if _kind(img, "adjust_saturation") == "pil":
        return _enhance(img, "Color", saturation_factor)
    return _wrap(_t.adjust_saturation(img._data, saturation_factor))


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` turns, in [-0.5, 0.5]."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _kind(img, "adjust_hue") == "tensor":
        return _wrap(_t.adjust_hue(img._data, hue_factor))
    if img.mode in ("L", "1", "I", "F"):
        return img
    image = _pil.image_module()
    h, s, v = img.convert("HSV").split()
    # uint8 hue wraps around: adding modulo 256 is a rotation of the colour wheel
    np_h = (np.asarray(h, dtype=np.uint8).astype(np.int16)
            + np.int16(np.uint8(np.int64(hue_factor * 255) % 256))) % 256
    h = image.fromarray(np_h.astype(np.uint8))
    return image.merge("HSV", (h, s, v)).convert(img.mode)


def rgb_to_grayscale(img, num_output_channels=1):
    """Luma of an RGB image, with 1 or 3 output channels."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _kind(img, "rgb_to_grayscale") == "tensor":
        return _wrap(_t.rgb_to_grayscale(img._data, num_output_channels))
    gray = img.convert("L")
    if num_output_channels == 3:
        return _pil.image_module().merge("RGB", (gray, gray, gray))
    return gray


to_grayscale = rgb_to_grayscale


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel (odd sizes); sigma defaults to 0.3·((k-1)·0.5-1)+0.8."""
    # (kx, ky): x (width) first, as torchvision
    ks = [int(k) for k in _pair(kernel_size, "gaussian_blur")]
    for k in ks:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in ks]
    elif isinstance(sigma, numbers.Number):
        sigma = [float(sigma)] * 2
    else:
        sigma = [float(s) for s in sigma] * (2 if len(sigma) == 1 else 1)
    if any(s <= 0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if _kind(img, "gaussian_blur") == "tensor":
        return _wrap(_t.gaussian_blur(img._data, ks, sigma))
    # PIL images are blurred as uint8 tensors, as torchvision does
    arr = _pil.to_array(img).transpose(2, 0, 1)
    out = _t.gaussian_blur(arr, ks, sigma).transpose(1, 2, 0)
    return _pil.from_array(out, img.mode)


def erase(img, i, j, h, w, v, inplace=False):
    """Set the box (i, j, h, w) of a tensor image to ``v``."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    value = v._data if isinstance(v, Tensor) else v
    out = _t.erase(img._data, i, j, h, w, value, inplace)
    if inplace:
        img._version += 1
        return img
    return _wrap(out)
