"""PyTorch's keyword arguments on the functional and method forms of common ops.

The ops in galton/ops take their operands positionally (``add(a, b)``). PyTorch programs also
write ``torch.matmul(input=x, other=w)``, ``torch.flip(x, dims=[0])``, ``torch.add(x, y,
out=buf)`` and the NumPy spellings PyTorch accepts (``axis=`` for ``dim=``, ``keepdims=`` for
``keepdim=``, ``x1=``/``x2=`` for ``input=``/``other=``). ``wrap`` puts a thin adapter around
the functions and methods named below: without keywords it calls the op directly; with them it
renames, places and, for ``out=``, writes the result into the given tensor. The operators
(``a + b``, ``a @ b``) never pass through it.
"""
import functools
import inspect
import warnings

import numpy as np

from .autograd import graph
from .tensor import Tensor
from ._signature_table import RENAMES, TABLE as _TABLE

_NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "x1": "input", "a": "input",
                "x2": "other"}

# PyTorch's leading parameter names of each op, in order; "out" marks ops that take out=
_BINARY = ("input", "other")
_REDUCE = ("input", "dim", "keepdim")
SIGNATURES = {
    **{n: (_BINARY, True) for n in (
        "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
        "matmul", "maximum", "minimum", "remainder",
        "fmod", "floor_divide", "eq", "ne", "lt", "le", "gt", "ge", "atan2",
        "logical_and", "logical_or", "logical_xor")},
    **{n: (("input",), True) for n in (
        "exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh", "sin", "cos", "floor", "ceil",
        "round", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1", "log2", "log10")},
    **{n: (_REDUCE, True) for n in (
        "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any",
        "logsumexp", "median", "nansum", "nanmean")},
    "mm": (("input", "mat2"), True),
    "bmm": (("input", "mat2"), True),
    "dot": (("input", "tensor"), True),
    "mv": (("input", "vec"), True),
    "outer": (("input", "vec2"), True),
    "pow": (("input", "exponent"), True),
    # std / var are left out: their "degrees of freedom" warning counts exactly one wrapper
    # frame (galton/_quiet.py) to name the caller's line
    "cumsum": (("input", "dim"), True),
    "cumprod": (("input", "dim"), True),
    "cat": (("tensors", "dim"), True),
    "concat": (("tensors", "dim"), True),
    "concatenate": (("tensors", "dim"), True),
    "stack": (("tensors", "dim"), True),
    "clamp": (("input", "min", "max"), True),
    "clip": (("input", "min", "max"), True),
    "where": (("condition", "input", "other"), True),
    "flip": (("input", "dims"), False),
    "transpose": (("input", "dim0", "dim1"), False),
    "softmax": (("input", "dim"), False),
    "log_softmax": (("input", "dim"), False),
}
# the table's entries win for flip/softmax/log_softmax: they add out=
SIGNATURES.update({k: v for k, v in _TABLE.items()
                   if k not in SIGNATURES or k in ("flip", "softmax", "log_softmax")})


def _plan(fn, names):
    """For each PyTorch name: the op's own keyword of that name, or its position."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    keyword_ok = {n for n, p in params.items()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {n: (n if n in keyword_ok and i > 0 else i) for i, n in enumerate(names)}


def wrap(name, fn, method=False):
    """``fn`` with PyTorch's keywords for op ``name`` (``method``: called as ``x.name(...)``)."""
    names, takes_out = SIGNATURES[name]
    plan = []  # filled on the first call with keywords: inspect.signature of ~550 ops at
    # import would cost `import galton` tens of milliseconds (issue 18's start-up target)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if not kwargs:
            return fn(*args)
        if not plan:
            plan.append(_plan(fn, names))
        return _call(name, fn, plan[0], takes_out, method, args, kwargs)
    op.__wrapped_op__ = fn
    return op


def _call(name, fn, plan, takes_out, method, args, kwargs):
    out = kwargs.pop("out", None) if takes_out else None
    for k, v in RENAMES.get(name, {}).items():
        if k in kwargs:
            kwargs[v] = kwargs.pop(k)
    for k in [k for k in kwargs if k in _NUMPY_NAMES and _NUMPY_NAMES[k] in plan]:
        if _NUMPY_NAMES[k] in kwargs:
            raise TypeError(f"{name}() got multiple values for argument '{_NUMPY_NAMES[k]}'")
        kwargs[_NUMPY_NAMES[k]] = kwargs.pop(k)
    args = list(args)
    for torch_name, where in plan.items():
        if torch_name not in kwargs or not isinstance(where, int):
            continue
        if method and where == 0:
            raise TypeError(f"{name}() got multiple values for argument '{torch_name}'")
        if len(args) != where:
            if len(args) > where:
                raise TypeError(f"{name}() got multiple values for argument '{torch_name}'")
            raise TypeError(f"{name}() missing the argument before '{torch_name}'")
        args.append(kwargs.pop(torch_name))
    result = fn(*args, **kwargs)
    return result if out is None else _write_out(name, result, out)


def _write_out(name, result, out):
    """PyTorch's ``out=``: the result lands in ``out`` (resized if its shape differs)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        items = [_write_out(name, r, o) for r, o in zip(result, out)]
        return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if result.requires_grad and graph._grad_enabled:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    r, o = result._data, out._data
    if r.dtype != o.dtype and not np.can_cast(r.dtype, o.dtype, casting="same_kind"):
        from .creation import _TORCH_TYPE_NAMES
        raise RuntimeError(f"result type {_TORCH_TYPE_NAMES[r.dtype.name][:-6]} can't be cast "
                           f"to the desired output type {_TORCH_TYPE_NAMES[o.dtype.name][:-6]}")
    if r.shape == o.shape:
        o[...] = r  # the same storage: views of ``out`` see the result
    else:
        if o.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(o.shape)}, which does not match the required output shape "
                          f"{list(r.shape)}. This behavior is deprecated, and in a future "
                          "PyTorch release outputs will not be resized unless they have zero "
                          "elements. You can explicitly reuse an out tensor t by resizing it, "
                          "inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=4)
        out._data = r.astype(o.dtype, copy=True)
    out._version += 1
    return out


def install(namespace, tensor_cls):
    """Wrap the functions of ``namespace`` (galton's globals) and the Tensor methods named in
    SIGNATURES that exist."""
    for name in SIGNATURES:
        fn = namespace.get(name)
        if callable(fn) and not hasattr(fn, "__wrapped_op__"):
            namespace[name] = wrap(name, fn)
        meth = tensor_cls.__dict__.get(name)
        if callable(meth) and not hasattr(meth, "__wrapped_op__"):
            setattr(tensor_cls, name, wrap(name, meth, method=True))
