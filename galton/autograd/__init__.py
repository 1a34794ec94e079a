"""Automatic differentiation: the graph, grad modes, ``backward``, ``grad``, ``gradcheck``,
custom ``Function``s and the legacy ``Variable``."""
from . import function
from .function import Function, FunctionCtx, once_differentiable
from . import forward_ad, functional  # noqa: F401  (torch.autograd.forward_ad / .functional)
from .functional import backward, grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .graph import Node
from .variable import Variable

__all__ = ["backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "Node", "Function", "FunctionCtx", "once_differentiable", "Variable", "function"]


def __getattr__(name):
    # torch.autograd.profiler, loaded on first use (it reaches galton.profiler)
    if name == "profiler":
        import importlib
        return importlib.import_module(f"{__name__}.profiler")
    import sys
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'", name=name,
                         obj=sys.modules[__name__])
