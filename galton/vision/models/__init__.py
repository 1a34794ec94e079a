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
from .densenet import DenseNet, DenseNet121_Weights, DenseNet161_Weights, DenseNet169_Weights, \
    DenseNet201_Weights, densenet121, densenet161, densenet169, densenet201
from .efficientnet import EfficientNet, EfficientNet_B0_Weights, EfficientNet_B1_Weights, \
    EfficientNet_B2_Weights, EfficientNet_B3_Weights, EfficientNet_B4_Weights, \
    EfficientNet_B5_Weights, EfficientNet_B6_Weights, EfficientNet_B7_Weights, \
    EfficientNet_V2_L_Weights, EfficientNet_V2_M_Weights, EfficientNet_V2_S_Weights, \
    efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3, efficientnet_b4, \
    efficientnet_b5, efficientnet_b6, efficientnet_b7, efficientnet_v2_l, efficientnet_v2_m, \
    efficientnet_v2_s
from .inception import Inception3, Inception_V3_Weights, InceptionOutputs, inception_v3
from .lenet import LeNet5, lenet5
from .mnist_cnn import MLP, FashionCNN, MNISTNet, fashion_cnn, mlp, mnist_cnn
from .mobilenet import MobileNet_V2_Weights, MobileNet_V3_Large_Weights, \
    MobileNet_V3_Small_Weights, MobileNetV2, MobileNetV3, mobilenet_v2, mobilenet_v3_large, \
    mobilenet_v3_small
from .registry import get_model, get_model_builder, list_models
from .resnet import BasicBlock, Bottleneck, ResNet, ResNeXt50_32X4D_Weights, \
    ResNeXt101_32X8D_Weights, ResNeXt101_64X4D_Weights, Wide_ResNet50_2_Weights, \
    Wide_ResNet101_2_Weights, resnet18, resnet34, resnet50, resnet101, resnet152, \
    resnext50_32x4d, resnext101_32x8d, resnext101_64x4d, wide_resnet50_2, wide_resnet101_2
from .weights import AlexNet_Weights, ResNet18_Weights, ResNet34_Weights, ResNet50_Weights, \
    ResNet101_Weights, ResNet152_Weights, VGG11_BN_Weights, VGG11_Weights, VGG13_BN_Weights, \
    VGG13_Weights, VGG16_BN_Weights, VGG16_Weights, VGG19_BN_Weights, VGG19_Weights, Weights, \
    WeightsEnum, get_model_weights, get_weight
from .small_nets import ShuffleNet_V2_X0_5_Weights, ShuffleNet_V2_X1_0_Weights, \
    ShuffleNet_V2_X1_5_Weights, ShuffleNet_V2_X2_0_Weights, ShuffleNetV2, SqueezeNet, \
    SqueezeNet1_0_Weights, SqueezeNet1_1_Weights, shufflenet_v2_x0_5, shufflenet_v2_x1_0, \
    shufflenet_v2_x1_5, shufflenet_v2_x2_0, squeezenet1_0, squeezenet1_1
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn
from .vision_transformer import VisionTransformer, ViT_B_16_Weights, ViT_B_32_Weights, \
    ViT_H_14_Weights, ViT_L_16_Weights, ViT_L_32_Weights, vit_b_16, vit_b_32, vit_h_14, \
    vit_l_16, vit_l_32

__all__ = ["AlexNet", "alexnet", "LeNet5", "lenet5", "MNISTNet", "mnist_cnn", "FashionCNN",
           "fashion_cnn", "MLP", "mlp", "ResNet", "BasicBlock", "Bottleneck", "resnet18",
           "resnet34", "resnet50", "resnet101", "resnet152", "VGG", "vgg11", "vgg11_bn", "vgg13",
           "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "get_model", "get_model_builder",
           "list_models", "Weights", "WeightsEnum", "get_weight", "AlexNet_Weights",
           "ResNet18_Weights", "ResNet34_Weights", "ResNet50_Weights", "ResNet101_Weights",
           "ResNet152_Weights", "VGG11_Weights", "VGG11_BN_Weights", "VGG13_Weights",
           "VGG13_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "VGG19_Weights",
           "VGG19_BN_Weights", "DenseNet", "densenet121", "densenet161", "densenet169",
           "densenet201", "DenseNet121_Weights", "DenseNet161_Weights", "DenseNet169_Weights",
           "DenseNet201_Weights", "MobileNetV2", "MobileNetV3", "mobilenet_v2",
           "mobilenet_v3_large", "mobilenet_v3_small", "MobileNet_V2_Weights",
           "MobileNet_V3_Large_Weights", "MobileNet_V3_Small_Weights", "EfficientNet",
           *[f"efficientnet_b{i}" for i in range(8)], "efficientnet_v2_s", "efficientnet_v2_m",
           "efficientnet_v2_l", *[f"EfficientNet_B{i}_Weights" for i in range(8)],
           "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights", "EfficientNet_V2_L_Weights",
           "VisionTransformer", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14",
           "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights", "ViT_L_32_Weights",
           "ViT_H_14_Weights", "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
           "wide_resnet50_2", "wide_resnet101_2", "ResNeXt50_32X4D_Weights",
           "ResNeXt101_32X8D_Weights", "ResNeXt101_64X4D_Weights", "Wide_ResNet50_2_Weights",
           "Wide_ResNet101_2_Weights", "get_model_weights", "SqueezeNet", "squeezenet1_0",
           "squeezenet1_1", "ShuffleNetV2", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
           "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "SqueezeNet1_0_Weights",
           "SqueezeNet1_1_Weights", "ShuffleNet_V2_X0_5_Weights", "ShuffleNet_V2_X1_0_Weights",
           "ShuffleNet_V2_X1_5_Weights", "ShuffleNet_V2_X2_0_Weights", "Inception3",
           "InceptionOutputs", "inception_v3", "Inception_V3_Weights"]
