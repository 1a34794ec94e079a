"""Learned and random augmentation policies, as ``torchvision.transforms``: AutoAugment (Cubuk
et al., 2018, with its ImageNet, CIFAR-10 and SVHN policies), RandAugment (Cubuk et al., 2019)
and TrivialAugmentWide (Müller & Hutter, 2021). Each op is one of the functional transforms at
a magnitude from a fixed table; PIL images (mode "L" or "RGB") and uint8 tensor images
((..., 1 or 3, H, W)) are accepted, as in torchvision."""
import enum
import math

import numpy as np

from ...tensor import Tensor
from . import functional as F
from .augment import _randint, _uniform
from .functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]


def _apply_op(img, op_name, magnitude, interpolation, fill):
    if op_name in ("ShearX", "ShearY"):
        # the shear angle whose tangent is the magnitude, about the top-left corner
        angle = math.degrees(math.atan(magnitude))
        shear = [angle, 0.0] if op_name == "ShearX" else [0.0, angle]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear,
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        move = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=move, scale=1.0, shear=[0.0, 0.0],
                        interpolation=interpolation, fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    enhance = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation,
               "Contrast": F.adjust_contrast, "Sharpness": F.adjust_sharpness}
    if op_name in enhance:
        return enhance[op_name](img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return F.autocontrast(img)
    if op_name == "Equalize":
        return F.equalize(img)
    if op_name == "Invert":
        return F.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _fill_for(img, fill):
    if isinstance(img, Tensor):
        if isinstance(fill, (int, float)):
            return [float(fill)] * F.get_image_num_channels(img)
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _space(num_bins, width, height, shear=0.3, translate=None, rotate=30.0, enhance=0.9,
           posterize_span=4, identity=True, invert=False):
    """op name -> (magnitudes, signed): the magnitude tables of the three methods."""
    lin = (lambda top: np.linspace(0.0, top, num_bins, dtype=np.float32))
    bins = np.arange(num_bins, dtype=np.float32)
    space = {"Identity": (None, False)} if identity else {}
    tx, ty = translate if translate is not None else (150.0 / 331.0 * width,
                                                      150.0 / 331.0 * height)
    space.update({
        "ShearX": (lin(shear), True), "ShearY": (lin(shear), True),
        "TranslateX": (lin(tx), True), "TranslateY": (lin(ty), True),
        "Rotate": (lin(rotate), True), "Brightness": (lin(enhance), True),
        "Color": (lin(enhance), True), "Contrast": (lin(enhance), True),
        "Sharpness": (lin(enhance), True),
        "Posterize": (8 - np.round(bins / ((num_bins - 1) / posterize_span)).astype(int), False),
        "Solarize": (np.linspace(255.0, 0.0, num_bins, dtype=np.float32), False),
        "AutoContrast": (None, False), "Equalize": (None, False)})
    if invert:
        space["Invert"] = (None, False)
    return space


class AutoAugmentPolicy(enum.Enum):
    """The policies AutoAugment learned on ImageNet, CIFAR-10 and SVHN."""
    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# Each policy: 25 sub-policies of two (op, probability, magnitude bin out of 10) steps, as
# published with AutoAugment (the tables of its appendix, in torchvision's order).
_I, _C, _S = "Invert", "Color", "Solarize"
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", .4, 8), ("Rotate", .6, 9)), ((_S, .6, 5), ("AutoContrast", .6, None)),
        (("Equalize", .8, None), ("Equalize", .6, None)),
        (("Posterize", .6, 7), ("Posterize", .6, 6)), (("Equalize", .4, None), (_S, .2, 4)),
        (("Equalize", .4, None), ("Rotate", .8, 8)), ((_S, .6, 3), ("Equalize", .6, None)),
        (("Posterize", .8, 5), ("Equalize", 1., None)), (("Rotate", .2, 3), (_S, .6, 8)),
        (("Equalize", .6, None), ("Posterize", .4, 6)), (("Rotate", .8, 8), (_C, .4, 0)),
        (("Rotate", .4, 9), ("Equalize", .6, None)),
        (("Equalize", 0., None), ("Equalize", .8, None)),
        ((_I, .6, None), ("Equalize", 1., None)), ((_C, .6, 4), ("Contrast", 1., 8)),
        (("Rotate", .8, 8), (_C, 1., 2)), ((_C, .8, 8), (_S, .8, 7)),
        (("Sharpness", .4, 7), (_I, .6, None)), (("ShearX", .6, 5), ("Equalize", 1., None)),
        ((_C, .4, 0), ("Equalize", .6, None)), (("Equalize", .4, None), (_S, .2, 4)),
        ((_S, .6, 5), ("AutoContrast", .6, None)), ((_I, .6, None), ("Equalize", 1., None)),
        ((_C, .6, 4), ("Contrast", 1., 8)), (("Equalize", .8, None), ("Equalize", .6, None))],
    AutoAugmentPolicy.CIFAR10: [
        ((_I, .1, None), ("Contrast", .2, 6)), (("Rotate", .7, 2), ("TranslateX", .3, 9)),
        (("Sharpness", .8, 1), ("Sharpness", .9, 3)), (("ShearY", .5, 8), ("TranslateY", .7, 9)),
        (("AutoContrast", .5, None), ("Equalize", .9, None)),
        (("ShearY", .2, 7), ("Posterize", .3, 7)), ((_C, .4, 3), ("Brightness", .6, 7)),
        (("Sharpness", .3, 9), ("Brightness", .7, 9)),
        (("Equalize", .6, None), ("Equalize", .5, None)),
        (("Contrast", .6, 7), ("Sharpness", .6, 5)), ((_C, .7, 7), ("TranslateX", .5, 8)),
        (("Equalize", .3, None), ("AutoContrast", .4, None)),
        (("TranslateY", .4, 3), ("Sharpness", .2, 6)), (("Brightness", .9, 6), (_C, .2, 8)),
        ((_S, .5, 2), (_I, 0., None)), (("Equalize", .2, None), ("AutoContrast", .6, None)),
        (("Equalize", .2, None), ("Equalize", .6, None)), ((_C, .9, 9), ("Equalize", .6, None)),
        (("AutoContrast", .8, None), (_S, .2, 8)), (("Brightness", .1, 3), (_C, .7, 0)),
        ((_S, .4, 5), ("AutoContrast", .9, None)), (("TranslateY", .9, 9), ("TranslateY", .7, 9)),
        (("AutoContrast", .9, None), (_S, .8, 3)), (("Equalize", .8, None), (_I, .1, None)),
        (("TranslateY", .7, 9), ("AutoContrast", .9, None))],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", .9, 4), (_I, .2, None)), (("ShearY", .9, 8), (_I, .7, None)),
        (("Equalize", .6, None), (_S, .6, 6)), ((_I, .9, None), ("Equalize", .6, None)),
        (("Equalize", .6, None), ("Rotate", .9, 3)),
        (("ShearX", .9, 4), ("AutoContrast", .8, None)),
        (("ShearY", .9, 8), (_I, .4, None)), (("ShearY", .9, 5), (_S, .2, 6)),
        ((_I, .9, None), ("AutoContrast", .8, None)), (("Equalize", .6, None), ("Rotate", .9, 3)),
        (("ShearX", .9, 4), (_S, .3, 3)), (("ShearY", .8, 8), (_I, .7, None)),
        (("Equalize", .9, None), ("TranslateY", .6, 6)), ((_I, .9, None), ("Equalize", .6, None)),
        (("Contrast", .3, 3), ("Rotate", .8, 4)), ((_I, .8, None), ("TranslateY", 0., 2)),
        (("ShearY", .7, 6), (_S, .4, 8)), ((_I, .6, None), ("Rotate", .8, 4)),
        (("ShearY", .3, 7), ("TranslateX", .9, 3)), (("ShearX", .1, 6), (_I, .6, None)),
        ((_S, .7, 2), ("TranslateY", .6, 7)), (("ShearY", .8, 4), (_I, .8, None)),
        (("ShearX", .7, 9), ("TranslateY", .8, 3)), (("ShearY", .8, 5), ("AutoContrast", .7, None)),
        (("ShearX", .7, 2), (_I, .1, None))],
}


