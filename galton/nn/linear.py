"""Linear layers, as in ``torch.nn``: Identity, Linear, Bilinear."""
import math

from .. import backend
from ..creation import empty
from ..amp import autocast_mode as _autocast
from ..ops.linalg import linear
from ..ops._util import composite
from ..tensor import Tensor, make_result
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; takes (and ignores) any arguments, as PyTorch's.

    >>> model.fc = nn.Identity()   # cut the head off a network to get its features
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x @ W.T + b`` over the last dimension of x.

    weight has shape (out_features, in_features), bias (out_features,); both start as PyTorch's:
    U(-1/sqrt(in_features), 1/sqrt(in_features)).

    >>> fc = nn.Linear(784, 100)
    >>> fc(galton.randn(64, 784)).shape
    galton.Size([64, 100])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight, which is
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        shape = input._data.shape
        if not shape or shape[-1] != self.in_features:
            raise RuntimeError(f"Linear({self.in_features} -> {self.out_features}) got input of "
                               f"shape {tuple(shape)}: last dimension must be {self.in_features}")
        weight = self.weight  # read once: a parametrized weight is computed on each read
        if input._data.dtype != weight._data.dtype and not _autocast.state.enabled:
            # PyTorch refuses to mix dtypes here; silently promoting would hide a float64 model
            raise RuntimeError(
                f"Linear({self.in_features} -> {self.out_features}): mat1 and mat2 must have the "
                f"same dtype, but got input {input.dtype} and weight {weight.dtype} "
                "(convert the input with .float() or the model with .to(dtype))")
        return linear(input, weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def bilinear(input1, input2, weight, bias=None):
    """``y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]`` as one op.

    Leading dims of the inputs must be equal; they are folded into one batch dim so each
    product is an einsum over 2-D/3-D arrays.
    """
    a, c, w = input1._data, input2._data, weight._data
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-D (out, in1, in2), got shape "
                           f"{tuple(w.shape)}")
    if a.ndim == 0 or c.ndim == 0 or a.shape[:-1] != c.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{tuple(a.shape[:-1])} and {tuple(c.shape[:-1])}")
    if a.shape[-1] != w.shape[1] or c.shape[-1] != w.shape[2]:
        raise RuntimeError(f"bilinear(): input sizes {a.shape[-1]} and {c.shape[-1]} do not match "
                           f"the weight of shape {tuple(w.shape)} (out, in1, in2)")
    xp = backend.array_module(a)
    lead = a.shape[:-1]
    a2 = a.reshape(-1, a.shape[-1])
    c2 = c.reshape(-1, c.shape[-1])
    out = xp.einsum("bi,oij,bj->bo", a2, w, c2, optimize=True)
    if bias is not None:
        out += bias._data
    out = out.reshape(lead + (w.shape[0],))

    bias_arr = None if bias is None else bias._data
    need_1, need_2, need_w = input1._rg, input2._rg, weight._rg
    need_b = bias is not None and bias._rg

    def backward(g, input1=a, input2=c, weight=w, bias=bias_arr, xp=xp):
        if isinstance(g, Tensor):  # create_graph: the same einsum, of galton tensors
            return composite(_bilinear_of_tensors, (input1, input2, weight, bias), g)
        g2 = g.reshape(-1, w.shape[0])
        ga = gc = gw = gb = None
        if need_1:
            ga = xp.einsum("bo,oij,bj->bi", g2, w, c2, optimize=True).reshape(a.shape)
        if need_2:
            gc = xp.einsum("bo,oij,bi->bj", g2, w, a2, optimize=True).reshape(c.shape)
        if need_w:
            gw = xp.einsum("bo,bi,bj->oij", g2, a2, c2, optimize=True)
        if need_b:
            gb = g2.sum(axis=0)
        return ga, gc, gw, gb
    return make_result(out, (input1, input2, weight, bias), backward, "BilinearBackward0")


def _bilinear_of_tensors(a, c, w, b):
    from ..ops.linalg import einsum
    out = einsum("bi,oij,bj->bo", a.reshape(-1, a.shape[-1]), w, c.reshape(-1, c.shape[-1]))
    if b is not None:
        out = out + b
    return out.reshape(tuple(a.shape[:-1]) + (w.shape[0],))


class Bilinear(Module):
    """``y = x1^T A x2 + b`` for each output feature: weight (out, in1, in2), bias (out,).

    Both start as U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch.

    >>> m = nn.Bilinear(20, 30, 40)
    >>> m(galton.randn(128, 20), galton.randn(128, 30)).shape
    galton.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device,
                                      dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        s1, s2 = input1._data.shape, input2._data.shape
        if not s1 or not s2 or s1[-1] != self.in1_features or s2[-1] != self.in2_features:
            raise RuntimeError(
                f"Bilinear({self.in1_features}, {self.in2_features} -> {self.out_features}) got "
                f"inputs of shapes {tuple(s1)} and {tuple(s2)}: last dimensions must be "
                f"{self.in1_features} and {self.in2_features}")
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
