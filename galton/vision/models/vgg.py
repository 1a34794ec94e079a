"""VGG (Simonyan & Zisserman, 2014) in torchvision's layout: ``features``, ``avgpool``,
``classifier``, with torchvision's initialisation. VGG-11 has 132,863,336 parameters and
VGG-16 138,357,544 (0.5 GB of float32): mind the memory."""
from ... import nn
from ...nn import init
from ._weights import build

__all__ = ["VGG", "make_layers", "cfgs", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
           "vgg16_bn", "vgg19", "vgg19_bn"]

# channels of each 3×3 convolution; "M" is a 2×2 max pool (torchvision's configurations)
cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512,
          512, 512, "M"],
}


def make_layers(cfg, batch_norm=False):
    """The convolutional trunk for a configuration list (torchvision's ``make_layers``)."""
    layers = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """A VGG network around a convolutional trunk ``features`` (see :func:`make_layers`)."""

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            # torchvision's choice, not PyTorch's layer defaults: He normal for the convs,
            # N(0, 0.01) for the dense layers, zero biases
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    init.constant_(m.weight, 1)
                    init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    init.normal_(m.weight, 0, 0.01)
                    init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        return self.classifier(x.flatten(1))


def _vgg(name, cfg, batch_norm, weights, progress, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    return build(lambda: VGG(make_layers(cfgs[cfg], batch_norm=batch_norm), **kwargs), weights,
                 name, pretrained)


def vgg11(*, weights=None, progress=True, **kwargs):
    """VGG-11 (configuration "A"), 132,863,336 parameters."""
    return _vgg("vgg11", "A", False, weights, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, **kwargs):
    """VGG-11 with batch normalisation."""
    return _vgg("vgg11_bn", "A", True, weights, progress, kwargs)


def vgg13(*, weights=None, progress=True, **kwargs):
    """VGG-13 (configuration "B")."""
    return _vgg("vgg13", "B", False, weights, progress, kwargs)


def vgg13_bn(*, weights=None, progress=True, **kwargs):
    """VGG-13 with batch normalisation."""
    return _vgg("vgg13_bn", "B", True, weights, progress, kwargs)


def vgg16(*, weights=None, progress=True, **kwargs):
    """VGG-16 (configuration "D"), 138,357,544 parameters."""
    return _vgg("vgg16", "D", False, weights, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, **kwargs):
    """VGG-16 with batch normalisation."""
    return _vgg("vgg16_bn", "D", True, weights, progress, kwargs)


def vgg19(*, weights=None, progress=True, **kwargs):
    """VGG-19 (configuration "E")."""
    return _vgg("vgg19", "E", False, weights, progress, kwargs)


def vgg19_bn(*, weights=None, progress=True, **kwargs):
    """VGG-19 with batch normalisation."""
    return _vgg("vgg19_bn", "E", True, weights, progress, kwargs)
