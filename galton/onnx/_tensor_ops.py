"""ONNX converters for the tensor ops between layers: arithmetic, shapes, reductions, joining,
indexing and casts."""
import numpy as np

from ._builder import ExportError, SizeOf, Val, axis, converts, every

_INT64_MAX = np.iinfo(np.int64).max


# --- arithmetic -----------------------------------------------------------------------------
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
           "maximum": "Max", "minimum": "Min"}
_REFLECTED = {"__rsub__": "sub", "__rtruediv__": "div", "__rpow__": "pow"}
_DUNDER = {"__add__": "add", "__radd__": "add", "__sub__": "sub", "__mul__": "mul",
           "__rmul__": "mul", "__truediv__": "div", "__pow__": "pow", "__iadd__": "add",
           "__isub__": "sub", "__imul__": "mul", "__itruediv__": "div", "true_divide": "div",
           "divide": "div", "multiply": "mul", "subtract": "sub", "add_": "add", "sub_": "sub",
           "mul_": "mul", "div_": "div", "pow_": "pow"}


def _binary_name(op):
    name = op.partition(".")[2]
    if name in _REFLECTED:
        return _BINARY[_REFLECTED[name]], True
    return _BINARY[_DUNDER.get(name, name)], False


@converts(*every(*_BINARY), *[f"Tensor.{n}" for n in list(_DUNDER) + list(_REFLECTED)])
def binary(b, c):
    op_type, swapped = _binary_name(c.op)
    lhs, rhs = (c[1], c[0]) if swapped else (c[0], c[1])
    alpha = c.get("alpha", 1)
    if c.get("rounding_mode") is not None:
        raise ExportError("galton.onnx.export: div with rounding_mode is not supported")
    dt = c.out_dtype
    if op_type == "Pow" and isinstance(lhs, Val) and lhs.dtype == dt:
        exponent = b.cast(rhs, dt if not isinstance(rhs, Val) else rhs.dtype)
        return b.node("Pow", [lhs.name, exponent])
    right = b.cast(rhs, dt)
    if alpha != 1:
        right = b.node("Mul", [right, b.scalar(alpha, dt)])
    return b.node(op_type, [b.cast(lhs, dt), right])


_COMPARE = {"eq": ("Equal", False), "ne": ("Equal", True), "lt": ("Less", False),
            "le": ("LessOrEqual", False), "gt": ("Greater", False),
            "ge": ("GreaterOrEqual", False), "greater": ("Greater", False),
            "less": ("Less", False)}


@converts(*every(*_COMPARE), *[f"Tensor.__{n}__" for n in ("eq", "ne", "lt", "le", "gt", "ge")])
def compare(b, c):
    op_type, negate = _COMPARE[c.op.partition(".")[2].strip("_")]
    a, o = c[0], c[1]
    dts = [v.dtype for v in (a, o) if isinstance(v, Val)]
    if not isinstance(o, Val) and isinstance(o, float) and dts[0].kind != "f":
        dts = [np.dtype(np.float32)]
    dt = np.result_type(*dts)
    y = b.node(op_type, [b.cast(a, dt), b.cast(o, dt)])
    return b.node("Not", [y]) if negate else y


@converts(*every("matmul", "mm", "bmm"), "Tensor.__matmul__", "Tensor.__rmatmul__")
def matmul(b, c):
    lhs, rhs = (c[1], c[0]) if c.op.endswith("__rmatmul__") else (c[0], c[1])
    return b.node("MatMul", [lhs, rhs])


# --- shapes ---------------------------------------------------------------------------------
def shape_input(b, entries):
    """A 1-D int64 shape value from ints and traced sizes (``x.size(0)``)."""
    if not any(isinstance(e, SizeOf) for e in entries):
        return b.ints([int(e) for e in entries])
    pieces, run = [], []
    for e in entries:
        if isinstance(e, SizeOf):
            if run:
                pieces.append(b.ints(run))
                run = []
            shape = b.node("Shape", [e.val])
            pieces.append(b.node("Gather", [shape, b.ints([axis(e.dim, e.val.ndim)])], axis=0))
        else:
            run.append(int(e))
    if run:
        pieces.append(b.ints(run))
    return b.node("Concat", pieces, axis=0)


def _shape_arg(c, name):
    shape = c.get(name)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return list(shape)


@converts(*every("reshape", "view"))
def reshape(b, c):
    shape = _shape_arg(c, "shape")
    if len(shape) == 1 and not isinstance(shape[0], (int, SizeOf)):
        raise ExportError("galton.onnx.export: view(dtype) is not supported")
    return b.node("Reshape", [c[0].name, shape_input(b, shape)])


@converts(*every("flatten"))
def flatten(b, c):
    x = c[0]
    if x.ndim == 0:
        return b.node("Reshape", [x.name, b.ints([1])])
    s, e = axis(c.get("start_dim"), x.ndim), axis(c.get("end_dim"), x.ndim)
    # leading dims are copied (0), so a dynamic batch passes; trailing ones are traced sizes
    return b.node("Reshape", [x.name, b.ints([0] * s + [-1] + list(x.shape[e + 1:]))])


