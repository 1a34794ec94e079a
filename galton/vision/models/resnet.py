"""ResNet (He et al., 2015) in torchvision's layout and key names (``conv1``, ``bn1``,
``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``), so converted torchvision weights load.

ResNet-18 has 11,689,512 parameters, ResNet-34 21,797,672 and ResNet-50 25,557,032 (1000
classes). For transfer learning (book lesson 19), freeze everything and replace the head:

>>> model = resnet18()
>>> for p in model.parameters(): p.requires_grad = False
>>> model.fc = nn.Linear(512, 10)      # 5,130 trainable parameters
"""
from ... import nn
from ...nn import init
from ._weights import build
from .weights import _weights, register_weights, weights_enum

__all__ = ["ResNet", "BasicBlock", "Bottleneck", "conv1x1", "conv3x3", "resnet18", "resnet34",
           "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d",
           "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2", "ResNeXt50_32X4D_Weights",
           "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights",
           "Wide_ResNet101_2_Weights"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3×3 convolution with padding, no bias (a batch norm follows)."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation,
                     groups=groups, bias=False, dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1×1 convolution, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3×3 convolutions and a shortcut (ResNet-18/34)."""

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        # out + identity, not torchvision's `out += identity`: a new tensor keeps autograd simple
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1×1 reduce, 3×3 (carrying the stride), 1×1 expand by 4, and a shortcut (ResNet-50+)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64,
                 dilation=1, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """A residual network of ``block`` s, ``layers[i]`` of them in stage i+1 (torchvision's)."""

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1,
                 width_per_group=64, replace_stride_with_dilation=None, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        self.inplanes = 64
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False, False, False]
        if len(replace_stride_with_dilation) != 3:
            raise ValueError("replace_stride_with_dilation should be None or a 3-element tuple, "
                             f"got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2,
                                       dilate=replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2,
                                       dilate=replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2,
                                       dilate=replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)

        # torchvision's initialisation: He normal (fan_out) for convs, BN as identity
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
        if zero_init_residual:
            # each residual branch starts as zero, so each block starts as the identity
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride),
                norm_layer(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width,
                        previous_dilation, norm_layer)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups,
                                base_width=self.base_width, dilation=self.dilation,
                                norm_layer=norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        return self.fc(x.flatten(1))


def _resnet(name, block, layers, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: ResNet(block, layers, **kwargs), weights, name, pretrained)


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18: BasicBlocks [2, 2, 2, 2], 11,689,512 parameters."""
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34: BasicBlocks [3, 4, 6, 3], 21,797,672 parameters."""
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, kwargs)


def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50: Bottlenecks [3, 4, 6, 3], 25,557,032 parameters."""
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, kwargs)


def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101: Bottlenecks [3, 4, 23, 3]."""
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, kwargs)


def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152: Bottlenecks [3, 8, 36, 3]."""
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, kwargs)


# --- ResNeXt (grouped 3×3 convolutions) and Wide ResNet (twice the bottleneck width) ------------
def _grouped(name, layers, groups, width_per_group, weights, kwargs):
    kwargs.setdefault("groups", groups)
    kwargs.setdefault("width_per_group", width_per_group)
    return _resnet(name, Bottleneck, layers, weights, kwargs)


def resnext50_32x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-50 32×4d: 32 groups of width 4 in each bottleneck; 25,028,904 parameters."""
    return _grouped("resnext50_32x4d", [3, 4, 6, 3], 32, 4, weights, kwargs)


def resnext101_32x8d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-101 32×8d: 88,791,336 parameters."""
    return _grouped("resnext101_32x8d", [3, 4, 23, 3], 32, 8, weights, kwargs)


def resnext101_64x4d(*, weights=None, progress=True, **kwargs):
    """ResNeXt-101 64×4d: 83,455,272 parameters."""
    return _grouped("resnext101_64x4d", [3, 4, 23, 3], 64, 4, weights, kwargs)


def wide_resnet50_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide; 68,883,240 parameters."""
    return _grouped("wide_resnet50_2", [3, 4, 6, 3], 1, 128, weights, kwargs)


def wide_resnet101_2(*, weights=None, progress=True, **kwargs):
    """Wide ResNet-101-2: 126,886,696 parameters."""
    return _grouped("wide_resnet101_2", [3, 4, 23, 3], 1, 128, weights, kwargs)


_NEW = "https://github.com/pytorch/vision/issues/3995#new-recipe"
_RX = "https://github.com/pytorch/vision/tree/main/references/classification#resnext"
_WIDE = "https://github.com/pytorch/vision/pull/912#issue-445437439"


def _v1_v2(enum_name, builder, v1, v2, params):
    members = {"IMAGENET1K_V1": _weights(v1[0], 224, params, v1[1], v1[2], v1[3])}
    if v2 is not None:
        members["IMAGENET1K_V2"] = _weights(v2[0], 224, params, v2[1], v2[2], _NEW, resize=232)
    return register_weights(builder, weights_enum(enum_name, members, list(members)[-1]))


ResNeXt50_32X4D_Weights = _v1_v2(
    "ResNeXt50_32X4D_Weights", "resnext50_32x4d",
    ("resnext50_32x4d-7cdf4587.pth", 77.618, 93.698, _RX),
    ("resnext50_32x4d-1a0047aa.pth", 81.198, 95.340), 25028904)
ResNeXt101_32X8D_Weights = _v1_v2(
    "ResNeXt101_32X8D_Weights", "resnext101_32x8d",
    ("resnext101_32x8d-8ba56ff5.pth", 79.312, 94.526, _RX),
    ("resnext101_32x8d-110c445d.pth", 82.834, 96.228), 88791336)
ResNeXt101_64X4D_Weights = register_weights("resnext101_64x4d", weights_enum(
    "ResNeXt101_64X4D_Weights", {"IMAGENET1K_V1": _weights(
        "resnext101_64x4d-173b62eb.pth", 224, 83455272, 83.246, 96.454,
        "https://github.com/pytorch/vision/pull/5935", resize=232)}, "IMAGENET1K_V1"))
Wide_ResNet50_2_Weights = _v1_v2(
    "Wide_ResNet50_2_Weights", "wide_resnet50_2",
    ("wide_resnet50_2-95faca4d.pth", 78.468, 94.086, _WIDE),
    ("wide_resnet50_2-9ba9bcbe.pth", 81.602, 95.758), 68883240)
Wide_ResNet101_2_Weights = _v1_v2(
    "Wide_ResNet101_2_Weights", "wide_resnet101_2",
    ("wide_resnet101_2-32ee1156.pth", 78.848, 94.284, _WIDE),
    ("wide_resnet101_2-d733dc28.pth", 82.510, 96.020), 126886696)
