"""Image datasets shaped like ``torchvision.datasets``, plus the shipped ``MNISTSample``."""
from .cifar import CIFAR10
from .fake import FakeData
from .folder import DatasetFolder, ImageFolder, default_loader
from .mnist import KMNIST, MNIST, FashionMNIST
from .sample import MNISTSample
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "MNISTSample", "ImageFolder",
           "DatasetFolder", "FakeData", "VisionDataset", "StandardTransform", "default_loader"]
