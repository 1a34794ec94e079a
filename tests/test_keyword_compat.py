"""Keyword compatibility: every public callable of ``galton``, ``galton.Tensor`` and
``galton.nn.functional`` that PyTorch 2.13 also has accepts PyTorch's parameter names.

PyTorch's names come from the function's own signature where it is Python, else from its
native schema (``aten::name``, the names the C bindings accept: ``self`` is ``input`` in the
function form and the tensor itself in the method form; Dimname overloads are left out). A
galton callable accepts a name when its signature has it, when ``galton/_signatures.py``
translates it (input=, other=, out=, axis=, ...), or when it takes ``**kwargs``. Differences
that remain are listed in ALLOWED with the reason for each; any other difference fails."""
import inspect

import pytest
import torch
import torch.nn.functional as F

import galton
import galton.nn.functional as GF
from galton import _signatures

# factory keywords for things galton does not have: one layout (strided, row-major), no pinned
# memory; named tensors (Dimname overloads) are not part of galton
_NO_LAYOUT = {"layout", "pin_memory", "memory_format"}
_GLOBAL = _NO_LAYOUT | {"names"}

# (namespace, name): (the names galton does not take, the reason)
ALLOWED = {
    ("torch", "save"): ({"pickle_module", "pickle_protocol", "_use_new_zipfile_serialization",
                         "_disable_byteorder_record"}, "galton.save never pickles"),
    ("torch", "load"): ({"pickle_module", "mmap", "weights_only", "pickle_load_args"},
                        "galton.load never unpickles"),
    ("torch", "mm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("torch", "bmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("Tensor", "mm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("Tensor", "bmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("torch", "addmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("torch", "baddbmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("Tensor", "addmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    ("Tensor", "baddbmm"): ({"out_dtype"}, "low-precision GEMM output dtypes are CUDA-only"),
    **{(ns, n): ({"other"}, "max(input, other) / min(input, other), the older spellings of "
                            "maximum / minimum, are not taken: galton has maximum and minimum")
       for ns in ("torch", "Tensor") for n in ("max", "min")},
    **{("torch", n): ({"input", "out"}, "std/var keep their own signature: the degrees-of-"
                                        "freedom warning counts one frame to name the caller's "
                                        "line (galton/_quiet.py), which a keyword adapter breaks")
       for n in ("std", "var", "std_mean", "var_mean")},
    **{(ns, "sort"): ({"reverse"}, "sort(list, reverse) is TorchScript's overload on Python lists,"
                                   " not a tensor op") for ns in ("torch", "Tensor")},
    ("torch", "sort"): ({"out", "reverse"}, "sort(list, reverse) is TorchScript's list overload; "
                                            "out= of a (values, indices) pair is not taken"),
    **{("Tensor", n): ({"from", "to"}, "'from' is a Python keyword: a call can only pass it "
                                       "positionally, as galton takes it")
       for n in ("random_", "uniform_")},
    ("Tensor", "expand"): ({"implicit"}, "a TorchScript tracing flag with no effect on values"),
    ("Tensor", "set_"): ({"size", "storage_offset", "stride"}, "galton tensors have no separate "
                                                               "storage objects to point into"),
    ("Tensor", "to"): ({"other"}, "to(tensor) is taken positionally, as programs write it"),
    ("Tensor", "view"): ({"dtype"}, "view(dtype) reinterprets the bytes: not supported"),
    ("torch", "result_type"): ({"tensor", "other", "scalar"}, "galton takes the two operands "
                                                             "positionally, as PyTorch documents "
                                                             "them (tensor1, tensor2)"),
    ("torch", "normal"): ({"input"}, "normal(input, generator), the overload that draws in a "
                                     "tensor's shape, is not supported: normal(mean, std) is"),
    ("torch", "randint"): ({"out"}, "randint's overloads (high, size) / (low, high, size) are "
                                    "resolved by position; out= is not taken"),
    ("torch", "range"): ({"out"}, "its deprecation warning names the caller's line, which a "
                                  "keyword adapter would shift"),
    ("F", "one_hot"): ({"input"}, "PyTorch documents F.one_hot(tensor, num_classes), galton's "
                                  "name"),
}


def _schema_names(name, method):
    """Parameter names of aten::name over its overloads (without Dimname ones)."""
    names, has_out = [], False
    for s in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        args = s.arguments
        types = [str(a.type) for a in args]
        # tensor overloads only: not the TorchScript ones on Python numbers, strings, lists
        if (any("Dimname" in t for t in types) or not any("Tensor" in t for t in types)
                or (method and not any(a.name == "self" and "Tensor" in str(a.type)
                                       for a in args))):
            continue
        for a in args:
            if a.name == "out" or a.is_out:
                has_out = True
                continue
            n = a.name
            if n == "self":
                if method:
                    continue
                n = "input"
            if n not in names:
                names.append(n)
    if has_out and not method:
        names.append("out")
    return names


def torch_names(obj, name, method=False):
    """PyTorch's parameter names for obj (see the module docstring), or None if unknown."""
    try:
        sig = inspect.signature(obj)
        names = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return names[1:] if method else names
    except (TypeError, ValueError):
        pass
    names = _schema_names(name, method)
    return names or None


def galton_accepts(fn, name):
    """The keyword names galton's callable accepts, or None when it takes any (``**kwargs``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    names = {p.name for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    wrapped = getattr(fn, "__wrapped_op__", None)
    if wrapped is not None and name in _signatures.SIGNATURES:
        leading, takes_out = _signatures.SIGNATURES[name]
        names |= set(leading) | ({"out"} if takes_out else set())
        names |= {k for k, v in _signatures._NUMPY_NAMES.items() if v in names}
        names |= set(_signatures.RENAMES.get(name, ()))
    return names


def _public(ns):
    return [n for n in dir(ns) if not n.startswith("_")]


def _differences(label, torch_ns, galton_ns, method=False):
    found = {}
    for name in _public(torch_ns):
        if not hasattr(galton_ns, name):
            continue
        tobj, gobj = getattr(torch_ns, name), getattr(galton_ns, name)
        if isinstance(gobj, type) or not callable(gobj) or isinstance(tobj, type):
            continue
        want = torch_names(tobj, name, method)
        have = galton_accepts(gobj, name)
        if want is None or have is None:
            continue
        if method or label == "F":  # methods have no out=; F documents none
            want = [w for w in want if w != "out"]
        missing = {w for w in want if w not in have} - _GLOBAL
        allowed, _ = ALLOWED.get((label, name), (set(), ""))
        missing -= allowed
        if missing:
            found[name] = sorted(missing)
    return found


@pytest.mark.parametrize("label, torch_ns, galton_ns, method", [
    ("torch", torch, galton, False),
    ("Tensor", torch.Tensor, galton.Tensor, True),
    ("F", F, GF, False),
])
def test_parameter_names_match_pytorch(label, torch_ns, galton_ns, method):
    found = _differences(label, torch_ns, galton_ns, method)
    assert not found, f"{label}: PyTorch's keyword names galton does not take: {found}"


def test_allowed_differences_have_reasons():
    for key, (names, reason) in ALLOWED.items():
        assert names and len(reason) > 10, key


@pytest.mark.parametrize("call", [
    lambda L, x: L.add(input=x, other=x, alpha=2),
    lambda L, x: L.sum(x, axis=0, keepdims=True),
    lambda L, x: L.atan2(input=x, other=x),
    lambda L, x: L.quantile(input=x, q=0.5, dim=0, keepdim=True),
    lambda L, x: L.cummax(input=x, dim=0).values,
    lambda L, x: L.broadcast_to(x, size=(2, 2, 3)),
    lambda L, x: L.swapdims(x, dim0=0, dim1=1),
    lambda L, x: x.where(x > 0, other=x * 2),
    lambda L, x: L.lerp(input=x, end=x * 2, weight=0.5),
    lambda L, x: L.xlogy(input=x.abs(), other=x.abs() + 1),
    lambda L, x: L.exp(input=x),
    lambda L, x: L.clamp(x, min=-0.1, max=0.2),
    lambda L, x: L.acos(input=x.clamp(-0.5, 0.5), out=L.empty(2, 3)),
    lambda L, x: L.tensor_split(x, indices=[1], dim=1)[1],
    lambda L, x: x.tensor_split(sections=3, dim=1)[2],
    lambda L, x: L.isin(elements=x, test_elements=x[0]).float(),
    lambda L, x: L.cummax(x, dim=1, out=(L.empty(0), L.empty(0, dtype=L.int64))).values,
    lambda L, x: (GF if L is galton else F).linear(input=x, weight=x),
])
def test_keyword_calls_agree(call):
    import numpy as np
    a = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    g, t = call(galton, galton.tensor(a)), call(torch, torch.tensor(a))
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)
