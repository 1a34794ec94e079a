"""LeNet-5 (LeCun et al., 1998) for 28×28 grey images: the exercise of seeds/004.

Conv(1,6,5,padding=2)-act-pool-Conv(6,16,5)-act-pool-Linear(400,120)-act-Linear(120,84)-act-
Linear(84,10): 61,706 parameters. The padding of 2 lets a 28×28 MNIST image stand in for the
paper's 32×32 input. The paper's tanh and average pooling are one argument away; the default
is ReLU and max pooling, the modern replacements the seed suggests (they train faster).
"""
from ... import nn
from ._weights import build

__all__ = ["LeNet5", "lenet5"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
_POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


class LeNet5(nn.Module):
    """LeNet-5: ``features`` (two conv/act/pool stages) and ``classifier`` (three Linear layers).

    >>> LeNet5()(galton.zeros(1, 1, 28, 28)).shape
    galton.Size([1, 10])
    """

    def __init__(self, num_classes=10, in_channels=1, activation="relu", pooling="max"):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet5: activation must be one of {sorted(_ACTIVATIONS)}, got "
                             f"{activation!r}")
        if pooling not in _POOLS:
            raise ValueError(f"LeNet5: pooling must be one of {sorted(_POOLS)}, got {pooling!r}")
        act, pool = _ACTIVATIONS[activation], _POOLS[pooling]
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),  # 28×28 -> 28×28
            act(),
            pool(kernel_size=2, stride=2),                      # -> 14×14
            nn.Conv2d(6, 16, kernel_size=5),                    # -> 10×10
            act(),
            pool(kernel_size=2, stride=2),                      # -> 5×5
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120),
            act(),
            nn.Linear(120, 84),
            act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.flatten(1))


def lenet5(*, weights=None, num_classes=10, progress=True, **kwargs):
    """LeNet-5 (61,706 parameters for 10 classes); kwargs: in_channels, activation, pooling."""
    return build(lambda: LeNet5(num_classes=num_classes, **kwargs), weights, "lenet5")
