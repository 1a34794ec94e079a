"""``weights=`` of every model constructor: a weights enum, a checkpoint file or a state dict,
never a download.

torchvision's constructors take a weights enum (``ResNet18_Weights.IMAGENET1K_V1``, or the
string ``"DEFAULT"``) and download the file into its cache folder. galton reads the file from
that folder when it is there (see :mod:`.weights`) and otherwise says which file to put where.
It also takes a path to a file ``galton.load`` reads: a galton checkpoint, a safetensors file,
or a state dict saved by ``torch.save`` (read without unpickling code).
"""
import os
from collections.abc import Mapping

__all__ = ["build", "read_weights", "conversion_hint"]


# the constructors torchvision also has; the others (the seeds' networks) have no published weights
_TORCHVISION = ("alexnet", "vgg", "resnet", "densenet", "mobilenet", "efficientnet", "vit_",
                "squeezenet", "shufflenet", "wide_resnet", "resnext", "inception")


def conversion_hint(builder):
    """How to turn pretrained weights (torchvision's, or a .pth file) into a file galton reads."""
    if not builder.startswith(_TORCHVISION):
        return (f"{builder} has no pretrained weights; train it and pass the file written by "
                f"galton.save(model.state_dict(), path).")
    return ("Pretrained weights cannot be downloaded here: put torchvision's file in its cache "
            "folder, or save them once where PyTorch and torchvision are installed:\n"
            "    import torch, torchvision\n"
            f"    torch.save(torchvision.models.{builder}(weights='DEFAULT').state_dict(), "
            f"'{builder}.pth')\n"
            f"then copy {builder}.pth here and pass weights='{builder}.pth' (galton reads a "
            "state dict saved by torch.save without running code from it).")


_PTH_HINT = ("weights= needs a state dict: where PyTorch is installed, torch.save(model."
             "state_dict(), 'model.pth') and pass weights='model.pth'.")


def _state_dict_of(obj):
    # a training-state checkpoint (galton.train) keeps the model's weights under "model";
    # a few common PyTorch checkpoint layouts use the other names
    if isinstance(obj, Mapping):
        for key in ("model", "state_dict", "model_state_dict"):
            inner = obj.get(key)
            if isinstance(inner, Mapping):
                return inner
    return obj


def read_weights(weights, builder, pretrained=None):
    """The state dict that ``weights`` (None, a path or a state dict) names, or None.

    Called before the model is built, so a wrong argument fails at once, not after seconds of
    initialising a large network. ``pretrained`` is torchvision's older flag: True means
    ``weights="DEFAULT"``.
    """
    from .weights import WeightsEnum, weights_enum_of
    enum_cls = weights_enum_of(builder)
    if pretrained:
        if enum_cls is None:
            raise ValueError(f"{builder}(pretrained=True): {conversion_hint(builder)}")
        weights = enum_cls.DEFAULT  # torchvision's meaning of the old flag
    if weights is None:
        return None
    if isinstance(weights, WeightsEnum):
        if enum_cls is None or not isinstance(weights, enum_cls):
            raise ValueError(f"{builder}(weights={weights!r}): those are weights of another "
                             f"model" + (f"; {builder} takes {enum_cls.__name__}"
                                         if enum_cls else f". {conversion_hint(builder)}"))
        return _state_dict_of(weights.get_state_dict())
    if isinstance(weights, Mapping):
        return _state_dict_of(weights)
    if not isinstance(weights, (str, bytes, os.PathLike)):
        raise TypeError(f"{builder}(weights=...) takes None, a path to a galton checkpoint or a "
                        f"state dict; got {type(weights).__name__} {weights!r}. "
                        + conversion_hint(builder))
    path = os.fsdecode(weights)
    if not os.path.exists(path):
        if os.sep not in path and (path.isupper() or "_Weights." in path):
            # "IMAGENET1K_V1", "DEFAULT", "ResNet18_Weights.IMAGENET1K_V1": a torchvision enum
            if enum_cls is not None:
                return _state_dict_of(enum_cls.verify(path).get_state_dict())
            raise ValueError(f"{builder}(weights={path!r}) names pretrained "
                             f"weights (a torchvision weights enum). " + conversion_hint(builder))
        raise FileNotFoundError(f"{builder}(weights={path!r}): no such file. weights= takes a "
                                "path to a checkpoint written by galton.save (or a safetensors "
                                "file). " + conversion_hint(builder))
    from ...serialization import CheckpointError, load
    try:
        state = load(path, map_location="cpu")
    except CheckpointError as exc:
        raise ValueError(f"{builder}(weights={path!r}): {exc}\n{_PTH_HINT}") from None
    return _state_dict_of(state)


def build(make, weights, builder, pretrained=None, fix_keys=None):
    """``make()`` the model, then load ``weights`` into it (see :func:`read_weights`);
    ``fix_keys(state)`` renames the keys of older checkpoints first."""
    state = read_weights(weights, builder, pretrained)
    model = make()
    if state is not None:
        model.load_state_dict(fix_keys(dict(state)) if fix_keys else state)
    return model
