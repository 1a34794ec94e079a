"""DenseNet-BC (Huang et al., 2016) in torchvision's layout and key names
(``features.conv0``, ``features.denseblock1.denselayer1.norm1``, ``features.transition1.conv``,
``features.norm5``, ``classifier``), so torchvision's weights load.

Each dense layer sees the concatenation of every earlier feature map of its block and adds
``growth_rate`` new channels; transitions halve channels and resolution. DenseNet-121 has
7,978,856 parameters, -161 28,681,000, -169 14,149,480 and -201 20,013,928 (1000 classes).
"""
import re
from collections import OrderedDict

from ... import cat, int64, nn, tensor
from ...nn import functional as F
from ...nn import init
from ._weights import build
from .weights import _weights, register_weights, weights_enum

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201",
           "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights",
           "DenseNet201_Weights"]


class _DenseLayer(nn.Module):
    """BN-ReLU-1×1 conv to ``bn_size * growth_rate`` channels, BN-ReLU-3×3 conv to
    ``growth_rate``: the new features this layer adds to its block."""

    def __init__(self, num_input_features, growth_rate, bn_size, drop_rate,
                 memory_efficient=False):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1,
                               stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1,
                               padding=1, bias=False)
        self.drop_rate = float(drop_rate)
        # torchvision's memory_efficient recomputes the bottleneck in backward (checkpointing);
        # galton keeps the flag for compatibility and computes as usual
        self.memory_efficient = memory_efficient

    def forward(self, input):
        prev = [input] if not isinstance(input, (list, tuple)) else list(input)
        bottleneck = self.conv1(self.relu1(self.norm1(cat(prev, 1))))
        new_features = self.conv2(self.relu2(self.norm2(bottleneck)))
        if self.drop_rate > 0:
            new_features = F.dropout(new_features, p=self.drop_rate, training=self.training)
        return new_features


class _DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers (``denselayer1``...); the output concatenates the input
    and every layer's new features."""

    def __init__(self, num_layers, num_input_features, bn_size, growth_rate, drop_rate,
                 memory_efficient=False):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}",
                            _DenseLayer(num_input_features + i * growth_rate, growth_rate,
                                        bn_size, drop_rate, memory_efficient))

    def forward(self, init_features):
        features = [init_features]
        for layer in self.values():
            features.append(layer(features))
        return cat(features, 1)


class _Transition(nn.Sequential):
    """BN-ReLU-1×1 conv (``num_output_features``) then 2×2 average pooling."""

    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1,
                              stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class DenseNet(nn.Module):
    """A DenseNet-BC: stem, ``len(block_config)`` dense blocks joined by transitions, a
    final batch norm and a linear classifier (torchvision's class and arguments)."""

    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64,
                 bn_size=4, drop_rate=0, num_classes=1000, memory_efficient=False):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3,
                                bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            self.features.add_module(
                f"denseblock{i + 1}",
                _DenseBlock(num_layers, num_features, bn_size, growth_rate, drop_rate,
                            memory_efficient))
            num_features += num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}",
                                         _Transition(num_features, num_features // 2))
                num_features //= 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

        # torchvision's initialisation: He normal (fan_in) for convs, BN as identity, zero bias
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                init.constant_(m.weight, 1)
                init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                init.constant_(m.bias, 0)

    def forward(self, x):
        out = F.relu(self.features(x))
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(out.flatten(1))


# torchvision's published files predate module names without dots: "norm.1" is now "norm1"
_OLD_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|"
                      r"running_mean|running_var))$")


def _fix_keys(state):
    state = {(m.group(1) + m.group(2) if (m := _OLD_KEY.match(k)) else k): v
             for k, v in state.items()}
    # and predate batch norm's step counter, which PyTorch then starts at 0
    for key in [k for k in state if k.endswith(".running_mean")]:
        state.setdefault(key[:-len("running_mean")] + "num_batches_tracked",
                         tensor(0, dtype=int64))
    return state


_RECIPE = "https://github.com/pytorch/vision/pull/116"


def _enum(name, file, params, acc1, acc5):
    w = _weights(file, 224, params, acc1, acc5, _RECIPE, min_size=(29, 29))
    return weights_enum(name, {"IMAGENET1K_V1": w}, "IMAGENET1K_V1")


DenseNet121_Weights = register_weights("densenet121", _enum(
    "DenseNet121_Weights", "densenet121-a639ec97.pth", 7978856, 74.434, 91.972))
DenseNet161_Weights = register_weights("densenet161", _enum(
    "DenseNet161_Weights", "densenet161-8d451a50.pth", 28681000, 77.138, 93.560))
DenseNet169_Weights = register_weights("densenet169", _enum(
    "DenseNet169_Weights", "densenet169-b2777c0a.pth", 14149480, 75.600, 92.806))
DenseNet201_Weights = register_weights("densenet201", _enum(
    "DenseNet201_Weights", "densenet201-c1103571.pth", 20013928, 76.896, 93.370))


def _densenet(name, growth_rate, block_config, num_init_features, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: DenseNet(growth_rate, block_config, num_init_features, **kwargs),
                 weights, name, pretrained, fix_keys=_fix_keys)


def densenet121(*, weights=None, progress=True, **kwargs):
    """DenseNet-121: growth 32, blocks (6, 12, 24, 16), 64 stem channels; 7,978,856
    parameters."""
    return _densenet("densenet121", 32, (6, 12, 24, 16), 64, weights, kwargs)


def densenet161(*, weights=None, progress=True, **kwargs):
    """DenseNet-161: growth 48, blocks (6, 12, 36, 24), 96 stem channels; 28,681,000
    parameters."""
    return _densenet("densenet161", 48, (6, 12, 36, 24), 96, weights, kwargs)


def densenet169(*, weights=None, progress=True, **kwargs):
    """DenseNet-169: growth 32, blocks (6, 12, 32, 32); 14,149,480 parameters."""
    return _densenet("densenet169", 32, (6, 12, 32, 32), 64, weights, kwargs)


def densenet201(*, weights=None, progress=True, **kwargs):
    """DenseNet-201: growth 32, blocks (6, 12, 48, 32); 20,013,928 parameters."""
    return _densenet("densenet201", 32, (6, 12, 48, 32), 64, weights, kwargs)