def _signed(magnitude, signed):
    return -magnitude if signed and _randint(0, 2) else magnitude


class AutoAugment:
    """Pick one of the policy's 25 sub-policies at random and apply each of its two steps
    with its probability (a signed op goes either way)."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy, self.interpolation, self.fill = policy, interpolation, fill
        self.policies = _POLICIES[policy]

    def __call__(self, img):
        fill = _fill_for(img, self.fill)
        steps = self.policies[_randint(0, len(self.policies))]
        for op_name, p, magnitude_id in steps:
            if _uniform(0.0, 1.0) <= p:
                _, h, w = F.get_dimensions(img)
                magnitudes, signed = _space(10, w, h, identity=False, invert=True)[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                img = _apply_op(img, op_name, _signed(magnitude, signed), self.interpolation,
                                fill)
        return img

    def __repr__(self):
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment:
    """Apply ``num_ops`` ops drawn uniformly, all at bin ``magnitude`` of
    ``num_magnitude_bins``."""

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        self.num_ops, self.magnitude = num_ops, magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation, self.fill = interpolation, fill

    def __call__(self, img):
        fill = _fill_for(img, self.fill)
        for _ in range(self.num_ops):
            _, h, w = F.get_dimensions(img)
            space = _space(self.num_magnitude_bins, w, h)
            op_name = list(space)[_randint(0, len(space))]
            magnitudes, signed = space[op_name]
            magnitude = float(magnitudes[self.magnitude]) if magnitudes is not None else 0.0
            img = _apply_op(img, op_name, _signed(magnitude, signed), self.interpolation, fill)
        return img

    def __repr__(self):
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation="
                f"{self.interpolation}, fill={self.fill})")


class TrivialAugmentWide:
    """Apply one op drawn uniformly, at a magnitude drawn uniformly from its wide range."""

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation, self.fill = interpolation, fill

    def __call__(self, img):
        fill = _fill_for(img, self.fill)
        space = _space(self.num_magnitude_bins, 0, 0, shear=0.99, translate=(32.0, 32.0),
                       rotate=135.0, enhance=0.99, posterize_span=6)
        op_name = list(space)[_randint(0, len(space))]
        magnitudes, signed = space[op_name]
        magnitude = (float(magnitudes[_randint(0, len(magnitudes))])
                     if magnitudes is not None else 0.0)
        return _apply_op(img, op_name, _signed(magnitude, signed), self.interpolation, fill)

    def __repr__(self):
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
