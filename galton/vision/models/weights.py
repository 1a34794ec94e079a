"""torchvision's weight enums (``ResNet18_Weights.IMAGENET1K_V1``, ``.DEFAULT``, ``"DEFAULT"``).

Each member carries torchvision's ``url``, ``meta`` and ``transforms()``. galton downloads
nothing: ``get_state_dict()`` reads the file from torchvision's cache folder
(``$TORCH_HOME/hub/checkpoints/``, by default ``~/.cache/torch/hub/checkpoints/``) through
galton's restricted unpickler, and when it is not there says in one line which file to put
where, with its URL and the SHA-256 prefix torchvision writes into the file name.
"""
import enum
import os
from dataclasses import dataclass, field

__all__ = ["Weights", "WeightsEnum", "ImageClassification", "checkpoint_dir", "get_weight",
           "weights_enum_of", "register_weights", "get_model_weights", "weights_enum",
           "AlexNet_Weights", "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights",
           "ResNet101_Weights", "ResNet152_Weights", "VGG11_Weights", "VGG11_BN_Weights",
           "VGG13_Weights", "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights",
           "VGG19_Weights", "VGG19_BN_Weights"]

_BASE = "https://download.pytorch.org/models/"


class ImageClassification:
    """torchvision's evaluation preset: resize (bilinear, antialiased) to ``resize_size``, centre
    crop ``crop_size``, scale to [0, 1] and normalise with ImageNet's mean and std. Takes a PIL
    image or a (..., C, H, W) tensor image (uint8 or float in [0, 1])."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=None):
        from ..transforms.functional import InterpolationMode
        self.crop_size, self.resize_size = [crop_size], [resize_size]
        self.mean, self.std = list(mean), list(std)
        self.interpolation = interpolation or InterpolationMode.BILINEAR

    def __call__(self, img):
        from ... import float32, is_tensor
        from ..transforms import functional as F
        if not is_tensor(img):
            img = F.pil_to_tensor(img)
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=True)
        img = F.center_crop(img, self.crop_size)
        img = F.convert_image_dtype(img, float32)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self):
        return (f"ImageClassification(\n    crop_size={self.crop_size}\n    resize_size="
                f"{self.resize_size}\n    mean={self.mean}\n    std={self.std}\n    "
                f"interpolation={self.interpolation}\n)")


@dataclass(frozen=True)
class Weights:
    """One set of published weights: where torchvision downloads it, its preset, its facts."""
    url: str
    transforms: object
    meta: dict = field(hash=False, compare=False)


def checkpoint_dir():
    """torchvision's cache folder: $TORCH_HOME/hub/checkpoints (TORCH_HOME defaults to
    $XDG_CACHE_HOME/torch, i.e. ~/.cache/torch)."""
    home = os.getenv("TORCH_HOME") or os.path.join(
        os.getenv("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return os.path.join(os.path.expanduser(home), "hub", "checkpoints")


class WeightsEnum(enum.Enum):
    """Base of the ``*_Weights`` enums, as torchvision's: members are :class:`Weights`."""

    @classmethod
    def verify(cls, obj):
        """``obj`` as a member of this enum: a member, None, or a name ("IMAGENET1K_V1",
        "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1")."""
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"Failed to find Weights {obj} in {cls.__name__}; it has "
                                 f"{', '.join(cls.__members__)}.") from None
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                        f"{type(obj).__name__}.")

    @property
    def url(self):
        return self.value.url

    @property
    def meta(self):
        return self.value.meta

    @property
    def transforms(self):
        return self.value.transforms

    @property
    def filename(self):
        """The name torchvision gives the file in its cache (the URL's last part)."""
        return self.url.rsplit("/", 1)[-1]

    @property
    def sha256_prefix(self):
        """The start of the file's SHA-256 that torchvision writes into its name."""
        return self.filename.rsplit("-", 1)[-1].split(".")[0]

    def missing_message(self, folder=None):
        """One line: which file to put where, its URL and its SHA-256 prefix."""
        folder = folder or checkpoint_dir()
        return (f"{type(self).__name__}.{self.name}: put {self.filename} in {folder}/ "
                f"(download {self.url} where the internet is reachable; its SHA-256 begins "
                f"{self.sha256_prefix}; galton downloads nothing)")

    def get_state_dict(self, progress=True, check_hash=False):
        """The state dict read from torchvision's cache folder (no download, no code run)."""
        path = os.path.join(checkpoint_dir(), self.filename)
        if not os.path.isfile(path):
            raise FileNotFoundError(self.missing_message())
        if check_hash:
            import hashlib
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            if not digest.startswith(self.sha256_prefix):
                raise RuntimeError(f"{path}: SHA-256 {digest} does not begin "
                                   f"{self.sha256_prefix}; the file is corrupt or another one")
        from ...serialization import load
        return load(path, map_location="cpu")

    def __repr__(self):
        return f"{type(self).__name__}.{self.name}"

    def __eq__(self, other):
        other = self.verify(other) if isinstance(other, str) else other
        return isinstance(other, type(self)) and self.name == other.name

    __hash__ = enum.Enum.__hash__


def _imagenet_categories():
    # ImageNet-1K's 1,000 class names in torchvision's order and spelling: pytorch/hub's
    # imagenet_classes.txt with torchvision's two renames that make the names unique
    # (134 "crane bird", 639 "maillot tank suit")
    import json
    with open(os.path.join(os.path.dirname(__file__), "imagenet_categories.json")) as f:
        return json.load(f)


_IMAGENET_CATEGORIES = _imagenet_categories()


