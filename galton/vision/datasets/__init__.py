"""Image datasets shaped like ``torchvision.datasets``, plus the shipped ``MNISTSample``."""
from .celeba import CelebA
from .cifar import CIFAR10, CIFAR100
from .digits import SEMEION, USPS
from .fake import FakeData
from .folder import DatasetFolder, ImageFolder, default_loader
from .food101 import Food101
from .mnist import KMNIST, MNIST, FashionMNIST
from .qmnist import QMNIST
from .sample import MNISTSample
from .stl10 import STL10
from .svhn import SVHN
from .vision import StandardTransform, VisionDataset

__all__ = ["MNIST", "FashionMNIST", "KMNIST", "CIFAR10", "CIFAR100", "SVHN", "STL10", "CelebA",
           "USPS", "SEMEION", "QMNIST", "Food101", "MNISTSample", "ImageFolder",
           "DatasetFolder", "FakeData", "VisionDataset", "StandardTransform", "default_loader"]
