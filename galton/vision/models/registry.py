"""Models by name: ``get_model("resnet18", num_classes=10)`` and ``list_models()``.

The command line and the examples pick a network with a string; this table is where the
strings live.
"""
from .alexnet import alexnet
from .densenet import densenet121, densenet161, densenet169, densenet201
from .efficientnet import efficientnet_b0, efficientnet_b1, efficientnet_b2, efficientnet_b3, \
    efficientnet_b4, efficientnet_b5, efficientnet_v2_s
from .inception import inception_v3
from .lenet import lenet5
from .mnist_cnn import fashion_cnn, mlp, mnist_cnn
from .mobilenet import mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small
from .small_nets import shufflenet_v2_x0_5, shufflenet_v2_x1_0, shufflenet_v2_x1_5, \
    shufflenet_v2_x2_0, squeezenet1_0, squeezenet1_1
from .resnet import resnet18, resnet34, resnet50, resnext50_32x4d, wide_resnet50_2
from .vgg import vgg11, vgg16
from .vision_transformer import vit_b_16, vit_b_32

__all__ = ["get_model", "get_model_builder", "list_models"]

_BUILDERS = {
    "mnist_cnn": mnist_cnn,
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg11": vgg11,
    "vgg16": vgg16,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "fashion_cnn": fashion_cnn,
    "mlp": mlp,
    # torchvision's newer families (the larger members are reached as models.<name>)
    **{f.__name__: f for f in (densenet121, densenet161, densenet169, densenet201,
                               mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small,
                               efficientnet_b0, efficientnet_b1, efficientnet_b2,
                               efficientnet_b3, efficientnet_b4, efficientnet_b5,
                               efficientnet_v2_s, vit_b_16, vit_b_32, resnext50_32x4d,
                               wide_resnet50_2, squeezenet1_0, squeezenet1_1,
                               shufflenet_v2_x0_5, shufflenet_v2_x1_0, shufflenet_v2_x1_5,
                               shufflenet_v2_x2_0, inception_v3)},
}


def list_models():
    """The names ``get_model`` knows, sorted."""
    return sorted(_BUILDERS)


def get_model_builder(name):
    """The constructor registered under ``name`` (case-insensitive)."""
    key = str(name).lower()
    if key not in _BUILDERS:
        raise ValueError(f"Unknown model {name!r}; available models: "
                         + ", ".join(list_models()))
    return _BUILDERS[key]


def get_model(name, **config):
    """Build the model registered under ``name`` with keyword arguments ``config``.

    >>> get_model("resnet18", num_classes=10).fc
    Linear(in_features=512, out_features=10, bias=True)
    """
    return get_model_builder(name)(**config)
