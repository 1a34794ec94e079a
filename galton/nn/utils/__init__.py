"""Helpers around modules and parameters, as ``torch.nn.utils``: gradient clipping and
flattening parameters into one vector (``rnn`` holds the packed-sequence helpers)."""
import importlib

from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters"]

# nn.utils.rnn works after `import torch.nn` in PyTorch; the file may not be written yet
for _name in ("rnn",):
    try:
        globals()[_name] = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_name}":
            raise
