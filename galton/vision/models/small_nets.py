"""Two small ImageNet networks in torchvision's layouts and key names: SqueezeNet (Iandola et
al., 2016; Fire modules of a 1×1 squeeze and parallel 1×1 / 3×3 expands, a convolutional
classifier) and ShuffleNet V2 (Ma et al., 2018; half the channels pass through, the other
half through a depthwise block, then the channels are shuffled). SqueezeNet 1.0 has 1,248,424
parameters, 1.1 1,235,496; ShuffleNet V2 ×0.5 1,366,792, ×1.0 2,278,604, ×1.5 3,503,624,
×2.0 7,393,996 (1000 classes)."""
from ... import cat, nn
from ...nn import init
from ._weights import build
from .weights import _weights, register_weights, weights_enum

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1", "ShuffleNetV2",
           "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
           "shufflenet_v2_x2_0", "SqueezeNet1_0_Weights", "SqueezeNet1_1_Weights",
           "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights",
           "ShuffleNet_V2_X1_5_Weights", "ShuffleNet_V2_X2_0_Weights"]


# --- SqueezeNet --------------------------------------------------------------------------------
class Fire(nn.Module):
    """Squeeze to ``squeeze_planes`` with a 1×1, then concatenate a 1×1 and a 3×3 expand."""

    def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.squeeze_activation(self.squeeze(x))
        return cat([self.expand1x1_activation(self.expand1x1(x)),
                    self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet(nn.Module):
    """SqueezeNet ``version`` "1_0" or "1_1" (torchvision's class and arguments)."""

    def __init__(self, version="1_0", num_classes=1000, dropout=0.5):
        super().__init__()
        self.num_classes = num_classes
        pool = lambda: nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)  # noqa: E731
        if version == "1_0":
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, kernel_size=7, stride=2), nn.ReLU(inplace=True), pool(),
                Fire(96, 16, 64, 64), Fire(128, 16, 64, 64), Fire(128, 32, 128, 128), pool(),
                Fire(256, 32, 128, 128), Fire(256, 48, 192, 192), Fire(384, 48, 192, 192),
                Fire(384, 64, 256, 256), pool(), Fire(512, 64, 256, 256))
        elif version == "1_1":
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=3, stride=2), nn.ReLU(inplace=True), pool(),
                Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
                Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
                Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256),
                Fire(512, 64, 256, 256))
        else:
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1_0 or 1_1 expected")
        final_conv = nn.Conv2d(512, num_classes, kernel_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), final_conv,
                                        nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))
        for m in self.modules():  # torchvision's init
            if isinstance(m, nn.Conv2d):
                if m is final_conv:
                    init.normal_(m.weight, mean=0.0, std=0.01)
                else:
                    init.kaiming_uniform_(m.weight)
                if m.bias is not None:
                    init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(self.features(x)).flatten(1)


# --- ShuffleNet V2 -----------------------------------------------------------------------------
def channel_shuffle(x, groups):
    """Interleave the channels of ``groups`` groups (so the next block mixes them)."""
    b, c, h, w = x.shape
    x = x.reshape(b, groups, c // groups, h, w).transpose(1, 2)
    return x.reshape(b, c, h, w)


def _depthwise(i, o, kernel_size, stride=1, padding=0, bias=False):
    return nn.Conv2d(i, o, kernel_size, stride, padding, bias=bias, groups=i)


class ShuffleUnit(nn.Module):
    """ShuffleNet V2's unit (torchvision calls it InvertedResidual): at stride 1 half the
    channels pass unchanged; at stride 2 both halves are computed (``branch1``, ``branch2``)."""

    def __init__(self, inp, oup, stride):
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError("illegal stride value")
        self.stride = stride
        bf = oup // 2
        if stride == 1 and inp != bf << 1:
            raise ValueError(f"Invalid combination of stride {stride}, inp {inp} and oup {oup} "
                             "values. If stride == 1 then inp should be equal to oup // 2 << 1.")
        if stride > 1:
            self.branch1 = nn.Sequential(
                _depthwise(inp, inp, 3, stride, 1), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, bf, 1, 1, 0, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if stride > 1 else bf, bf, 1, 1, 0, bias=False), nn.BatchNorm2d(bf),
            nn.ReLU(inplace=True), _depthwise(bf, bf, 3, stride, 1), nn.BatchNorm2d(bf),
            nn.Conv2d(bf, bf, 1, 1, 0, bias=False), nn.BatchNorm2d(bf), nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = cat([x1, self.branch2(x2)], 1)
        else:
            out = cat([self.branch1(x), self.branch2(x)], 1)
        return channel_shuffle(out, 2)


class ShuffleNetV2(nn.Module):
    """ShuffleNet V2 (torchvision's class): stem, three stages of ``stages_repeats`` units
    with ``stages_out_channels`` widths, a 1×1 convolution, global mean, linear ``fc``."""

    def __init__(self, stages_repeats, stages_out_channels, num_classes=1000,
                 inverted_residual=ShuffleUnit):
        super().__init__()
        if len(stages_repeats) != 3:
            raise ValueError("expected stages_repeats as list of 3 positive ints")
        if len(stages_out_channels) != 5:
            raise ValueError("expected stages_out_channels as list of 5 positive ints")
        self._stage_out_channels = stages_out_channels
        inp, out = 3, stages_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(inp, out, 3, 2, 1, bias=False),
                                   nn.BatchNorm2d(out), nn.ReLU(inplace=True))
        inp = out
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for name, repeats, out in zip(("stage2", "stage3", "stage4"), stages_repeats,
                                      stages_out_channels[1:]):
            units = [inverted_residual(inp, out, 2)]
            units += [inverted_residual(out, out, 1) for _ in range(repeats - 1)]
            setattr(self, name, nn.Sequential(*units))
            inp = out
        out = stages_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(inp, out, 1, 1, 0, bias=False),
                                   nn.BatchNorm2d(out), nn.ReLU(inplace=True))
        self.fc = nn.Linear(out, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage4(self.stage3(self.stage2(x))))
        return self.fc(x.mean([2, 3]))


