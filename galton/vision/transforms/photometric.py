"""Random augmentations that change values, not geometry: colour jitter, grey, blur, erasing
and Gaussian noise. Draws come from galton's generator, as in ``augment.py``.
"""
import math
import numbers

import numpy as np

from ...tensor import Tensor
from . import functional as F
from .augment import _randint, _range, _rng, _uniform
from .transforms import setup_size

__all__ = ["ColorJitter", "RandomGrayscale", "GaussianBlur", "RandomErasing", "AddGaussianNoise"]


class ColorJitter:
    """Random brightness, contrast, saturation (factors around 1) and hue (shift around 0),
    applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = self._check(brightness, "brightness", 1.0)
        self.contrast = self._check(contrast, "contrast", 1.0)
        self.saturation = self._check(saturation, "saturation", 1.0)
        self.hue = self._check(hue, "hue", 0.0, bound=(-0.5, 0.5))

    @staticmethod
    def _check(value, name, center, bound=(0.0, math.inf)):
        value = _range(value, name, center, bound)
        # a range of one point changes nothing: skip it
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        order = [int(i) for i in _rng().permutation(4)]
        factors = [None if r is None else _uniform(r[0], r[1])
                   for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation,
                                          self.hue)
        fns = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for i in order:
            if factors[i] is not None:
                img = fns[i](img, factors[i])
        return img

    def __repr__(self):
        return (f"{self.__class__.__name__}(brightness={self.brightness}, contrast="
                f"{self.contrast}, saturation={self.saturation}, hue={self.hue})")


class RandomGrayscale:
    """To grey with probability ``p``, keeping the number of channels."""

    def __init__(self, p=0.1):
        self.p = p

    def __call__(self, img):
        if _uniform(0.0, 1.0) < self.p:
            return F.rgb_to_grayscale(img, F.get_dimensions(img)[0])
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


class GaussianBlur:
    """Gaussian blur with an odd ``kernel_size`` and sigma drawn from ``sigma`` (min, max)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)):
        self.kernel_size = setup_size(kernel_size, "Kernel size should be a tuple/list of two "
                                                   "integers")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (float(sigma), float(sigma))
        elif not (len(sigma) == 2 and 0.0 < sigma[0] <= sigma[1]):
            raise ValueError("sigma values should be positive and of the form (min, max).")
        self.sigma = tuple(sigma)

    @staticmethod
    def get_params(sigma_min, sigma_max):
        return _uniform(sigma_min, sigma_max)

    def __call__(self, img):
        sigma = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, self.kernel_size, [sigma, sigma])

    def __repr__(self):
        return f"{self.__class__.__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class RandomErasing:
    """With probability ``p``, set a random box of a tensor image to ``value`` (a number, a
    per-channel sequence, or ``'random'`` for normal noise)."""

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, scale, ratio, value, inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(i, j, h, w, v): the box and its new values; the whole image itself when no box of
        the drawn sizes fits in ten tries."""
        c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = _rng().standard_normal((c, h, w)).astype(img._data.dtype)
            else:
                v = np.asarray(value, dtype=img._data.dtype)[:, None, None]
            return _randint(0, img_h - h + 1), _randint(0, img_w - w + 1), h, w, v
        return 0, 0, img_h, img_w, img

    def __call__(self, img):
        if not isinstance(img, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if _uniform(0.0, 1.0) >= self.p:
            return img
        if isinstance(self.value, numbers.Number):
            value = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = list(self.value)
        c = img.shape[-3]
        if value is not None and len(value) not in (1, c):
            raise ValueError("If value is a sequence, it should have either a single value or "
                             f"{c} (number of input channels)")
        x, y, h, w, v = self.get_params(img, self.scale, self.ratio, value)
        if v is img:
            return img
        return F.erase(img, x, y, h, w, v, self.inplace)

    def __repr__(self):
        return (f"{self.__class__.__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio},"
                f" value={self.value}, inplace={self.inplace})")


class AddGaussianNoise:
    """Add noise drawn from N(mean, std²) to a tensor (galton's addition; the book's noise
    augmentation). Values are not clamped: follow it with a clamp if the model needs [0, 1].

    >>> Compose([ToTensor(), AddGaussianNoise(0.0, 0.1)])
    """

    def __init__(self, mean=0.0, std=1.0):
        if std < 0:
            raise ValueError(f"AddGaussianNoise: std must be non-negative, got {std}")
        self.mean, self.std = float(mean), float(std)

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"AddGaussianNoise expects a Tensor (use ToTensor first). Got "
                            f"{type(tensor)}")
        arr = tensor._data
        if arr.dtype.kind != "f":
            raise TypeError(f"AddGaussianNoise expects a float tensor. Got {tensor.dtype}")
        noise = _rng().standard_normal(arr.shape).astype(arr.dtype)
        noise = noise * arr.dtype.type(self.std) + arr.dtype.type(self.mean)
        if tensor.requires_grad:
            return tensor + Tensor._wrap(noise)
        return Tensor._wrap(arr + noise)

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"
