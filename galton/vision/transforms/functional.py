"""Functional transforms, as ``torchvision.transforms.functional``: ``F.hflip(img)``, ...

Each function takes a PIL image or a galton tensor image of shape (..., C, H, W) and returns
the same kind. Pillow is used for PIL images and for resampling (resize, rotate, affine,
perspective) of tensors, channel by channel in 32-bit float.
"""
import enum
import numbers

import numpy as np

from ... import dtypes
from ...tensor import Tensor
from . import _functional_pil as _pil
from . import _functional_tensor as _t
from ._functional_color import (adjust_brightness, adjust_contrast, adjust_hue,  # noqa: F401
                                adjust_saturation, erase, gaussian_blur, rgb_to_grayscale,
                                to_grayscale)
from ._functional_extra import (adjust_sharpness, autocontrast, equalize,  # noqa: F401
                                five_crop, invert, posterize, solarize, ten_crop)
from ._functional_pil import image_kind as _kind
from ._functional_pil import wrap as _wrap

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "resize", "crop", "center_crop", "resized_crop", "pad", "hflip", "vflip", "rotate",
           "affine", "perspective", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "rgb_to_grayscale", "to_grayscale",
           "gaussian_blur", "erase"]


class InterpolationMode(enum.Enum):
    """How pixels are resampled, as ``torchvision.transforms.InterpolationMode``."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {InterpolationMode.NEAREST: 0, InterpolationMode.NEAREST_EXACT: 0,
                InterpolationMode.LANCZOS: 1, InterpolationMode.BILINEAR: 2,
                InterpolationMode.BICUBIC: 3, InterpolationMode.BOX: 4,
                InterpolationMode.HAMMING: 5}
_FROM_PIL = {0: InterpolationMode.NEAREST, 1: InterpolationMode.LANCZOS,
             2: InterpolationMode.BILINEAR, 3: InterpolationMode.BICUBIC,
             4: InterpolationMode.BOX, 5: InterpolationMode.HAMMING}


def _filter(interpolation):
    """PIL's resampling constant for an InterpolationMode (or a PIL int, as older code passes)."""
    if isinstance(interpolation, int):
        interpolation = _FROM_PIL.get(interpolation, interpolation)
    if isinstance(interpolation, str):
        interpolation = InterpolationMode(interpolation)
    if interpolation not in _PIL_FILTERS:
        raise ValueError(f"interpolation {interpolation!r} is not supported")
    return _PIL_FILTERS[interpolation]


def get_dimensions(img):
    """[channels, height, width] of a PIL image or a tensor image."""
    if _kind(img, "get_dimensions") == "pil":
        return [len(img.getbands()), img.height, img.width]
    shape = img.shape
    return [shape[-3] if len(shape) > 2 else 1, shape[-2], shape[-1]]


def get_image_size(img):
    """[width, height], as torchvision's (deprecated) helper."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


# --- conversion ----------------------------------------------------------------------------
_PIL_NPTYPES = {"I": np.int32, "I;16": np.int16, "F": np.float32}


def to_tensor(pic):
    """PIL image or H×W×C ndarray -> C×H×W tensor; uint8 scaled to float in [0, 1]."""
    if _pil.is_pil_image(pic):
        arr = np.array(pic, _PIL_NPTYPES.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return _wrap(chw.astype(dtypes.default_float_np()) / np.float32(255))
    if chw.dtype == np.bool_:
        chw = chw.astype(np.uint8)
    return _wrap(chw)


def pil_to_tensor(pic):
    """PIL image -> C×H×W tensor of the image's own dtype (uint8 for L/RGB), not scaled."""
    if not _pil.is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return _wrap(np.ascontiguousarray(_pil.to_array(pic).transpose(2, 0, 1)))


_MODES = {1: {np.uint8: "L", np.int16: "I;16", np.int32: "I", np.float32: "F"},
          2: {np.uint8: "LA"}, 3: {np.uint8: "RGB"}, 4: {np.uint8: "RGBA"}}


