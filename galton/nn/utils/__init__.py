"""Helpers around modules and parameters, as ``torch.nn.utils``: gradient clipping,
flattening parameters into one vector, weight and spectral normalisation (the hook-based
forms here, the parametrization forms in ``parametrizations`` on top of ``parametrize``;
``rnn`` holds the packed-sequence helpers)."""
import importlib

from . import parametrizations, parametrize
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters
# these names are also those of their files: binding the functions after the files are
# imported makes ``nn.utils.weight_norm`` the function, as in PyTorch
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm", "parameters_to_vector", "vector_to_parameters",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]

# nn.utils.rnn works after `import torch.nn` in PyTorch; the file may not be written yet
for _name in ("rnn",):
    try:
        globals()[_name] = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_name}":
            raise
