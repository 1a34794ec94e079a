"""More of ``torchvision.transforms``: random choice and order of transforms, five and ten
crops, the whitening ``LinearTransformation``, and the random tone transforms (invert,
posterize, solarize, sharpness, autocontrast, equalize). Random draws use galton's generator,
so ``galton.manual_seed`` repeats them."""
from ...tensor import Tensor
from . import functional as F
from .augment import _rng, _uniform
from .transforms import setup_size

__all__ = ["RandomChoice", "RandomOrder", "FiveCrop", "TenCrop", "LinearTransformation",
           "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize"]


class RandomChoice:
    """Apply one of ``transforms``, picked at random (with weights ``p`` if given)."""

    def __init__(self, transforms, p=None):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence")
        if p is not None and len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != "
                             f"{len(transforms)}")
        self.transforms, self.p = list(transforms), p

    def __call__(self, *args):
        weights = None
        if self.p is not None:
            total = float(sum(self.p))
            weights = [w / total for w in self.p]
        t = self.transforms[int(_rng().choice(len(self.transforms), p=weights))]
        return t(*args)

    def __repr__(self):
        return f"{type(self).__name__}(transforms={self.transforms}, p={self.p})"


class RandomOrder:
    """Apply all of ``transforms`` in a random order."""

    def __init__(self, transforms):
        if not isinstance(transforms, (list, tuple)):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = list(transforms)

    def __call__(self, img):
        for i in _rng().permutation(len(self.transforms)):
            img = self.transforms[int(i)](img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class FiveCrop:
    """The four corner crops and the centre crop of ``size``, as a tuple of five images
    (stack them with a ``Lambda`` to get a batch)."""

    def __init__(self, size):
        self.size = setup_size(size, "Please provide only two dimensions (h, w) for size.")

    def __call__(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size})"


class TenCrop:
    """The five crops of the image and of its mirror image (``vertical_flip`` for top-bottom)."""

    def __init__(self, size, vertical_flip=False):
        self.size = setup_size(size, "Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def __call__(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class LinearTransformation:
    """Flatten a tensor image, subtract ``mean_vector`` and multiply by the square
    ``transformation_matrix`` (ZCA whitening, for instance), then restore the shape."""

    def __init__(self, transformation_matrix, mean_vector):
        m, v = transformation_matrix, mean_vector
        if m.shape[0] != m.shape[1]:
            raise ValueError("transformation_matrix should be square. Got "
                             f"{tuple(m.shape)} rectangular matrix.")
        if v.shape[0] != m.shape[0]:
            raise ValueError(f"mean_vector should have the same length {v.shape[0]} as any one "
                             f"of the dimensions of the transformation_matrix "
                             f"[{tuple(m.shape)}]")
        if m.dtype != v.dtype:
            raise ValueError("Input tensors should have the same dtype. Got "
                             f"{m.dtype} and {v.dtype}")
        self.transformation_matrix, self.mean_vector = m, v

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"tensor should be a Tensor. Got {type(tensor)}")
        shape = tuple(tensor.shape)
        n = 1
        for s in shape[-3:]:
            n *= s
        if n != self.transformation_matrix.shape[0]:
            raise ValueError("Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != "
                             f"{self.transformation_matrix.shape[0]}")
        if tensor.dtype != self.mean_vector.dtype:
            raise ValueError("Input tensor should have the same dtype as transformation "
                             f"matrix and mean vector. Got {tensor.dtype} and "
                             f"{self.mean_vector.dtype}")
        flat = tensor.reshape(-1, n) - self.mean_vector
        return (flat @ self.transformation_matrix).reshape(shape)

    def __repr__(self):
        return (f"{type(self).__name__}(transformation_matrix="
                f"{self.transformation_matrix.tolist()}, mean_vector="
                f"{self.mean_vector.tolist()})")


class _RandomTone:
    """Apply ``_apply(img)`` with probability ``p``."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return self._apply(img) if _uniform(0.0, 1.0) < self.p else img

    def __repr__(self):
        extra = "".join(f"{k}={v}, " for k, v in vars(self).items() if k != "p")
        return f"{type(self).__name__}({extra}p={self.p})"


class RandomInvert(_RandomTone):
    """Invert the colours with probability ``p``."""

    def _apply(self, img):
        return F.invert(img)


class RandomPosterize(_RandomTone):
    """Keep ``bits`` bits per channel with probability ``p``."""

    def __init__(self, bits, p=0.5):
        super().__init__(p)
        self.bits = bits

    def _apply(self, img):
        return F.posterize(img, self.bits)


class RandomSolarize(_RandomTone):
    """Invert the values at or above ``threshold`` with probability ``p``."""

    def __init__(self, threshold, p=0.5):
        super().__init__(p)
        self.threshold = threshold

    def _apply(self, img):
        return F.solarize(img, self.threshold)


class RandomAdjustSharpness(_RandomTone):
    """Change the sharpness by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _apply(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)


class RandomAutocontrast(_RandomTone):
    """Stretch each channel's range to the full range with probability ``p``."""

    def _apply(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomTone):
    """Equalise the histogram with probability ``p``."""

    def _apply(self, img):
        return F.equalize(img)
