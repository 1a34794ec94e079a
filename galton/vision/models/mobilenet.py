"""MobileNet V2 (Sandler et al., 2018) and V3 (Howard et al., 2019) in torchvision's layout
and key names (``features.0.0`` the stem convolution, ``features.N.conv`` / ``.block`` the
inverted residuals, ``classifier``), so torchvision's weights load.

An inverted residual widens the channels by an expansion factor with a 1×1 convolution,
filters each channel on its own (a depthwise 3×3 or 5×5), and projects back with a linear
1×1; V3 adds squeeze-and-excitation and hard-swish. MobileNet V2 has 3,504,872 parameters,
V3-Large 5,483,032 and V3-Small 2,542,856 (1000 classes).
"""
from functools import partial

from ... import nn
from ...nn import init
from ._blocks import Conv2dNormActivation, SqueezeExcitation, make_divisible
from ._weights import build
from .weights import _weights, register_weights, weights_enum

__all__ = ["MobileNetV2", "MobileNetV3", "InvertedResidual", "InvertedResidualConfig",
           "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small", "MobileNet_V2_Weights",
           "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights"]


def _init_weights(model):
    # torchvision's: He normal (fan_out) convs, BN as identity, dense N(0, 0.01), zero biases
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            init.ones_(m.weight)
            init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            init.normal_(m.weight, 0, 0.01)
            init.zeros_(m.bias)