# --- weights and constructors ------------------------------------------------------------------
_SQ = "https://github.com/pytorch/vision/pull/49#issuecomment-277560717"
_SH = "https://github.com/ericsun99/Shufflenet-v2-Pytorch"
_NEW = "https://github.com/pytorch/vision/pull/5906"


def _one(name, builder, file, params, acc1, acc5, recipe, resize=256, **extra):
    w = _weights(file, 224, params, acc1, acc5, recipe, resize=resize, **extra)
    return register_weights(builder, weights_enum(name, {"IMAGENET1K_V1": w}, "IMAGENET1K_V1"))


SqueezeNet1_0_Weights = _one("SqueezeNet1_0_Weights", "squeezenet1_0",
                             "squeezenet1_0-b66bff10.pth", 1248424, 58.092, 80.420, _SQ,
                             min_size=(21, 21))
SqueezeNet1_1_Weights = _one("SqueezeNet1_1_Weights", "squeezenet1_1",
                             "squeezenet1_1-b8a52dc0.pth", 1235496, 58.178, 80.624, _SQ,
                             min_size=(17, 17))
ShuffleNet_V2_X0_5_Weights = _one("ShuffleNet_V2_X0_5_Weights", "shufflenet_v2_x0_5",
                                  "shufflenetv2_x0.5-f707e7126e.pth", 1366792, 60.552, 81.746,
                                  _SH)
ShuffleNet_V2_X1_0_Weights = _one("ShuffleNet_V2_X1_0_Weights", "shufflenet_v2_x1_0",
                                  "shufflenetv2_x1-5666bf0f80.pth", 2278604, 69.362, 88.316,
                                  _SH)
ShuffleNet_V2_X1_5_Weights = _one("ShuffleNet_V2_X1_5_Weights", "shufflenet_v2_x1_5",
                                  "shufflenetv2_x1_5-3c479a10.pth", 3503624, 72.996, 91.086,
                                  _NEW, resize=232)
ShuffleNet_V2_X2_0_Weights = _one("ShuffleNet_V2_X2_0_Weights", "shufflenet_v2_x2_0",
                                  "shufflenetv2_x2_0-8be3c8ee.pth", 7393996, 76.230, 93.006,
                                  _NEW, resize=232)


def _squeezenet(name, version, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: SqueezeNet(version, **kwargs), weights, name, pretrained)


def squeezenet1_0(*, weights=None, progress=True, **kwargs):
    """SqueezeNet 1.0: 1,248,424 parameters."""
    return _squeezenet("squeezenet1_0", "1_0", weights, kwargs)


def squeezenet1_1(*, weights=None, progress=True, **kwargs):
    """SqueezeNet 1.1 (2.4× less computation than 1.0): 1,235,496 parameters."""
    return _squeezenet("squeezenet1_1", "1_1", weights, kwargs)


def _shufflenet(name, widths, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: ShuffleNetV2([4, 8, 4], widths, **kwargs), weights, name, pretrained)


def shufflenet_v2_x0_5(*, weights=None, progress=True, **kwargs):
    """ShuffleNet V2 ×0.5: 1,366,792 parameters."""
    return _shufflenet("shufflenet_v2_x0_5", [24, 48, 96, 192, 1024], weights, kwargs)


def shufflenet_v2_x1_0(*, weights=None, progress=True, **kwargs):
    """ShuffleNet V2 ×1.0: 2,278,604 parameters."""
    return _shufflenet("shufflenet_v2_x1_0", [24, 116, 232, 464, 1024], weights, kwargs)


def shufflenet_v2_x1_5(*, weights=None, progress=True, **kwargs):
    """ShuffleNet V2 ×1.5: 3,503,624 parameters."""
    return _shufflenet("shufflenet_v2_x1_5", [24, 176, 352, 704, 1024], weights, kwargs)


def shufflenet_v2_x2_0(*, weights=None, progress=True, **kwargs):
    """ShuffleNet V2 ×2.0: 7,393,996 parameters."""
    return _shufflenet("shufflenet_v2_x2_0", [24, 244, 488, 976, 2048], weights, kwargs)
