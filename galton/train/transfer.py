"""Transfer learning for ``galton train``: start from another run's weights (``--init-from``),
freeze the backbone (``--freeze-backbone``) or train only some layers (``--fine-tune``).

The *head* is the last module that holds parameters (``fc`` of a ResNet, ``fc2`` of the seed-000
CNN): it stays at its fresh initialisation when weights are copied in, and it always trains.
"""
import os

__all__ = ["head_name", "init_from", "freeze", "trainable_summary"]


def head_name(model):
    """The name of the model's last module with parameters of its own (its classifier)."""
    last = None
    for name, module in model.named_modules():
        if name and any(True for _ in module.parameters(recurse=False)):
            last = name
    if last is None:
        raise ValueError(f"{type(model).__name__} has no module with parameters")
    return last


def _read_state(source):
    from ..serialization import load
    path = os.fspath(source)
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--init-from {source}: no such file or run folder (a run "
                                "folder holds model.safetensors)")
    state = load(path, map_location="cpu")
    for key in ("model", "state_dict", "model_state_dict"):
        if isinstance(state.get(key), dict):
            return state[key]
    return state


def init_from(model, source, reinit_head=True):
    """Copy into ``model`` the weights of ``source`` (a run folder, a checkpoint or a state dict)
    whose names and shapes match; the head keeps its fresh initialisation when ``reinit_head``.

    Returns a dict: ``loaded`` (names copied), ``mismatched`` (name: (source shape, model
    shape)), ``missing`` (names the source lacks), ``unexpected`` (source names the model
    lacks), ``head`` (the names left initialised as the head).
    """
    state = source if isinstance(source, dict) else _read_state(source)
    own = model.state_dict()
    head = head_name(model) + "." if reinit_head else None
    report = {"loaded": [], "mismatched": {}, "missing": [], "unexpected": [], "head": []}
    take = {}
    for name, value in own.items():
        if head and name.startswith(head):
            report["head"].append(name)
        elif name not in state:
            report["missing"].append(name)
        elif tuple(state[name].shape) != tuple(value.shape):
            report["mismatched"][name] = (tuple(state[name].shape), tuple(value.shape))
        else:
            take[name] = state[name]
            report["loaded"].append(name)
    report["unexpected"] = [k for k in state if k not in own]
    model.load_state_dict(take, strict=False)
    return report


def freeze(model, fine_tune=None):
    """Freeze every parameter except the head's and those of the modules named in ``fine_tune``
    (names of ``model.named_modules()``, e.g. ``["layer4"]`` or ``["conv2", "fc1"]``).
    Returns the names of the parameters that still train."""
    names = dict(model.named_modules())
    keep = [head_name(model)] + list(fine_tune or [])
    unknown = [n for n in keep if n not in names]
    if unknown:
        raise ValueError(f"--fine-tune: {type(model).__name__} has no layer "
                         f"{', '.join(map(repr, unknown))}; its layers: "
                         + ", ".join(n for n in names if n and "." not in n))
    model.requires_grad_(False)
    for n in keep:
        names[n].requires_grad_(True)
    return [n for n, p in model.named_parameters() if p.requires_grad]


def trainable_summary(model):
    """``(trainable, frozen)`` parameter counts."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, sum(p.numel() for p in model.parameters()) - trainable