def to_pil_image(pic, mode=None):
    """C×H×W tensor or H×W×C ndarray -> PIL image; floats are multiplied by 255 and
    truncated to uint8 (as torchvision) unless ``mode='F'``."""
    image = _pil.image_module()
    if isinstance(pic, Tensor):
        arr = pic._data
        if arr.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        arr = arr[None] if arr.ndim == 2 else arr
        if arr.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-3]} channels.")
        arr = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
        if arr.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-1]} channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if arr.dtype.kind == "f" and mode != "F":
        arr = (arr * 255).astype(np.uint8)
    elif arr.dtype == np.float64 and mode == "F":
        arr = arr.astype(np.float32)
    elif arr.dtype == np.int64:
        arr = arr.astype(np.int32)
    channels = arr.shape[2]
    expected = _MODES.get(channels, {}).get(arr.dtype.type)
    if expected is None:
        raise TypeError(f"Input type {arr.dtype} with {channels} channel(s) is not supported")
    if mode is not None and mode != expected and not (channels == 3 and mode in ("HSV", "YCbCr")
                                                      or channels == 4 and mode == "CMYK"):
        raise ValueError(f"Incorrect mode ({mode}) supplied for input type {arr.dtype} with "
                         f"{channels} channel(s); expected {expected}")
    arr = np.ascontiguousarray(arr[:, :, 0] if channels == 1 else arr)
    img = image.fromarray(arr)
    if mode is not None and img.mode != mode:
        img = image.frombytes(mode, img.size, arr.tobytes()) if channels > 1 else img.convert(mode)
    return img


def convert_image_dtype(image, dtype=None):
    """Convert a tensor image between float [0, 1] and integer [0, max] ranges."""
    dtype = dtype if dtype is not None else dtypes.float32
    out_np = np.dtype(dtypes.to_numpy_dtype(dtype))
    arr = image._data
    if arr.dtype == out_np:
        return image
    if arr.dtype.kind == "f":
        if out_np.kind == "f":
            return _wrap(arr.astype(out_np))
        eps = 1e-3
        top = float(np.iinfo(out_np).max)
        return _wrap((arr * (top + 1.0 - eps)).astype(out_np))
    scaled = arr.astype(np.float64) / float(np.iinfo(arr.dtype).max)
    if out_np.kind == "f":
        return _wrap(scaled.astype(out_np))
    return _wrap(np.rint(scaled * np.iinfo(out_np).max).astype(out_np))


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] for each channel c of a float tensor image."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if tensor._data.dtype.kind != "f":
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    dt = tensor._data.dtype
    mean_a = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=dt)
    std_a = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=dt)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading "
                         "to division by zero.")
    c = tensor.shape[-3]
    if mean_a.size not in (1, c) or std_a.size not in (1, c):
        raise ValueError(f"normalize: mean has {mean_a.size} and std {std_a.size} values for "
                         f"an image with {c} channels")
    mean_a, std_a = mean_a.reshape(-1, 1, 1), std_a.reshape(-1, 1, 1)
    if tensor.requires_grad:  # differentiable path: galton ops record the graph
        return (tensor - Tensor._wrap(mean_a)) / Tensor._wrap(std_a)
    if inplace:
        np.subtract(tensor._data, mean_a, out=tensor._data)
        np.divide(tensor._data, std_a, out=tensor._data)
        tensor._version += 1
        return tensor
    return _wrap((tensor._data - mean_a) / std_a)


