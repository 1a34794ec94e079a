"""In-place ops (``add_``, ``mul_``, ``zero_``, ``x[i] = v``, ...) and PyTorch's rules for them.

Outside autograd (optimizers, init, ``no_grad``) they write into the array itself. When the
graph must record them, the op runs out of place and the tensor takes over the result and its
history; arrays saved by earlier ops stay untouched, so their gradients stay right.
"""
import numpy as np

from ..autograd import graph
from ..random import rng
from ._util import Tensor, make_result, unbroadcast
from . import arithmetic, pointwise


def _check_leaf(t):
    if t._rg and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _records(t, other=None):
    return graph._grad_enabled and (t._rg or (isinstance(other, Tensor) and other._rg))


def _take(t, r):
    """Let ``t`` become the result ``r`` of an out-of-place op (dtype kept, history taken)."""
    arr = r.data
    if arr.dtype != t.data.dtype:
        arr = arr.astype(t.data.dtype)
    t.data = arr if arr.shape == t.data.shape else np.broadcast_to(arr, t.data.shape).copy()
    t.grad_fn, t._rg = r.grad_fn, r._rg
    t._version += 1
    return t


def _binary_inplace(name, op, ufunc):
    def method(self, other, **kw):
        if _records(self, other):
            _check_leaf(self)
            return _take(self, op(self, other, **kw))
        y = other.data if isinstance(other, Tensor) else other
        if kw.get("alpha", 1) != 1:
            y = y * kw["alpha"]
        try:
            ufunc(self.data, y, out=self.data, casting="same_kind")
        except TypeError:  # NumPy refuses e.g. writing floats into an int tensor
            raise RuntimeError(f"result type {np.result_type(self.data, y)} can't be cast to the "
                               f"desired output type {self.data.dtype}") from None
        except ValueError:
            raise RuntimeError(f"output with shape {list(self.data.shape)} doesn't match the "
                               f"broadcast shape {list(np.broadcast_shapes(self.data.shape, np.shape(y)))}") from None
        self._version += 1
        return self
    method.__name__ = name
    return method


add_ = _binary_inplace("add_", arithmetic.add, np.add)
sub_ = _binary_inplace("sub_", arithmetic.sub, np.subtract)
mul_ = _binary_inplace("mul_", arithmetic.mul, np.multiply)
div_ = _binary_inplace("div_", arithmetic.div, np.true_divide)
pow_ = _binary_inplace("pow_", arithmetic.pow, np.power)


def _unary_inplace(name, op):
    def method(self, *args, **kw):
        r = op(self, *args, **kw)
        if _records(self):
            _check_leaf(self)
            return _take(self, r)
        self.data[...] = r.data
        self._version += 1
        return self
    method.__name__ = name
    return method


clamp_ = _unary_inplace("clamp_", pointwise.clamp)
clip_ = clamp_
exp_ = _unary_inplace("exp_", pointwise.exp)
log_ = _unary_inplace("log_", pointwise.log)
sqrt_ = _unary_inplace("sqrt_", pointwise.sqrt)
abs_ = _unary_inplace("abs_", pointwise.abs)
neg_ = _unary_inplace("neg_", arithmetic.neg)
relu_ = _unary_inplace("relu_", pointwise.relu)
sigmoid_ = _unary_inplace("sigmoid_", pointwise.sigmoid)
tanh_ = _unary_inplace("tanh_", pointwise.tanh)
floor_ = _unary_inplace("floor_", pointwise.floor)
round_ = _unary_inplace("round_", pointwise.round)


def addcmul_(self, t1, t2, value=1):
    return add_(self, arithmetic.mul(t1, t2), alpha=value) if _records(self) else _raw(
        self, lambda a: a.__iadd__(value * t1.data * t2.data))


def addcdiv_(self, t1, t2, value=1):
    return add_(self, arithmetic.div(t1, t2), alpha=value) if _records(self) else _raw(
        self, lambda a: a.__iadd__(value * t1.data / t2.data))


def lerp_(self, end, weight):
    w = weight.data if isinstance(weight, Tensor) else weight
    return _raw(self, lambda a: a.__iadd__(w * (end.data - a)))


def _raw(self, fn):
    _check_no_grad_needed(self)
    fn(self.data)
    self._version += 1
    return self


def _check_no_grad_needed(self):
    if graph._grad_enabled and self._rg:
        _check_leaf(self)


def _fill(self, value):
    _check_no_grad_needed(self)
    if isinstance(value, Tensor):
        value = value.data
    self.data[...] = value
    if graph._grad_enabled and self._rg:
        self.grad_fn = None  # values no longer depend on the old history
        self._rg = False
    self._version += 1
    return self


def zero_(self):
    return _fill(self, 0)


def fill_(self, value):
    return _fill(self, value)


def copy_(self, src, non_blocking=False):
    if _records(self, src):
        _check_leaf(self)
        shape = self.data.shape
        arr = np.broadcast_to(src.data, shape).astype(self.data.dtype)
        return _take(self, make_result(arr, (src,), lambda g: (unbroadcast(g, src.data.shape),),
                                       "CopyBackwards"))
    self.data[...] = src.data if isinstance(src, Tensor) else src
    self._version += 1
    return self


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).uniform(a, b, arr.shape)))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).normal(mean, std, arr.shape)))


def bernoulli_(self, p=0.5, *, generator=None):
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).random(arr.shape) < p))


def exponential_(self, lambd=1.0, *, generator=None):
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).exponential(1.0 / lambd, arr.shape)))


def random_(self, low=0, high=None, *, generator=None):
    if high is None:
        low, high = 0, low
    return _raw(self, lambda arr: arr.__setitem__(
        Ellipsis, rng(generator).integers(low, high, arr.shape)))


def masked_fill_(self, mask, value):
    if _records(self, value):
        from .index_ops import masked_fill
        _check_leaf(self)
        return _take(self, masked_fill(self, mask, value))
    v = value.data if isinstance(value, Tensor) else value
    np.copyto(self.data, v, where=np.broadcast_to(mask.data, self.data.shape).astype(bool),
              casting="unsafe")
    self._version += 1
    return self


def setitem(self, idx, value):
    from .indexing import _index_arg
    idx = _index_arg(idx)
    if _records(self, value):
        _check_leaf(self)
        v, tv = (value.data, value) if isinstance(value, Tensor) else (value, None)
        new = self.data.copy()
        new[idx] = v
        vshape = np.shape(v)

        def backward(g):
            gx = g.copy()
            gx[idx] = 0
            gv = None
            if tv is not None:
                gv = unbroadcast(np.broadcast_to(g[idx], np.shape(new[idx])), vshape) \
                    if vshape != np.shape(new[idx]) else g[idx]
            return gx, gv
        r = make_result(new, (self, tv), backward, "CopySlices")
        return _take(self, r)
    try:
        self.data[idx] = value.data if isinstance(value, Tensor) else value
    except ValueError as exc:
        raise RuntimeError(f"setitem: {exc} (tensor shape {tuple(self.data.shape)})") from None
    self._version += 1


TENSOR_METHODS = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "clip_", "exp_", "log_",
                  "sqrt_", "abs_", "neg_", "relu_", "sigmoid_", "tanh_", "floor_", "round_",
                  "addcmul_", "addcdiv_", "lerp_", "zero_", "fill_", "copy_", "uniform_",
                  "normal_", "bernoulli_", "exponential_", "random_", "masked_fill_"]
