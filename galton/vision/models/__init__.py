"""The model zoo, shaped like ``torchvision.models``: the same constructors, layouts and
state-dict keys, plus the networks of the seeds (the seed-000 MNIST CNN, LeNet-5, the book's
Fashion-MNIST MLP and CNN).

Every constructor takes ``num_classes=`` and ``weights=``: None (random initialisation),
torchvision's weights enum (``ResNet18_Weights.IMAGENET1K_V1``, ``"DEFAULT"``; the file is read
from torchvision's cache folder ``$TORCH_HOME/hub/checkpoints/``, never downloaded), or a
path to a checkpoint that ``galton.load`` reads (``galton.save(model.state_dict(), path)``, a
training-state checkpoint, a safetensors file, or a state dict saved by ``torch.save`` -- so
torchvision's pretrained weights, saved once where torchvision is installed, load here); a
state dict is accepted too. Nothing is downloaded; a missing file gets one line saying which
file to put where, with its URL and SHA-256 prefix.

>>> from galton.vision import models
>>> model = models.get_model("lenet5")
>>> models.list_models()[:3]
['alexnet', 'fashion_cnn', 'lenet5']
"""
from .alexnet import AlexNet, alexnet
from .lenet import LeNet5, lenet5
from .mnist_cnn import MLP, FashionCNN, MNISTNet, fashion_cnn, mlp, mnist_cnn
from .registry import get_model, get_model_builder, list_models
from .resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, \
    resnet152
from .weights import AlexNet_Weights, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, \
    ResNet101_Weights, ResNet152_Weights, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, \
    VGG13_Weights, VGG16_BN_Weights, VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, Weights, \
    WeightsEnum, get_weight
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn

__all__ = ["AlexNet", "alexnet", "LeNet5", "lenet5", "MNISTNet", "mnist_cnn", "FashionCNN",
           "fashion_cnn", "MLP", "mlp", "ResNet", "BasicBlock", "Bottleneck", "resnet18",
           "resnet34", "resnet50", "resnet101", "resnet152", "VGG", "vgg11", "vgg11_bn", "vgg13",
           "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "get_model", "get_model_builder",
           "list_models", "Weights", "WeightsEnum", "get_weight", "AlexNet_Weights",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
           "ResNet152_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights"]