# --- geometry ------------------------------------------------------------------------------
def _output_size(h, w, size, max_size):
    if isinstance(size, numbers.Number):
        size = [int(size)]
    size = list(size)
    if len(size) == 2:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             f"the smaller edge, i.e. size should be an int or a sequence of "
                             f"length 1 in torchscript mode. Got size={size}")
        return size[0], size[1]
    if len(size) != 1:
        raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a "
                         f"{len(size)} element tuple/list")
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None:
        if max_size <= size[0]:
            raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                             f"requested size for the smaller edge size = {size[0]}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to ``size``: an int sets the shorter side (keeping the aspect ratio), (h, w)
    sets both. Pillow resamples (it always antialiases when shrinking)."""
    kind = _kind(img, "resize")
    _, h, w = get_dimensions(img)
    oh, ow = _output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    flt = _filter(interpolation)
    if kind == "pil":
        return img.resize((ow, oh), flt)
    return _wrap(_pil.per_channel(img._data, lambda p, c: p.resize((ow, oh), flt)))


def crop(img, top, left, height, width):
    """The box (top, left, height, width); parts outside the image are zeros."""
    if _kind(img, "crop") == "pil":
        return img.crop((left, top, left + width, top + height))
    return _wrap(_t.crop(img._data, top, left, height, width))


def _pair(size, name):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    size = list(size)
    if len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(f"{name}: please provide only two dimensions (h, w) for size.")
    return size[0], size[1]


def center_crop(img, output_size):
    """The central ``output_size`` box, zero-padded first when the image is smaller."""
    ch, cw = _pair(output_size, "center_crop")
    _, h, w = get_dimensions(img)
    if ch > h or cw > w:
        padding = [(cw - w) // 2 if cw > w else 0, (ch - h) // 2 if ch > h else 0,
                   (cw - w + 1) // 2 if cw > w else 0, (ch - h + 1) // 2 if ch > h else 0]
        img = pad(img, padding, fill=0)
        _, h, w = get_dimensions(img)
        if (ch, cw) == (h, w):
            return img
    top, left = int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0))
    return crop(img, top, left, ch, cw)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _padding(padding):
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = list(padding)
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)
    raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                     f"{len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: ``padding`` is an int, (left/right, top/bottom) or (l, t, r, b)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding(padding)
    if _kind(img, "pad") == "pil":
        return _pil.pad(img, left, top, right, bottom, fill, padding_mode)
    return _wrap(_t.pad(img._data, left, top, right, bottom, fill, padding_mode))


def hflip(img):
    """Mirror left-right."""
    if _kind(img, "hflip") == "pil":
        return img.transpose(_pil.image_module().Transpose.FLIP_LEFT_RIGHT)
    return _wrap(img._data[..., ::-1].copy())


def vflip(img):
    """Mirror top-bottom."""
    if _kind(img, "vflip") == "pil":
        return img.transpose(_pil.image_module().Transpose.FLIP_TOP_BOTTOM)
    return _wrap(img._data[..., ::-1, :].copy())


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the middle)."""
    flt = _filter(interpolation)
    if _kind(img, "rotate") == "pil":
        return img.rotate(angle, flt, expand, center, fillcolor=_pil.parse_fill(fill, img))
    return _wrap(_pil.per_channel(img._data, lambda p, c: p.rotate(
        angle, flt, expand, center, fillcolor=_pil.tensor_fill(fill, c))))


def _shear(shear):
    if isinstance(shear, numbers.Number):
        return [float(shear), 0.0]
    shear = [float(s) for s in shear]
    return shear + [0.0] if len(shear) == 1 else shear


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate (degrees), translate (pixels), scale and shear (degrees) about the centre."""
    if len(translate) != 2:
        raise ValueError(f"Argument translate should be a sequence of length 2, got {translate}")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    _, h, w = get_dimensions(img)
    center = [w * 0.5, h * 0.5] if center is None else list(center)
    matrix = _t.inverse_affine_matrix(center, angle, [float(t) for t in translate], scale,
                                      _shear(shear))
    flt = _filter(interpolation)
    affine_t = _pil.image_module().Transform.AFFINE
    if _kind(img, "affine") == "pil":
        return img.transform(img.size, affine_t, matrix, flt,
                             fillcolor=_pil.parse_fill(fill, img))
    return _wrap(_pil.per_channel(img._data, lambda p, c: p.transform(
        p.size, affine_t, matrix, flt, fillcolor=_pil.tensor_fill(fill, c))))


def perspective(img, startpoints, endpoints, interpolation=InterpolationMode.BILINEAR,
                fill=None):
    """Map the four ``startpoints`` corners to ``endpoints`` ([[x, y], ...], pixels)."""
    coeffs = _t.perspective_coeffs(startpoints, endpoints)
    flt = _filter(interpolation)
    persp = _pil.image_module().Transform.PERSPECTIVE
    if _kind(img, "perspective") == "pil":
        return img.transform(img.size, persp, coeffs, flt, fillcolor=_pil.parse_fill(fill, img))
    return _wrap(_pil.per_channel(img._data, lambda p, c: p.transform(
        p.size, persp, coeffs, flt, fillcolor=_pil.tensor_fill(fill, c))))
