"""The pieces an op converter works with: ONNX values, the node list, initialisers.

A converter receives a ``Call`` (the traced op's arguments bound to the galton function's
signature, tensors as ``Val``s) and emits ONNX nodes through the ``Builder``.
"""
import inspect

import numpy as np


class ExportError(RuntimeError):
    """A model (or one op of it) that galton cannot express in ONNX."""


class Val:
    """An ONNX value: its name, the shape and NumPy dtype it had while tracing, and for a
    parameter or constant, its array (so converters can fold transposes and reshapes)."""

    __slots__ = ("name", "shape", "dtype", "array")

    def __init__(self, name, shape, dtype, array=None):
        self.name, self.shape, self.dtype, self.array = name, tuple(shape), np.dtype(dtype), array

    @property
    def ndim(self):
        return len(self.shape)


class SizeOf:
    """``x.size(dim)`` read at run time (a traced size in a reshape)."""

    __slots__ = ("val", "dim")

    def __init__(self, val, dim):
        self.val, self.dim = val, dim


class Builder:
    """Collects nodes and initialisers, and hands out unique names."""

    def __init__(self, opset):
        self.opset = opset
        self.nodes = []
        self.initializers = {}  # name -> array
        self._count = 0
        self.scope = ""

    def fresh(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def node(self, op_type, inputs, outputs=None, **attrs):
        """Add one ONNX node; returns its output name (or the list, for several)."""
        from onnx import helper
        n_out = 1 if outputs is None else outputs
        if isinstance(n_out, int):
            outs = [self.fresh(op_type) for _ in range(n_out)]
        else:
            outs = list(n_out)
        names = [i.name if isinstance(i, Val) else (i or "") for i in inputs]
        scope = f"/{self.scope}" if self.scope else ""
        self.nodes.append(helper.make_node(op_type, names, outs,
                                           name=f"{scope}/{op_type}_{self._count}",
                                           **{k: v for k, v in attrs.items() if v is not None}))
        return outs[0] if len(outs) == 1 else outs

    def const(self, array, hint="const"):
        """An initialiser holding ``array``; returns its name."""
        name = self.fresh(hint)
        self.initializers[name] = np.asarray(array)
        return name

    def ints(self, values):
        return self.const(np.asarray(values, dtype=np.int64), "ints")

    def scalar(self, value, dtype):
        return self.const(np.asarray(value, dtype=dtype), "scalar")

    def cast(self, v, dtype):
        """``v`` (a Val or a Python number) as a value of ``dtype``."""
        dtype = np.dtype(dtype)
        if not isinstance(v, Val):
            return self.scalar(v, dtype)
        if v.dtype == dtype:
            return v.name
        from onnx import helper
        return self.node("Cast", [v], to=helper.np_dtype_to_tensor_dtype(dtype))


_SIGNATURES = {}


class Call:
    """One traced op call, its arguments bound by name to the galton function's signature."""

    def __init__(self, op, fn, args, kwargs, outs):
        sig = _SIGNATURES.get(op)
        if sig is None:
            sig = _SIGNATURES[op] = inspect.signature(fn)
        try:
            bound = sig.bind(*args, **kwargs)
        except TypeError as exc:
            raise ExportError(f"galton.onnx.export: cannot read the arguments of {op}: {exc}") \
                from None
        bound.apply_defaults()
        self.op = op
        self.named = bound.arguments
        self.pos = list(bound.arguments.values())
        self.outs = outs  # the out values' [shape, dtype] as traced

    def __getitem__(self, i):
        return self.pos[i]

    def get(self, name, default=None):
        return self.named.get(name, default)

    @property
    def x(self):
        return self.pos[0]

    @property
    def out_dtype(self):
        return np.dtype(self.outs[0][1])

    @property
    def out_shape(self):
        return tuple(self.outs[0][0])


CONVERTERS = {}


def converts(*ops):
    """Register a converter for the graph ops named (``"F.relu"``, ``"Tensor.relu"``, ...)."""
    def deco(fn):
        for op in ops:
            CONVERTERS[op] = fn
        return fn
    return deco


def every(*names, spaces=("Tensor", "galton", "F")):
    """``"Tensor.relu", "galton.relu", "F.relu"`` for each name: the usual spellings of an op."""
    return [f"{s}.{n}" for n in names for s in spaces]


def tuple_arg(v, n):
    """An int or a sequence as an n-tuple of ints (kernel sizes, strides, paddings)."""
    if isinstance(v, (tuple, list)):
        v = tuple(int(x) for x in v)
        return v * n if len(v) == 1 else v
    return (int(v),) * n


def axis(d, ndim):
    return d + ndim if d < 0 else d
