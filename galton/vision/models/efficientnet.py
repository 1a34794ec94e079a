"""EfficientNet B0–B7 (Tan & Le, 2019) and EfficientNetV2 S/M/L (Tan & Le, 2021) in
torchvision's layout and key names (``features.0`` the stem, ``features.1``–``features.7`` the
stages of ``MBConv`` / ``FusedMBConv`` blocks, each with its ``block`` Sequential,
``features.8`` the head convolution, ``classifier.1``), so torchvision's weights load.

B1–B7 are B0 with more channels (``width_mult``) and more blocks per stage (``depth_mult``).
Parameters (1000 classes): B0 5,288,548, B1 7,794,184, B2 9,109,994, B3 12,233,232,
B4 19,341,616, B5 30,389,784, B6 43,040,704, B7 66,347,960; V2-S 21,458,488, V2-M 54,139,356,
V2-L 118,515,272.
"""
import copy
import math
from functools import partial

from ... import nn
from ...nn import init
from ._blocks import Conv2dNormActivation, SqueezeExcitation, StochasticDepth, make_divisible
from ._weights import build
from .weights import _weights, register_weights, weights_enum
from ..transforms.functional import InterpolationMode

__all__ = ["EfficientNet", "MBConv", "FusedMBConv", "MBConvConfig", "FusedMBConvConfig",
           *[f"efficientnet_b{i}" for i in range(8)], "efficientnet_v2_s", "efficientnet_v2_m",
           "efficientnet_v2_l", *[f"EfficientNet_B{i}_Weights" for i in range(8)],
           "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights"]


class _MBConvConfig:
    """One stage: expansion, kernel, first stride, channels in/out, number of blocks."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 block):
        self.expand_ratio, self.kernel, self.stride = expand_ratio, kernel, stride
        self.input_channels, self.out_channels = input_channels, out_channels
        self.num_layers, self.block = num_layers, block

    @staticmethod
    def adjust_channels(channels, width_mult, min_value=None):
        return make_divisible(channels * width_mult, 8, min_value)

    def __repr__(self):
        return (f"{type(self).__name__}(expand_ratio={self.expand_ratio}, kernel={self.kernel}"
                f", stride={self.stride}, input_channels={self.input_channels}, out_channels="
                f"{self.out_channels}, num_layers={self.num_layers})")


class MBConvConfig(_MBConvConfig):
    """A stage of MBConv blocks; channels scaled by ``width_mult`` (rounded to multiples of
    8), the block count by ``depth_mult`` (rounded up)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 width_mult=1.0, depth_mult=1.0, block=None):
        super().__init__(expand_ratio, kernel, stride,
                         self.adjust_channels(input_channels, width_mult),
                         self.adjust_channels(out_channels, width_mult),
                         int(math.ceil(num_layers * depth_mult)), block or MBConv)


class FusedMBConvConfig(_MBConvConfig):
    """A stage of FusedMBConv blocks (EfficientNetV2's early stages)."""

    def __init__(self, expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                 block=None):
        super().__init__(expand_ratio, kernel, stride, input_channels, out_channels, num_layers,
                         block or FusedMBConv)


