"""The seed-000 CNN for MNIST (``Net`` of the Galton-board article), and the book's two
Fashion-MNIST models: the lesson-16 MLP and the lesson-20 CNN."""
from ... import nn
from ...nn import functional as F
from ._weights import build

__all__ = ["MNISTNet", "FashionCNN", "MLP", "mnist_cnn", "fashion_cnn", "mlp"]


class MNISTNet(nn.Module):
    """Conv(1,32,3)-ReLU-MaxPool-Conv(32,64,3)-ReLU-MaxPool-Linear(1600,128)-ReLU-Linear(128,10).

    The seed's ``Net`` line for line (same attribute names, so the same state-dict keys
    ``conv1.weight`` ... ``fc2.bias``); 225,034 parameters. Input N×1×28×28, output logits.
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.fc1 = nn.Linear(5 * 5 * 64, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = x.view(-1, 5 * 5 * 64)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class FashionCNN(nn.Module):
    """The book's lesson-20 CNN: Conv(1,16,3,padding=1)-ReLU-Flatten-Linear(12544,10).

    125,610 parameters; keys ``net.0.*`` and ``net.3.*`` as the book's ``self.net`` Sequential.
    """

    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * 28 * 28, num_classes),
        )

    def forward(self, x):
        return self.net(x)


class MLP(nn.Module):
    """The book's lesson-16 MLP: Flatten-Linear(784,128)-ReLU-Linear(128,10), 101,770 parameters."""

    def __init__(self, num_classes=10, in_features=784, hidden=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.net(x)


def mnist_cnn(*, weights=None, num_classes=10, progress=True):
    """The seed-000 MNIST CNN. ``weights``: None or a path / state dict saved by galton."""
    return build(lambda: MNISTNet(num_classes=num_classes), weights, "mnist_cnn")


def fashion_cnn(*, weights=None, num_classes=10, progress=True):
    """The book's Fashion-MNIST CNN (125,610 parameters)."""
    return build(lambda: FashionCNN(num_classes=num_classes), weights, "fashion_cnn")


def mlp(*, weights=None, num_classes=10, progress=True, **kwargs):
    """The book's Fashion-MNIST MLP 784-128-10 (101,770 parameters)."""
    return build(lambda: MLP(num_classes=num_classes, **kwargs), weights, "mlp")