@converts(*every("unflatten"))
def unflatten(b, c):
    x = c[0]
    d = axis(c.get("dim"), x.ndim)
    shape = [0] * d + list(c.get("sizes")) + list(x.shape[d + 1:])
    return b.node("Reshape", [x.name, shape_input(b, shape)])


@converts(*every("permute"))
def permute(b, c):
    x = c[0]
    dims = _shape_arg(c, "dims")
    return b.node("Transpose", [x], perm=[axis(d, x.ndim) for d in dims])


@converts(*every("transpose", "swapaxes", "t"))
def transpose(b, c):
    x = c[0]
    perm = list(range(x.ndim))
    if c.op.endswith(".t"):
        perm.reverse()
    else:
        d0, d1 = axis(c[1], x.ndim), axis(c[2], x.ndim)
        perm[d0], perm[d1] = perm[d1], perm[d0]
    return b.node("Transpose", [x], perm=perm)


@converts(*every("unsqueeze"))
def unsqueeze(b, c):
    x = c[0]
    return b.node("Unsqueeze", [x.name, b.ints([axis(c.get("dim"), x.ndim + 1)])])


@converts(*every("squeeze"))
def squeeze(b, c):
    x, dim = c[0], c.get("dim")
    dims = range(x.ndim) if dim is None else (dim if isinstance(dim, (tuple, list)) else [dim])
    axes = [axis(d, x.ndim) for d in dims if x.shape[axis(d, x.ndim)] == 1]
    if not axes:
        return b.node("Identity", [x])
    return b.node("Squeeze", [x.name, b.ints(axes)])


@converts(*every("expand"))
def expand(b, c):
    x = c[0]
    sizes = _shape_arg(c, "sizes")
    sizes = [1 if not isinstance(s, SizeOf) and s == -1 else s for s in sizes]
    return b.node("Expand", [x.name, shape_input(b, sizes)])


@converts(*every("contiguous", "clone", "detach"))
def identity(b, c):
    return b.node("Identity", [c[0]])


@converts(*every("to", "float", "double", "half", "long", "int", "bool", "byte", "short", "char",
                 "type", "type_as", "cpu"))
def cast(b, c):
    return b.node("Identity", [c[0]]) if c[0].dtype == c.out_dtype else b.cast(c[0], c.out_dtype)


# --- joining --------------------------------------------------------------------------------
@converts(*every("cat", "concat", "concatenate"))
def cat(b, c):
    tensors = [t for t in c[0] if t.shape != (0,)]
    d = c.get("dim", c.get("axis", 0))
    if c.get("axis") is not None:
        d = c.get("axis")
    dt = c.out_dtype
    return b.node("Concat", [b.cast(t, dt) for t in tensors], axis=axis(d, tensors[0].ndim))


@converts(*every("stack"))
def stack(b, c):
    tensors = c[0]
    d = axis(c.get("dim"), tensors[0].ndim + 1)
    parts = [b.node("Unsqueeze", [b.cast(t, c.out_dtype), b.ints([d])]) for t in tensors]
    return b.node("Concat", parts, axis=d)


# --- reductions -----------------------------------------------------------------------------
def reduce(b, op_type, x, axes, keepdims):
    axes = [axis(a, x.ndim) for a in axes]
    if op_type == "ReduceSum" or b.opset >= 18:
        return b.node(op_type, [x.name, b.ints(axes)], keepdims=int(keepdims))
    return b.node(op_type, [x], axes=axes, keepdims=int(keepdims))


def _dims(dim, ndim):
    if dim is None or dim == ():
        return list(range(ndim))
    return list(dim) if isinstance(dim, (tuple, list)) else [dim]


@converts(*every("sum", "mean", "amax", "amin"))
def reduction(b, c):
    name = c.op.partition(".")[2]
    x = c[0]
    if c.get("dtype") is not None or x.dtype != c.out_dtype:
        x = Val(b.cast(x, c.out_dtype), x.shape, c.out_dtype)
    dim = c.get("axis") if c.get("axis") is not None else c.get("dim")
    op_type = {"sum": "ReduceSum", "mean": "ReduceMean", "amax": "ReduceMax",
               "amin": "ReduceMin"}[name]
    return reduce(b, op_type, x, _dims(dim, x.ndim), c.get("keepdim"))


@converts(*every("max", "min"))
def max_min(b, c):
    x, dim = c[0], c.get("dim")
    big = c.op.endswith("max")
    if isinstance(dim, Val):
        return b.node("Max" if big else "Min", [x, dim])
    if dim is None:
        return reduce(b, "ReduceMax" if big else "ReduceMin", x, range(x.ndim), False)
    keep = int(bool(c.get("keepdim")))
    values = reduce(b, "ReduceMax" if big else "ReduceMin", x, [dim], keep)
    idx = b.node("ArgMax" if big else "ArgMin", [x], axis=axis(dim, x.ndim), keepdims=keep,
                 select_last_index=0)
    return [values, idx]