class MBConv(nn.Module):
    """Expand 1×1, depthwise k×k, squeeze-and-excitation (a quarter of the input width),
    project 1×1, all with SiLU; the residual branch goes through stochastic depth."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer, se_layer=SqueezeExcitation):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        layers = []
        if expanded != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=1,
                                               norm_layer=norm_layer,
                                               activation_layer=nn.SiLU))
        layers.append(Conv2dNormActivation(expanded, expanded, kernel_size=cnf.kernel,
                                           stride=cnf.stride, groups=expanded,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        layers.append(se_layer(expanded, max(1, cnf.input_channels // 4),
                               activation=partial(nn.SiLU, inplace=True)))
        layers.append(Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result = self.stochastic_depth(result) + input
        return result


class FusedMBConv(nn.Module):
    """EfficientNetV2's block: one full k×k convolution does the expansion (and stride),
    a 1×1 projects back; no squeeze-and-excitation."""

    def __init__(self, cnf, stochastic_depth_prob, norm_layer):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        expanded = cnf.adjust_channels(cnf.input_channels, cnf.expand_ratio)
        if expanded != cnf.input_channels:
            layers = [Conv2dNormActivation(cnf.input_channels, expanded, kernel_size=cnf.kernel,
                                           stride=cnf.stride, norm_layer=norm_layer,
                                           activation_layer=nn.SiLU),
                      Conv2dNormActivation(expanded, cnf.out_channels, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=None)]
        else:
            layers = [Conv2dNormActivation(cnf.input_channels, cnf.out_channels,
                                           kernel_size=cnf.kernel, stride=cnf.stride,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU)]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(stochastic_depth_prob, "row")
        self.out_channels = cnf.out_channels

    forward = MBConv.forward


class EfficientNet(nn.Module):
    """EfficientNet (torchvision's class): SiLU stem, one Sequential per stage of
    ``inverted_residual_setting``, a 1×1 head convolution (``last_channel``, or 4× the last
    stage's width), average pooling, dropout and a linear classifier. The stochastic-depth
    probability grows linearly from 0 to ``stochastic_depth_prob`` over the blocks."""

    def __init__(self, inverted_residual_setting, dropout, stochastic_depth_prob=0.2,
                 num_classes=1000, norm_layer=None, last_channel=None):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, _MBConvConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be List[MBConvConfig]")
        norm_layer = norm_layer or nn.BatchNorm2d
        layers = [Conv2dNormActivation(3, inverted_residual_setting[0].input_channels,
                                       kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.SiLU)]
        total_blocks = sum(cnf.num_layers for cnf in inverted_residual_setting)
        block_id = 0
        for cnf in inverted_residual_setting:
            stage = []
            for _ in range(cnf.num_layers):
                block_cnf = copy.copy(cnf)
                if stage:  # later blocks of a stage keep the width and the resolution
                    block_cnf.input_channels, block_cnf.stride = block_cnf.out_channels, 1
                sd_prob = stochastic_depth_prob * float(block_id) / total_blocks
                stage.append(block_cnf.block(block_cnf, sd_prob, norm_layer))
                block_id += 1
            layers.append(nn.Sequential(*stage))
        last_in = inverted_residual_setting[-1].out_channels
        last_out = last_channel if last_channel is not None else 4 * last_in
        layers.append(Conv2dNormActivation(last_in, last_out, kernel_size=1,
                                           norm_layer=norm_layer, activation_layer=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(last_out, num_classes))
        # torchvision's init; the classifier is uniform in ±1/sqrt(num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                init.ones_(m.weight)
                init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                r = 1.0 / math.sqrt(m.out_features)
                init.uniform_(m.weight, -r, r)
                init.zeros_(m.bias)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _efficientnet_conf(arch, width_mult=1.0, depth_mult=1.0):
    if arch.startswith("efficientnet_b"):
        c = partial(MBConvConfig, width_mult=width_mult, depth_mult=depth_mult)
        return [c(1, 3, 1, 32, 16, 1), c(6, 3, 2, 16, 24, 2), c(6, 5, 2, 24, 40, 2),
                c(6, 3, 2, 40, 80, 3), c(6, 5, 1, 80, 112, 3), c(6, 5, 2, 112, 192, 4),
                c(6, 3, 1, 192, 320, 1)], None
    F, M = FusedMBConvConfig, MBConvConfig
    if arch == "efficientnet_v2_s":
        return [F(1, 3, 1, 24, 24, 2), F(4, 3, 2, 24, 48, 4), F(4, 3, 2, 48, 64, 4),
                M(4, 3, 2, 64, 128, 6), M(6, 3, 1, 128, 160, 9), M(6, 3, 2, 160, 256, 15)], 1280
    if arch == "efficientnet_v2_m":
        return [F(1, 3, 1, 24, 24, 3), F(4, 3, 2, 24, 48, 5), F(4, 3, 2, 48, 80, 5),
                M(4, 3, 2, 80, 160, 7), M(6, 3, 1, 160, 176, 14), M(6, 3, 2, 176, 304, 18),
                M(6, 3, 1, 304, 512, 5)], 1280
    if arch == "efficientnet_v2_l":
        return [F(1, 3, 1, 32, 32, 4), F(4, 3, 2, 32, 64, 7), F(4, 3, 2, 64, 96, 7),
                M(4, 3, 2, 96, 192, 10), M(6, 3, 1, 192, 224, 19), M(6, 3, 2, 224, 384, 25),
                M(6, 3, 1, 384, 640, 7)], 1280
    raise ValueError(f"Unsupported model type {arch}")


# --- weights: (file, crop, resize, interpolation, params, acc@1, acc@5) --------------------------
_V1 = "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v1"
_V2 = "https://github.com/pytorch/vision/tree/main/references/classification#efficientnet-v2"
_NEW = "https://github.com/pytorch/vision/issues/3995#new-recipe-with-lr-wd-crop-tuning"
_BIC, _BIL = InterpolationMode.BICUBIC, InterpolationMode.BILINEAR
_TABLE = {
    "b0": [("IMAGENET1K_V1", "efficientnet_b0_rwightman-7f5810bc.pth", 224, 256, _BIC, 5288548,
            77.692, 93.532, _V1)],
    "b1": [("IMAGENET1K_V1", "efficientnet_b1_rwightman-bac287d4.pth", 240, 256, _BIC, 7794184,
            78.642, 94.186, _V1),
           ("IMAGENET1K_V2", "efficientnet_b1-c27df63c.pth", 240, 255, _BIL, 7794184, 79.838,
            94.934, _NEW)],
    "b2": [("IMAGENET1K_V1", "efficientnet_b2_rwightman-c35c1473.pth", 288, 288, _BIC, 9109994,
            80.608, 95.310, _V1)],
    "b3": [("IMAGENET1K_V1", "efficientnet_b3_rwightman-b3899882.pth", 300, 320, _BIC,
            12233232, 82.008, 96.054, _V1)],
    "b4": [("IMAGENET1K_V1", "efficientnet_b4_rwightman-23ab8bcd.pth", 380, 384, _BIC,
            19341616, 83.384, 96.594, _V1)],
    "b5": [("IMAGENET1K_V1", "efficientnet_b5_lukemelas-1a07897c.pth", 456, 456, _BIC,
            30389784, 83.444, 96.628, _V1)],
    "b6": [("IMAGENET1K_V1", "efficientnet_b6_lukemelas-24a108a5.pth", 528, 528, _BIC,
            43040704, 84.008, 96.916, _V1)],
    "b7": [("IMAGENET1K_V1", "efficientnet_b7_lukemelas-c5b4e57e.pth", 600, 600, _BIC,
            66347960, 84.122, 96.908, _V1)],
    "v2_s": [("IMAGENET1K_V1", "efficientnet_v2_s-dd5fe13b.pth", 384, 384, _BIL, 21458488,
              84.228, 96.878, _V2)],
    "v2_m": [("IMAGENET1K_V1", "efficientnet_v2_m-dc08266a.pth", 480, 480, _BIL, 54139356,
              85.112, 97.156, _V2)],
    "v2_l": [("IMAGENET1K_V1", "efficientnet_v2_l-59c71312.pth", 480, 480, _BIC, 118515272,
              85.808, 97.788, _V2)],
}


def _make_enum(key):
    rows = _TABLE[key]
    members = {}
    for name, file, crop, resize, interp, params, acc1, acc5, recipe in rows:
        extra = {"min_size": (33, 33)} if key.startswith("v2") else {}
        if key == "v2_l":  # ported from TensorFlow: normalised to [-1, 1]
            extra["norm"] = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
        members[name] = _weights(file, crop, params, acc1, acc5, recipe, resize=resize,
                                 interpolation=interp, **extra)
    enum_name = f"EfficientNet_{key.upper()}_Weights"
    return register_weights(f"efficientnet_{key}",
                            weights_enum(enum_name, members, rows[-1][0]))


EfficientNet_B0_Weights = _make_enum("b0")
EfficientNet_B1_Weights = _make_enum("b1")
EfficientNet_B2_Weights = _make_enum("b2")
EfficientNet_B3_Weights = _make_enum("b3")
EfficientNet_B4_Weights = _make_enum("b4")
EfficientNet_B5_Weights = _make_enum("b5")
EfficientNet_B6_Weights = _make_enum("b6")
EfficientNet_B7_Weights = _make_enum("b7")
EfficientNet_V2_S_Weights = _make_enum("v2_s")
EfficientNet_V2_M_Weights = _make_enum("v2_m")
EfficientNet_V2_L_Weights = _make_enum("v2_l")


def _efficientnet(arch, dropout, weights, kwargs, width_mult=1.0, depth_mult=1.0,
                  norm_layer=None):
    pretrained = kwargs.pop("pretrained", None)
    setting, last_channel = _efficientnet_conf(arch, width_mult, depth_mult)
    if norm_layer is not None:
        kwargs.setdefault("norm_layer", norm_layer)
    return build(lambda: EfficientNet(setting, kwargs.pop("dropout", dropout),
                                      last_channel=last_channel, **kwargs),
                 weights, arch, pretrained)


# B5–B7 (ported from another implementation) and V2 use batch norm eps 0.001
_BN_B5 = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
_BN_V2 = partial(nn.BatchNorm2d, eps=1e-03)


def efficientnet_b0(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B0: 5,288,548 parameters, 224×224."""
    return _efficientnet("efficientnet_b0", 0.2, weights, kwargs, 1.0, 1.0)


def efficientnet_b1(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B1 (depth ×1.1): 7,794,184 parameters, 240×240."""
    return _efficientnet("efficientnet_b1", 0.2, weights, kwargs, 1.0, 1.1)


def efficientnet_b2(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B2 (width ×1.1, depth ×1.2): 9,109,994 parameters, 288×288."""
    return _efficientnet("efficientnet_b2", 0.3, weights, kwargs, 1.1, 1.2)


def efficientnet_b3(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B3 (width ×1.2, depth ×1.4): 12,233,232 parameters, 300×300."""
    return _efficientnet("efficientnet_b3", 0.3, weights, kwargs, 1.2, 1.4)


def efficientnet_b4(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B4 (width ×1.4, depth ×1.8): 19,341,616 parameters, 380×380."""
    return _efficientnet("efficientnet_b4", 0.4, weights, kwargs, 1.4, 1.8)


def efficientnet_b5(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B5 (width ×1.6, depth ×2.2): 30,389,784 parameters, 456×456."""
    return _efficientnet("efficientnet_b5", 0.4, weights, kwargs, 1.6, 2.2, _BN_B5)


def efficientnet_b6(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B6 (width ×1.8, depth ×2.6): 43,040,704 parameters, 528×528."""
    return _efficientnet("efficientnet_b6", 0.5, weights, kwargs, 1.8, 2.6, _BN_B5)


def efficientnet_b7(*, weights=None, progress=True, **kwargs):
    """EfficientNet-B7 (width ×2.0, depth ×3.1): 66,347,960 parameters, 600×600."""
    return _efficientnet("efficientnet_b7", 0.5, weights, kwargs, 2.0, 3.1, _BN_B5)


def efficientnet_v2_s(*, weights=None, progress=True, **kwargs):
    """EfficientNetV2-S: 21,458,488 parameters, 384×384."""
    return _efficientnet("efficientnet_v2_s", 0.2, weights, kwargs, norm_layer=_BN_V2)


def efficientnet_v2_m(*, weights=None, progress=True, **kwargs):
    """EfficientNetV2-M: 54,139,356 parameters, 480×480."""
    return _efficientnet("efficientnet_v2_m", 0.3, weights, kwargs, norm_layer=_BN_V2)


def efficientnet_v2_l(*, weights=None, progress=True, **kwargs):
    """EfficientNetV2-L: 118,515,272 parameters, 480×480."""
    return _efficientnet("efficientnet_v2_l", 0.4, weights, kwargs, norm_layer=_BN_V2)
