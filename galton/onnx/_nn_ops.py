"""ONNX converters for the layers' ops: linear, convolution, pooling, embedding,
normalisation, dropout, activations and softmax."""
import math

import numpy as np

from ._builder import ExportError, Val, axis, converts, every, tuple_arg


# --- linear and convolution -----------------------------------------------------------------
@converts("F.linear", "galton.linear")
def linear(b, c):
    x, w, bias = c[0], c[1], c[2]
    if x.ndim == 2 and w.ndim == 2:
        return b.node("Gemm", [x, w] + ([bias] if bias is not None else []), transB=1)
    if w.array is not None:  # a weight: store it transposed instead of transposing each run
        wt = b.const(np.ascontiguousarray(w.array.T), f"{w.name}.T")
    else:
        wt = b.node("Transpose", [w], perm=[1, 0])
    y = b.node("MatMul", [x.name, wt])
    return b.node("Add", [y, bias.name]) if bias is not None else y


def _pads(padding, kernel, dilation, n):
    """ONNX pads (all begins, then all ends) from a PyTorch padding (int, tuple or string)."""
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    p = tuple_arg(padding, n)
    return list(p) + list(p)


@converts("F.conv1d", "F.conv2d")
def conv(b, c):
    x, w, bias = c[0], c.get("weight"), c.get("bias")
    n = w.ndim - 2
    if x.ndim != n + 2:
        raise ExportError(f"galton.onnx.export: {c.op} of an unbatched input (shape "
                          f"{list(x.shape)}) is not supported; add the batch dim")
    kernel = tuple(w.shape[2:])
    dilation = tuple_arg(c.get("dilation"), n)
    return b.node("Conv", [x, w] + ([bias] if bias is not None else []),
                  kernel_shape=list(kernel), strides=list(tuple_arg(c.get("stride"), n)),
                  pads=_pads(c.get("padding"), kernel, dilation, n), dilations=list(dilation),
                  group=int(c.get("groups")))


@converts("F.pad")
def pad(b, c):
    x, p, mode = c[0], list(c.get("pad")), c.get("mode")
    pairs = [(p[i], p[i + 1]) for i in range(0, len(p), 2)]  # last dim first
    begins, ends = [0] * x.ndim, [0] * x.ndim
    for k, (lo, hi) in enumerate(pairs):
        begins[x.ndim - 1 - k], ends[x.ndim - 1 - k] = lo, hi
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                 "circular": "wrap"}[mode]
    if onnx_mode == "wrap" and b.opset < 19:
        raise ExportError("galton.onnx.export: circular padding needs opset_version >= 19")
    inputs = [x.name, b.ints(begins + ends)]
    if mode == "constant":
        inputs.append(b.scalar(c.get("value") or 0, x.dtype))
    return b.node("Pad", inputs, mode=onnx_mode)


# --- pooling --------------------------------------------------------------------------------
def _pool(b, c, op_type, n, extra):
    x = c[0]
    kernel = tuple_arg(c.get("kernel_size"), n)
    stride = tuple_arg(c.get("stride") or kernel, n)
    if c.get("return_indices"):
        raise ExportError(f"galton.onnx.export: {c.op} with return_indices=True is not supported")
    pads = _pads(c.get("padding"), kernel, (1,) * n, n)
    return b.node(op_type, [x], kernel_shape=list(kernel), strides=list(stride), pads=pads,
                  ceil_mode=int(bool(c.get("ceil_mode"))), **extra)


@converts("F.max_pool1d", "F.max_pool2d")
def max_pool(b, c):
    n = 1 if c.op.endswith("1d") else 2
    return _pool(b, c, "MaxPool", n, {"dilations": list(tuple_arg(c.get("dilation"), n))})


@converts("F.avg_pool1d", "F.avg_pool2d")
def avg_pool(b, c):
    n = 1 if c.op.endswith("1d") else 2
    if c.get("divisor_override"):
        raise ExportError("galton.onnx.export: avg_pool2d with divisor_override is not supported")
    return _pool(b, c, "AveragePool", n,
                 {"count_include_pad": int(bool(c.get("count_include_pad", True)))})


def _adaptive_sizes(c, n):
    x = c[0]
    out = c.get("output_size")
    out = tuple(out) if isinstance(out, (tuple, list)) else (out,) * n
    if len(out) == 1:
        out = out * n
    return x, x.shape[-n:], tuple(x.shape[-n + i] if o is None else int(o)
                                  for i, o in enumerate(out))