def _weights(file, crop, params, acc1, acc5, recipe, resize=256, interpolation=None,
             norm=None, **extra):
    meta = {"num_params": params, "min_size": (1, 1) if "vgg" not in file else (32, 32),
            "categories": _IMAGENET_CATEGORIES, "recipe": recipe,
            "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}, **extra}
    preset = {"crop_size": crop, "resize_size": resize, "interpolation": interpolation}
    if norm is not None:  # (mean, std) other than ImageNet's
        preset["mean"], preset["std"] = norm
    return Weights(url=_BASE + file, meta=meta, transforms=lambda: ImageClassification(**preset))


def weights_enum(name, members, default):
    """A ``*_Weights`` enum named ``name`` holding ``members`` ({name: Weights}) and DEFAULT."""
    return WeightsEnum(name, {**members, "DEFAULT": members[default]}, module=__name__)


_CLASSIC = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"
_NEW = "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621"
_VGG = "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg"


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("alexnet-owt-7be5be79.pth", 224, 61100840, 56.522, 79.066, _VGG)
    DEFAULT = IMAGENET1K_V1


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("resnet18-f37072fd.pth", 224, 11689512, 69.758, 89.078, _CLASSIC)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("resnet34-b627a593.pth", 224, 21797672, 73.314, 91.420, _CLASSIC)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("resnet50-0676ba61.pth", 224, 25557032, 76.130, 92.862, _CLASSIC)
    IMAGENET1K_V2 = _weights("resnet50-11ad3fa6.pth", 224, 25557032, 80.858, 95.434, _NEW,
                             resize=232)
    DEFAULT = IMAGENET1K_V2


class ResNet101_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("resnet101-63fe2227.pth", 224, 44549160, 77.374, 93.546, _CLASSIC)
    IMAGENET1K_V2 = _weights("resnet101-cd907fc2.pth", 224, 44549160, 81.886, 95.780, _NEW,
                             resize=232)
    DEFAULT = IMAGENET1K_V2


class ResNet152_Weights(WeightsEnum):
    IMAGENET1K_V1 = _weights("resnet152-394f9c45.pth", 224, 60192808, 78.312, 94.046, _CLASSIC)
    IMAGENET1K_V2 = _weights("resnet152-f82ba261.pth", 224, 60192808, 82.284, 96.002, _NEW,
                             resize=232)
    DEFAULT = IMAGENET1K_V2


def _vgg_enum(name, file, params, acc1, acc5):
    w = _weights(file, 224, params, acc1, acc5, _VGG)
    return WeightsEnum(name, {"IMAGENET1K_V1": w, "DEFAULT": w}, module=__name__)


VGG11_Weights = _vgg_enum("VGG11_Weights", "vgg11-8a719046.pth", 132863336, 69.020, 88.628)
VGG11_BN_Weights = _vgg_enum("VGG11_BN_Weights", "vgg11_bn-6002323d.pth", 132868840, 70.370,
                             89.810)
VGG13_Weights = _vgg_enum("VGG13_Weights", "vgg13-19584684.pth", 133047848, 69.928, 89.246)
VGG13_BN_Weights = _vgg_enum("VGG13_BN_Weights", "vgg13_bn-abd245e5.pth", 133053736, 71.586,
                             90.374)
VGG16_Weights = _vgg_enum("VGG16_Weights", "vgg16-397923af.pth", 138357544, 71.592, 90.382)
VGG16_BN_Weights = _vgg_enum("VGG16_BN_Weights", "vgg16_bn-6c64b313.pth", 138365992, 73.360,
                             91.516)
VGG19_Weights = _vgg_enum("VGG19_Weights", "vgg19-dcbb9e9d.pth", 143667240, 72.376, 90.876)
VGG19_BN_Weights = _vgg_enum("VGG19_BN_Weights", "vgg19_bn-c79401a0.pth", 143678248, 74.218,
                             91.842)
_BY_BUILDER = {"alexnet": AlexNet_Weights, "resnet18": ResNet18_Weights,
               "resnet34": ResNet34_Weights, "resnet50": ResNet50_Weights,
               "resnet101": ResNet101_Weights, "resnet152": ResNet152_Weights,
               "vgg11": VGG11_Weights, "vgg11_bn": VGG11_BN_Weights, "vgg13": VGG13_Weights,
               "vgg13_bn": VGG13_BN_Weights, "vgg16": VGG16_Weights,
               "vgg16_bn": VGG16_BN_Weights, "vgg19": VGG19_Weights,
               "vgg19_bn": VGG19_BN_Weights}


def register_weights(builder, enum_cls):
    """Make ``enum_cls`` the weights enum of the constructor named ``builder`` (the model
    files of the zoo call this for their own enums)."""
    _BY_BUILDER[builder] = enum_cls
    return enum_cls


def weights_enum_of(builder):
    """The ``*_Weights`` enum of a constructor name, or None (the seeds' networks)."""
    return _BY_BUILDER.get(builder)


def get_model_weights(name):
    """The ``*_Weights`` enum of a model, by name (``"resnet18"``) or constructor
    (torchvision's ``get_model_weights``)."""
    key = name if isinstance(name, str) else getattr(name, "__name__", "")
    enum_cls = _BY_BUILDER.get(key.lower())
    if enum_cls is None:
        raise ValueError(f"Unknown model {name!r}: no weights enum is registered for it")
    return enum_cls


def get_weight(name):
    """torchvision's ``get_weight("ResNet18_Weights.IMAGENET1K_V1")``."""
    enum_name, _, member = name.partition(".")
    for e in _BY_BUILDER.values():
        if e.__name__ == enum_name:
            return e.verify(member)
    raise ValueError(f"Unknown weights enum {enum_name!r}")