@converts(*every("argmax", "argmin"))
def argmax(b, c):
    x, dim = c[0], c.get("dim")
    op_type = "ArgMax" if c.op.endswith("argmax") else "ArgMin"
    if dim is None:
        flat = b.node("Reshape", [x.name, b.ints([-1])])
        return b.node(op_type, [flat], axis=0, keepdims=0)
    return b.node(op_type, [x], axis=axis(dim, x.ndim), keepdims=int(bool(c.get("keepdim"))))


# --- indexing -------------------------------------------------------------------------------
@converts("Tensor.__getitem__")
def getitem(b, c):
    x, idx = c[0], c[1]
    if isinstance(idx, Val):
        if idx.dtype.kind not in "iu":
            raise ExportError("galton.onnx.export: indexing with a boolean mask is not supported")
        return b.node("Gather", [x.name, b.cast(idx, np.int64)], axis=0)
    items = list(idx) if isinstance(idx, tuple) else [idx]
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    expanded = []
    for i in items:
        expanded += [slice(None)] * (x.ndim - n_real) if i is Ellipsis else [i]
    starts, ends, axes, steps, drop, new, d, out_pos = [], [], [], [], [], [], 0, 0
    for i in expanded:
        if i is None:
            new.append(out_pos)
            out_pos += 1
            continue
        if isinstance(i, (Val, SizeOf)) or isinstance(i, slice) and any(
                isinstance(v, (Val, SizeOf)) for v in (i.start, i.stop, i.step)):
            raise ExportError("galton.onnx.export: indexing with tensors or traced sizes "
                              "inside a tuple is not supported")
        if isinstance(i, slice):
            step = 1 if i.step is None else int(i.step)
            if step <= 0:
                raise ExportError("galton.onnx.export: slices need a positive step")
            if (i.start, i.stop, step) != (None, None, 1):
                starts.append(0 if i.start is None else int(i.start))
                ends.append(_INT64_MAX if i.stop is None else int(i.stop))
                axes.append(d)
                steps.append(step)
            out_pos += 1
        else:
            i = int(i)
            starts.append(i)
            ends.append(_INT64_MAX if i == -1 else i + 1)
            axes.append(d)
            steps.append(1)
            drop.append(d)
        d += 1
    y = x.name
    if axes:
        y = b.node("Slice", [y, b.ints(starts), b.ints(ends), b.ints(axes), b.ints(steps)])
    if drop:
        y = b.node("Squeeze", [y, b.ints(drop)])
    if new:
        y = b.node("Unsqueeze", [y, b.ints(new)])
    return y if y != x.name else b.node("Identity", [x])


# --- creation with a traced shape (zeros(2, x.size(0), 4), zeros_like(x), arange(x.size(1))) ----
def _filled(b, shape, value, dtype):
    from onnx import numpy_helper
    return b.node("ConstantOfShape", [shape],
                  value=numpy_helper.from_array(np.asarray([value], dtype=dtype), "value"))


@converts("galton.zeros", "galton.ones", "galton.empty", "galton.full")
def constant_of_shape(b, c):
    name = c.op.partition(".")[2]
    size = list(c.get("size"))
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = list(size[0])
    value = {"zeros": 0, "empty": 0, "ones": 1}.get(name, c.get("fill_value"))
    return _filled(b, shape_input(b, size), value, c.out_dtype)


@converts("galton.zeros_like", "galton.ones_like", "galton.empty_like", "galton.full_like")
def constant_like(b, c):
    name = c.op.partition(".")[2]
    value = {"zeros_like": 0, "empty_like": 0, "ones_like": 1}.get(name, c.get("fill_value"))
    return _filled(b, b.node("Shape", [c[0]]), value, c.out_dtype)


@converts("galton.arange")
def arange(b, c):
    start, end, step = c.get("start"), c.get("end"), c.get("step")
    if end is None:
        start, end = 0, start
    dt = c.out_dtype

    def scalar(v):
        if isinstance(v, SizeOf):
            shape = b.node("Shape", [v.val])
            s = b.node("Gather", [shape, b.const(np.asarray(axis(v.dim, v.val.ndim), np.int64))],
                       axis=0)
            return s if dt == np.int64 else b.node("Cast", [s], to=_onnx_dtype(dt))
        if isinstance(v, Val):
            raise ExportError("galton.onnx.export: arange with tensor bounds is not supported")
        return b.scalar(v, dt)
    return b.node("Range", [scalar(start), scalar(end), scalar(step)])


def _onnx_dtype(dt):
    from onnx import helper
    return helper.np_dtype_to_tensor_dtype(np.dtype(dt))
