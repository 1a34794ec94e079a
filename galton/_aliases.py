"""PyTorch's second names for functions galton has under the first (``torch.divide`` is
``torch.div``, ``torch.absolute`` is ``torch.abs``), and the Tensor methods PyTorch also
offers as functions (``torch.sqrt_(x)``, ``torch.detach(x)``)."""

ALIASES = {"absolute": "abs", "divide": "div", "multiply": "mul", "subtract": "sub",
           "true_divide": "div", "greater": "gt", "greater_equal": "ge", "less": "lt",
           "less_equal": "le", "negative": "neg", "not_equal": "ne", "swapaxes": "transpose"}

# Tensor methods that torch also exposes as functions of the tensor: torch.abs_(x) is x.abs_()
METHODS_AS_FUNCTIONS = ["abs_", "exp_", "log_", "floor_", "sqrt_", "round_", "sigmoid_",
                        "tanh_", "relu_", "neg_", "clamp_", "clip_", "zero_", "fill_", "detach",
                        "detach_", "addmv_", "resize_as_", "get_device", "is_nonzero",
                        "is_same_size", "is_signed"]


def install(namespace, tensor_cls):
    """Add the aliases and the method-functions to galton's namespace (never replacing)."""
    for alias, name in ALIASES.items():
        namespace.setdefault(alias, namespace[name])
    for name in METHODS_AS_FUNCTIONS:
        namespace.setdefault(name, getattr(tensor_cls, name))