def _bins(size_in, size_out):
    return [(math.floor(i * size_in / size_out), math.ceil((i + 1) * size_in / size_out))
            for i in range(size_out)]


@converts("F.adaptive_avg_pool1d", "F.adaptive_avg_pool2d")
def adaptive_avg_pool(b, c):
    n = 1 if c.op.endswith("1d") else 2
    x, size_in, size_out = _adaptive_sizes(c, n)
    if all(o == 1 for o in size_out) and x.ndim == n + 2:
        return b.node("GlobalAveragePool", [x])
    if all(i % o == 0 for i, o in zip(size_in, size_out)) and x.ndim == n + 2:
        k = [i // o for i, o in zip(size_in, size_out)]
        return b.node("AveragePool", [x], kernel_shape=k, strides=k)
    # uneven bins (AlexNet's 6x6 pool of a small image): each bin's mean is a row of an
    # averaging matrix P, and the pool is X @ Pw.T (then Ph @ .), exact up to rounding
    y = x.name
    for d in reversed(range(n)):
        p = np.zeros((size_out[d], size_in[d]), dtype=x.dtype)
        for row, (lo, hi) in enumerate(_bins(size_in[d], size_out[d])):
            p[row, lo:hi] = 1.0 / (hi - lo)
        if d == n - 1:
            y = b.node("MatMul", [y, b.const(np.ascontiguousarray(p.T), "pool_matrix")])
        else:
            y = b.node("MatMul", [b.const(p, "pool_matrix"), y])
    return y


@converts("F.adaptive_max_pool1d", "F.adaptive_max_pool2d")
def adaptive_max_pool(b, c):
    n = 1 if c.op.endswith("1d") else 2
    x, size_in, size_out = _adaptive_sizes(c, n)
    if c.get("return_indices"):
        raise ExportError(f"galton.onnx.export: {c.op} with return_indices=True is not supported")
    if all(o == 1 for o in size_out):
        return b.node("GlobalMaxPool", [x])
    if all(i % o == 0 for i, o in zip(size_in, size_out)):
        k = [i // o for i, o in zip(size_in, size_out)]
        return b.node("MaxPool", [x], kernel_shape=k, strides=k)
    raise ExportError(f"galton.onnx.export: {c.op} from {list(size_in)} to {list(size_out)} "
                      f"(uneven bins) is not supported")


@converts("F.embedding")
def embedding(b, c):
    if c.get("max_norm") is not None:
        raise ExportError("galton.onnx.export: embedding with max_norm (which renormalises the "
                          "weight in place) is not supported")
    idx, w = c[0], c.get("weight")
    return b.node("Gather", [w.name, b.cast(idx, np.int64)], axis=0)


# --- normalisation and dropout --------------------------------------------------------------
@converts("F.batch_norm")
def batch_norm(b, c):
    x, mean, var = c[0], c.get("running_mean"), c.get("running_var")
    if c.get("training") or mean is None or var is None:
        raise ExportError("galton.onnx.export: batch_norm with batch statistics (training mode, "
                          "or track_running_stats=False) is not supported; export in eval mode")
    ch = x.shape[1]
    w, bias = c.get("weight"), c.get("bias")
    w = w.name if w is not None else b.const(np.ones(ch, x.dtype), "bn_weight")
    bias = bias.name if bias is not None else b.const(np.zeros(ch, x.dtype), "bn_bias")
    return b.node("BatchNormalization", [x.name, w, bias, mean.name, var.name],
                  epsilon=float(c.get("eps")))


@converts("F.layer_norm")
def layer_norm(b, c):
    if b.opset < 17:
        raise ExportError("galton.onnx.export: layer_norm needs opset_version >= 17")
    x, shape = c[0], tuple_arg(c.get("normalized_shape"), 1)
    w, bias = c.get("weight"), c.get("bias")
    w = w.name if w is not None else b.const(np.ones(shape, x.dtype), "ln_weight")
    inputs = [x.name, w] + ([bias.name] if bias is not None else [])
    return b.node("LayerNormalization", inputs, axis=-len(shape), epsilon=float(c.get("eps")))


@converts("F.dropout", "F.dropout1d", "F.dropout2d", "F.dropout3d", "F.alpha_dropout")
def dropout(b, c):
    if c.get("training") and c.get("p"):
        raise ExportError(f"galton.onnx.export: {c.op} with training=True is random; pass "
                          f"training=self.training (the export runs in eval mode)")
    return b.node("Identity", [c[0]])


# --- activations ----------------------------------------------------------------------------
def _unary(op_type):
    return lambda b, c: b.node(op_type, [c[0]])


for _name, _op in (("relu", "Relu"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("exp", "Exp"),
                   ("log", "Log"), ("sqrt", "Sqrt"), ("abs", "Abs"), ("neg", "Neg"),
                   ("erf", "Erf"), ("floor", "Floor"), ("ceil", "Ceil"), ("sin", "Sin"),
                   ("cos", "Cos"), ("reciprocal", "Reciprocal"), ("sign", "Sign")):
    converts(*every(_name, _name + "_"))(_unary(_op))
converts("Tensor.__neg__", "Tensor.negative", "Tensor.__abs__")(
    lambda b, c: b.node("Abs" if c.op.endswith("abs__") else "Neg", [c[0]]))


@converts(*every("gelu"))
def gelu(b, c):
    x = c[0]
    if b.opset >= 20:
        return b.node("Gelu", [x], approximate=c.get("approximate", "none"))
    half = b.node("Mul", [x.name, b.scalar(0.5, x.dtype)])
    if c.get("approximate", "none") == "tanh":
        cube = b.node("Mul", [b.node("Pow", [x.name, b.scalar(3.0, x.dtype)]),
                              b.scalar(0.044715, x.dtype)])
        inner = b.node("Mul", [b.node("Add", [x.name, cube]),
                               b.scalar(math.sqrt(2 / math.pi), x.dtype)])
        s = b.node("Tanh", [inner])
    else:
        s = b.node("Erf", [b.node("Div", [x.name, b.scalar(math.sqrt(2.0), x.dtype)])])
    return b.node("Mul", [half, b.node("Add", [s, b.scalar(1.0, x.dtype)])])


@converts(*every("leaky_relu", "leaky_relu_"))
def leaky_relu(b, c):
    return b.node("LeakyRelu", [c[0]], alpha=float(c.get("negative_slope", 0.01)))


@converts(*every("elu", "elu_"))
def elu(b, c):
    return b.node("Elu", [c[0]], alpha=float(c.get("alpha", 1.0)))


@converts(*every("selu", "selu_"))
def selu(b, c):
    return b.node("Selu", [c[0]])


@converts(*every("hardtanh", "hardtanh_", "relu6", "clamp", "clip"))
def clip(b, c):
    x = c[0]
    if c.op.endswith("relu6"):
        lo, hi = 0.0, 6.0
    elif "hardtanh" in c.op:
        lo, hi = c.get("min_val", -1.0), c.get("max_val", 1.0)
    else:
        lo, hi = c[1], c[2]
    if isinstance(lo, Val) or isinstance(hi, Val):
        raise ExportError("galton.onnx.export: clamp with tensor bounds is not supported")
    return b.node("Clip", [x.name, b.scalar(lo, x.dtype) if lo is not None else "",
                           b.scalar(hi, x.dtype) if hi is not None else ""])


@converts(*every("silu"))
def silu(b, c):
    return b.node("Mul", [c[0].name, b.node("Sigmoid", [c[0]])])


@converts(*every("softplus"))
def softplus(b, c):
    x, beta = c[0], float(c.get("beta", 1.0))
    if beta == 1.0:
        return b.node("Softplus", [x])
    scaled = b.node("Mul", [x.name, b.scalar(beta, x.dtype)])
    return b.node("Div", [b.node("Softplus", [scaled]), b.scalar(beta, x.dtype)])


def _softmax_dim(c):
    dim = c.get("dim")
    x = c[0]
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return axis(int(dim), x.ndim)


@converts(*every("softmax", "log_softmax"))
def softmax(b, c):
    x = c[0]
    if c.get("dtype") is not None:
        x = Val(b.cast(x, c.out_dtype), x.shape, c.out_dtype)
    op_type = "LogSoftmax" if "log_softmax" in c.op else "Softmax"
    return b.node(op_type, [x], axis=_softmax_dim(c))
