"""AlexNet (Krizhevsky et al., 2012) in torchvision's layout: 61,100,840 parameters.

The one-GPU variant torchvision ships (64-192-384-256-256 channels) with its module names
(``features``, ``avgpool``, ``classifier``), so its state dict loads here once converted.
"""
from ... import nn
from ._weights import build

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """AlexNet for 3×224×224 images (any size from 63×63 works, thanks to the adaptive pool).

    >>> sum(p.numel() for p in AlexNet().parameters())
    61100840
    """

    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        return self.classifier(x.flatten(1))


def alexnet(*, weights=None, progress=True, pretrained=False, **kwargs):
    """AlexNet; ``weights``: None, or a path / state dict (see the models package docstring)."""
    return build(lambda: AlexNet(**kwargs), weights, "alexnet", pretrained)
