"""Models by name: ``get_model("resnet18", num_classes=10)`` and ``list_models()``.

The command line and the examples pick a network with a string; this table is where the
strings live.
"""
from .alexnet import alexnet
from .lenet import lenet5
from .mnist_cnn import fashion_cnn, mlp, mnist_cnn
from .resnet import resnet18, resnet34, resnet50
from .vgg import vgg11, vgg16

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
