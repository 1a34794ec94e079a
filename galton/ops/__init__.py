"""Every differentiable op, forward and backward side by side, one file per family.

Each module lists in ``TENSOR_METHODS`` the functions that are also Tensor methods
(``x.sum()`` is ``ops.reduction.sum(x)``); ``galton/_tensor_methods.py`` binds them.
"""
import importlib

from .._quiet import NUMERIC_OPS, quiet_module

MODULES = ["arithmetic", "pointwise", "reduction", "linalg", "shape", "indexing", "inplace",
           "conversion", "index_ops", "joining", "activation", "conv", "pooling", "normalization",
           "special", "binning", "geometry", "trig", "elementwise", "products", "scans", "views",
           "inplace_variants", "scatter_reduce", "sampling"]

_loaded = []
for _name in MODULES:
    try:
        _loaded.append(importlib.import_module(f"{__name__}.{_name}"))
        if _name in NUMERIC_OPS:  # silent on inf/NaN as PyTorch (galton/_quiet.py)
            quiet_module(_loaded[-1])
    except ModuleNotFoundError as _exc:  # a family not written yet
        if _exc.name != f"{__name__}.{_name}":
            raise


def loaded_modules():
    return list(_loaded)


def __getattr__(name):
    # torch.ops.profiler (record_function's two halves), loaded on first use
    if name == "profiler":
        return importlib.import_module(f"{__name__}.profiler")
    import sys
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'", name=name,
                         obj=sys.modules[__name__])
