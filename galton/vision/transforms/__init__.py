"""Image transforms shaped like ``torchvision.transforms``; ``functional`` is ``F``.

>>> transform = Compose([ToTensor(), Normalize(mean=(0.5,), std=(0.5,))])
"""
from . import functional
from .autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from .extra import (FiveCrop, LinearTransformation, RandomAdjustSharpness, RandomAutocontrast,
                    RandomChoice, RandomEqualize, RandomInvert, RandomOrder, RandomPosterize,
                    RandomSolarize, TenCrop)
from .augment import (RandomAffine, RandomApply, RandomCrop, RandomHorizontalFlip,
                      RandomPerspective, RandomResizedCrop, RandomRotation, RandomVerticalFlip)
from .functional import InterpolationMode
from .photometric import (AddGaussianNoise, ColorJitter, GaussianBlur, RandomErasing,
                          RandomGrayscale)
from .transforms import (CenterCrop, Compose, ConvertImageDtype, Grayscale, Lambda, Normalize,
                         Pad, PILToTensor, Resize, ToPILImage, ToTensor)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor",
           "ToPILImage", "ConvertImageDtype", "Normalize", "Resize", "CenterCrop", "Pad",
           "Lambda", "Grayscale", "RandomApply", "RandomCrop", "RandomResizedCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine",
           "RandomPerspective", "ColorJitter", "RandomGrayscale", "GaussianBlur",
           "RandomErasing", "AddGaussianNoise", "RandomChoice", "RandomOrder", "FiveCrop",
           "TenCrop", "LinearTransformation", "RandomInvert", "RandomPosterize",
           "RandomSolarize", "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize",
           "AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide"]