# --- MobileNet V2 ----------------------------------------------------------------------------
class _InvertedResidualV2(nn.Module):
    """V2's block (``conv``: expand 1×1 + ReLU6, depthwise 3×3 + ReLU6, linear 1×1 + BN),
    with a shortcut when the shape is kept."""

    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride should be 1 or 2 instead of {stride}")
        norm_layer = norm_layer or nn.BatchNorm2d
        self.stride = stride
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden_dim, kernel_size=1,
                                               norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [Conv2dNormActivation(hidden_dim, hidden_dim, stride=stride,
                                        groups=hidden_dim, norm_layer=norm_layer,
                                        activation_layer=nn.ReLU6),
                   nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
                   norm_layer(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup
        self._is_cn = stride > 1

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNet V2 (torchvision's class and arguments). ``inverted_residual_setting`` rows
    are (expansion t, channels c, repeats n, first stride s)."""

    def __init__(self, num_classes=1000, width_mult=1.0, inverted_residual_setting=None,
                 round_nearest=8, block=None, norm_layer=None, dropout=0.2):
        super().__init__()
        block = block or _InvertedResidualV2
        norm_layer = norm_layer or nn.BatchNorm2d
        input_channel, last_channel = 32, 1280
        if inverted_residual_setting is None:
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2],
                                         [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                                         [6, 320, 1, 1]]
        if len(inverted_residual_setting) == 0 or len(inverted_residual_setting[0]) != 4:
            raise ValueError("inverted_residual_setting should be non-empty or a 4-element "
                             f"list, got {inverted_residual_setting}")
        input_channel = make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(3, input_channel, stride=2, norm_layer=norm_layer,
                                         activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1,
                                      expand_ratio=t, norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1,
                                             norm_layer=norm_layer,
                                             activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout),
                                        nn.Linear(self.last_channel, num_classes))
        _init_weights(self)

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(x.flatten(1))


# --- MobileNet V3 ----------------------------------------------------------------------------
class InvertedResidualConfig:
    """One row of the MobileNet V3 tables: channels (scaled by ``width_mult``), kernel,
    squeeze-and-excitation, activation ("RE" ReLU or "HS" hard-swish), stride, dilation."""

    def __init__(self, input_channels, kernel, expanded_channels, out_channels, use_se,
                 activation, stride, dilation, width_mult):
        self.input_channels = self.adjust_channels(input_channels, width_mult)
        self.kernel = kernel
        self.expanded_channels = self.adjust_channels(expanded_channels, width_mult)
        self.out_channels = self.adjust_channels(out_channels, width_mult)
        self.use_se = use_se
        self.use_hs = activation == "HS"
        self.stride = stride
        self.dilation = dilation

    @staticmethod
    def adjust_channels(channels, width_mult):
        return make_divisible(channels * width_mult, 8)


class InvertedResidual(nn.Module):
    """V3's block (``block``): expand, depthwise (dilated instead of strided when asked),
    squeeze-and-excitation with a hard-sigmoid gate, linear projection; shortcut when the
    shape is kept."""

    def __init__(self, cnf, norm_layer,
                 se_layer=partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)):
        super().__init__()
        if not 1 <= cnf.stride <= 2:
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        act = nn.Hardswish if cnf.use_hs else nn.ReLU
        layers = []
        if cnf.expanded_channels != cnf.input_channels:
            layers.append(Conv2dNormActivation(cnf.input_channels, cnf.expanded_channels,
                                               kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=act))
        layers.append(Conv2dNormActivation(
            cnf.expanded_channels, cnf.expanded_channels, kernel_size=cnf.kernel,
            stride=1 if cnf.dilation > 1 else cnf.stride, dilation=cnf.dilation,
            groups=cnf.expanded_channels, norm_layer=norm_layer, activation_layer=act))
        if cnf.use_se:
            layers.append(se_layer(cnf.expanded_channels,
                                   make_divisible(cnf.expanded_channels // 4, 8)))
        layers.append(Conv2dNormActivation(cnf.expanded_channels, cnf.out_channels,
                                           kernel_size=1, norm_layer=norm_layer,
                                           activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels
        self._is_cn = cnf.stride > 1

    def forward(self, input):
        result = self.block(input)
        return result + input if self.use_res_connect else result


class MobileNetV3(nn.Module):
    """MobileNet V3 (torchvision's class): a hard-swish stem, the inverted residuals of
    ``inverted_residual_setting``, a 1×1 convolution to 6× the last width, and a two-layer
    classifier through ``last_channel``. Batch norm uses eps 0.001, momentum 0.01."""

    def __init__(self, inverted_residual_setting, last_channel, num_classes=1000, block=None,
                 norm_layer=None, dropout=0.2, **kwargs):
        super().__init__()
        if not inverted_residual_setting:
            raise ValueError("The inverted_residual_setting should not be empty")
        if not all(isinstance(s, InvertedResidualConfig) for s in inverted_residual_setting):
            raise TypeError("The inverted_residual_setting should be "
                            "List[InvertedResidualConfig]")
        block = block or InvertedResidual
        norm_layer = norm_layer or partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        first = inverted_residual_setting[0].input_channels
        layers = [Conv2dNormActivation(3, first, kernel_size=3, stride=2, norm_layer=norm_layer,
                                       activation_layer=nn.Hardswish)]
        layers += [block(cnf, norm_layer) for cnf in inverted_residual_setting]
        last_in = inverted_residual_setting[-1].out_channels
        layers.append(Conv2dNormActivation(last_in, 6 * last_in, kernel_size=1,
                                           norm_layer=norm_layer,
                                           activation_layer=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(6 * last_in, last_channel),
                                        nn.Hardswish(inplace=True),
                                        nn.Dropout(p=dropout, inplace=True),
                                        nn.Linear(last_channel, num_classes))
        _init_weights(self)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _mobilenet_v3_conf(arch, width_mult=1.0, reduced_tail=False, dilated=False, **kwargs):
    # the tables of the paper (large: Table 1, small: Table 2); reduced_tail halves the
    # channels of the last blocks, dilated trades their stride for dilation (segmentation)
    rd = 2 if reduced_tail else 1
    dil = 2 if dilated else 1
    c = partial(InvertedResidualConfig, width_mult=width_mult)
    if arch == "mobilenet_v3_large":
        setting = [
            c(16, 3, 16, 16, False, "RE", 1, 1), c(16, 3, 64, 24, False, "RE", 2, 1),
            c(24, 3, 72, 24, False, "RE", 1, 1), c(24, 5, 72, 40, True, "RE", 2, 1),
            c(40, 5, 120, 40, True, "RE", 1, 1), c(40, 5, 120, 40, True, "RE", 1, 1),
            c(40, 3, 240, 80, False, "HS", 2, 1), c(80, 3, 200, 80, False, "HS", 1, 1),
            c(80, 3, 184, 80, False, "HS", 1, 1), c(80, 3, 184, 80, False, "HS", 1, 1),
            c(80, 3, 480, 112, True, "HS", 1, 1), c(112, 3, 672, 112, True, "HS", 1, 1),
            c(112, 5, 672, 160 // rd, True, "HS", 2, dil),
            c(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil),
            c(160 // rd, 5, 960 // rd, 160 // rd, True, "HS", 1, dil)]
        last_channel = InvertedResidualConfig.adjust_channels(1280 // rd, width_mult)
    elif arch == "mobilenet_v3_small":
        setting = [
            c(16, 3, 16, 16, True, "RE", 2, 1), c(16, 3, 72, 24, False, "RE", 2, 1),
            c(24, 3, 88, 24, False, "RE", 1, 1), c(24, 5, 96, 40, True, "HS", 2, 1),
            c(40, 5, 240, 40, True, "HS", 1, 1), c(40, 5, 240, 40, True, "HS", 1, 1),
            c(40, 5, 120, 48, True, "HS", 1, 1), c(48, 5, 144, 48, True, "HS", 1, 1),
            c(48, 5, 288, 96 // rd, True, "HS", 2, dil),
            c(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil),
            c(96 // rd, 5, 576 // rd, 96 // rd, True, "HS", 1, dil)]
        last_channel = InvertedResidualConfig.adjust_channels(1024 // rd, width_mult)
    else:
        raise ValueError(f"Unsupported model type {arch}")
    return setting, last_channel


# --- weights and constructors ------------------------------------------------------------------
_V2_RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#mobilenetv2"
_V3_RECIPE = ("https://github.com/pytorch/vision/tree/main/references/classification"
              "#mobilenetv3-large--small")
_REG_RECIPE = "https://github.com/pytorch/vision/issues/3995#new-recipe-with-reg-tuning"

MobileNet_V2_Weights = register_weights("mobilenet_v2", weights_enum("MobileNet_V2_Weights", {
    "IMAGENET1K_V1": _weights("mobilenet_v2-b0353104.pth", 224, 3504872, 71.878, 90.286,
                              _V2_RECIPE),
    "IMAGENET1K_V2": _weights("mobilenet_v2-7ebf99e0.pth", 224, 3504872, 72.154, 90.822,
                              _REG_RECIPE, resize=232)}, "IMAGENET1K_V2"))
MobileNet_V3_Large_Weights = register_weights("mobilenet_v3_large", weights_enum(
    "MobileNet_V3_Large_Weights", {
        "IMAGENET1K_V1": _weights("mobilenet_v3_large-8738ca79.pth", 224, 5483032, 74.042,
                                  91.340, _V3_RECIPE),
        "IMAGENET1K_V2": _weights("mobilenet_v3_large-5c1a4163.pth", 224, 5483032, 75.274,
                                  92.566, _REG_RECIPE, resize=232)}, "IMAGENET1K_V2"))
MobileNet_V3_Small_Weights = register_weights("mobilenet_v3_small", weights_enum(
    "MobileNet_V3_Small_Weights", {
        "IMAGENET1K_V1": _weights("mobilenet_v3_small-047dcff4.pth", 224, 2542856, 67.668,
                                  87.402, _V3_RECIPE)}, "IMAGENET1K_V1"))


def mobilenet_v2(*, weights=None, progress=True, **kwargs):
    """MobileNet V2 (width 1.0): 3,504,872 parameters."""
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: MobileNetV2(**kwargs), weights, "mobilenet_v2", pretrained)


def _mobilenet_v3(arch, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    setting, last_channel = _mobilenet_v3_conf(arch, **kwargs)
    return build(lambda: MobileNetV3(setting, last_channel, **kwargs), weights, arch,
                 pretrained)


def mobilenet_v3_large(*, weights=None, progress=True, **kwargs):
    """MobileNet V3-Large: 5,483,032 parameters."""
    return _mobilenet_v3("mobilenet_v3_large", weights, kwargs)


def mobilenet_v3_small(*, weights=None, progress=True, **kwargs):
    """MobileNet V3-Small: 2,542,856 parameters."""
    return _mobilenet_v3("mobilenet_v3_small", weights, kwargs)
