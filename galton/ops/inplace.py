"""In-place ops (``add_``, ``mul_``, ``zero_``, ``x[i] = v``, ...) and PyTorch's rules for them.

Outside autograd (optimizers, init, ``no_grad``) they write into the array itself. When the
graph must record them, the op runs out of place and the tensor takes over the result and its
history; arrays saved by earlier ops stay untouched, so their gradients stay right.
"""
import numpy as np

from ..autograd import graph
from ..random import rng
from ._util import Tensor, linear_backward, linear_map, make_result, unbroadcast
from . import arithmetic, pointwise


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _check_leaf(t, view=False):
    if t._rg and t.grad_fn is None:
        raise RuntimeError(f"a {'view of a ' if view else ''}leaf Variable that requires grad is "
                           f"being used in an in-place operation.")


def _records(t, other=None):
    return graph._grad_enabled and (t._rg or (isinstance(other, Tensor) and other._rg))


# --- views ----------------------------------------------------------------------------------------
# A basic-indexed tensor (``y[0]``) shares y's array. getitem marks its backward function with
# ``_view = (base, index)``; an in-place op recorded on such a view must change the base and
# the base's history, as PyTorch's CopySlices does, or ``y[0][1] = 9`` would leave y as it was.
# An op that makes views may mark its backward with ``_view = (base, fn)``, fn(base_array)
# returning the view's array.

def _view_path(t):
    """(root tensor, [index or fn, ...]) leading from the root's array to t's, or None."""
    steps = []
    while t.grad_fn is not None:
        mark = getattr(t.grad_fn.backward_fn, "_view", None)
        if mark is None or not np.may_share_memory(t._data, mark[0]._data):
            break  # not a view, or its base has since taken a new array
        steps.append(mark[1])
        t = mark[0]
    if not steps:
        return None
    steps.reverse()
    return t, steps


def _walk(arr, steps):
    for s in steps:
        arr = s(arr) if callable(s) else arr[s]
    return arr


def _put(arr, steps, value):
    """arr, with ``value`` written at the place the steps lead to."""
    parent, last = _walk(arr, steps[:-1]), steps[-1]
    if callable(last):
        last(parent)[...] = value
    else:
        parent[last] = value


def _write_through(root, steps, value):
    """Record ``root[steps] = value`` (value: a tensor with history, or a plain array/number)
    as one CopySlices node that root takes over."""
    _check_leaf(root, view=True)
    tv = value if isinstance(value, Tensor) else None
    v = tv._data if tv is not None else value
    new = root._data.copy()
    try:
        _put(new, steps, v)
    except ValueError:
        raise _expand_error(_walk(new, steps[:-1]), steps[-1], v) from None
    vshape = np.shape(v)

    def kept(g):
        gx = g.copy()
        _put(gx, steps, 0)  # overwritten elements do not reach the output
        return gx

    def picked(g):
        gv = _walk(g, steps[:-1])
        gv = steps[-1](gv) if callable(steps[-1]) else gv[steps[-1]]
        if gv.ndim < len(vshape):  # value had extra leading 1s: x[0] = ones(1, 3)
            gv = gv.reshape((1,) * (len(vshape) - gv.ndim) + gv.shape)
        return unbroadcast(gv, vshape)

    def put(v):  # picked's adjoint: the value written (broadcast, as forward) into zeros
        full = np.zeros(shape, v.dtype)
        _put(full, steps, v)
        return full
    shape = new.shape
    need_v = tv is not None and tv._rg

    def backward(g, xp=np):
        if xp is np:
            return kept(g), (picked(g) if need_v else None)
        return (linear_map(kept, kept, g, "CopySlices"),
                linear_map(picked, put, g, "CopySlices") if need_v else None)
    r = make_result(new, (root, tv), backward, "CopySlices")
    root._data, root.grad_fn, root._rg = new, r.grad_fn, r._rg
    root._version += 1


def _refresh_view(t, root, steps):
    """Make ``t`` a view of root's new array again, with the history of one."""
    shape = root._data.shape

    def place(g):
        full = np.zeros(shape, dtype=g.dtype)
        _put(full, steps, g)
        return full
    backward = linear_backward(place, lambda v: np.array(_walk(v, steps)), "AsStridedBackward0")
    backward._view = (root, lambda a: _walk(a, steps))
    here = _walk(root._data, steps)
    r = make_result(here, (root,), backward, "AsStridedBackward0")
    t._data, t.grad_fn, t._rg = here, r.grad_fn, r._rg
    t._version += 1
    return t


def _expand_error(target_parent, last, v):
    """PyTorch's message for a value that does not fit where it is written."""
    target = np.shape(last(target_parent) if callable(last) else target_parent[last])
    vs = np.shape(v)
    if len(vs) > len(target):
        return RuntimeError(f"expand(galton.{_TORCH_NAMES.get(np.asarray(v).dtype.name, '')}"
                            f"Tensor{{{list(vs)}}}, size={list(target)}): the number of sizes "
                            f"provided ({len(target)}) must be greater or equal to the number of "
                            f"dimensions in the tensor ({len(vs)})")
    for i in range(1, len(vs) + 1):
        if vs[-i] != target[-i] and vs[-i] != 1:
            return RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                f"({vs[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(vs)}")
    return RuntimeError(f"cannot write a value of shape {list(vs)} into {list(target)}")


def _take(t, r):
    """Let ``t`` become the result ``r`` of an out-of-place op (dtype kept, history taken)."""
    path = _view_path(t)
    if path is not None:
        root, steps = path
        _write_through(root, steps, r)
        return _refresh_view(t, root, steps)
    arr = r._data
    if arr.dtype != t._data.dtype:
        arr = arr.astype(t._data.dtype)
    t._data = arr if arr.shape == t._data.shape else np.broadcast_to(arr, t._data.shape).copy()
    t.grad_fn, t._rg = r.grad_fn, r._rg
    t._version += 1
    return t


def _write_error(self, y):
    """PyTorch's message when an in-place op cannot write its result into ``self``."""
    if not self._data.flags.writeable:
        return RuntimeError("unsupported operation: more than one element of the written-to "
                            "tensor refers to a single memory location. Please clone() the tensor "
                            "before performing the operation.")
    xs, ys = self._data.shape, np.shape(y)
    for i in range(1, min(len(xs), len(ys)) + 1):
        if xs[-i] != ys[-i] and xs[-i] != 1 and ys[-i] != 1:
            dim = max(len(xs), len(ys)) - i
            return RuntimeError(f"The size of tensor a ({xs[-i]}) must match the size of tensor b "
                                f"({ys[-i]}) at non-singleton dimension {dim}")
    return RuntimeError(f"output with shape {list(xs)} doesn't match the broadcast shape "
                        f"{list(np.broadcast_shapes(xs, ys))}")


def _cast_error(self, other, op):
    """PyTorch's message for e.g. ``int_tensor.add_(1.5)``, naming dtypes as PyTorch does."""
    probe = other._data.reshape(-1)[:1].reshape(()) if isinstance(other, Tensor) else other
    try:
        res = op(Tensor._wrap(np.zeros((), self._data.dtype)), probe)._data.dtype.name
    except Exception:  # the probe itself failed: fall back to NumPy's promotion
        res = np.result_type(self._data, probe).name
    return RuntimeError(f"result type {_TORCH_NAMES.get(res, res)} can't be cast to the desired "
                        f"output type {_TORCH_NAMES.get(self._data.dtype.name)}")


def _binary_inplace(name, op, ufunc):
    def method(self, other, **kw):
        if _records(self, other):
            _check_leaf(self)
            return _take(self, op(self, other, **kw))
        y = other._data if isinstance(other, Tensor) else other
        if kw.get("alpha", 1) != 1:
            y = y * kw["alpha"]
        try:
            ufunc(self._data, y, out=self._data, casting="same_kind")
        except TypeError:  # NumPy refuses e.g. writing floats into an int tensor
            raise _cast_error(self, other, op) from None
        except ValueError:
            raise _write_error(self, y) from None
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
        self._data[...] = r._data
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
        self, lambda a: a.__iadd__(value * t1._data * t2._data))


def addcdiv_(self, t1, t2, value=1):
    return add_(self, arithmetic.div(t1, t2), alpha=value) if _records(self) else _raw(
        self, lambda a: a.__iadd__(value * t1._data / t2._data))


def lerp_(self, end, weight):
    w = weight._data if isinstance(weight, Tensor) else weight
    return _raw(self, lambda a: a.__iadd__(w * (end._data - a)))


def _raw(self, fn):
    _check_no_grad_needed(self)
    fn(self._data)
    self._version += 1
    return self


def _check_no_grad_needed(self):
    if graph._grad_enabled and self._rg:
        _check_leaf(self)


def _fill(self, value, name):
    if _records(self, value):
        _check_leaf(self)
        tv = value if isinstance(value, Tensor) else None
        if tv is not None and tv._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{tv._data.ndim} dimensions.")
        arr = np.full(self._data.shape, tv._data if tv is not None else value, self._data.dtype)
        # the old values are gone: their history gets zeros, a tensor value the sum
        r = make_result(arr, (self, tv), lambda g, xp=np: (xp.zeros_like(g),
                                                           g.sum().reshape(())), name)
        return _take(self, r)
    self._data[...] = value._data if isinstance(value, Tensor) else value
    self._version += 1
    return self


def zero_(self):
    """Fill with zeros, in place."""
    return _fill(self, 0, "ZeroBackward0")


def fill_(self, value):
    """Fill with ``value`` (a number or a 0-d tensor), in place."""
    return _fill(self, value, "FillBackward0")


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
    s = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        arr = np.broadcast_to(s, self._data.shape)
    except ValueError:
        raise _write_error(self, s) from None
    if _records(self, src):
        _check_leaf(self)
        src_shape, src_dtype = s.shape, s.dtype

        def backward(g, xp=np):
            gs = xp.astype(unbroadcast(g, src_shape), src_dtype, copy=False) \
                if src_dtype.kind == "f" else None
            return xp.zeros_like(g), gs
        return _take(self, make_result(arr.astype(self._data.dtype), (self, src), backward,
                                       "CopyBackwards"))
    if not self._data.flags.writeable:
        raise _write_error(self, s)
    self._data[...] = arr
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
    from .index_ops import _mask_array
    _mask_array(mask, "masked_fill_")
    v = value._data if isinstance(value, Tensor) else value
    np.copyto(self._data, v, where=np.broadcast_to(mask._data, self._data.shape).astype(bool),
              casting="unsafe")
    self._version += 1
    return self


def setitem(self, idx, value):
    """``self[idx] = value``: in place, or recorded as CopySlices when autograd must see it."""
    from .indexing import _index_arg
    idx = _index_arg(idx)
    if _records(self, value):
        path = _view_path(self)
        if path is None:
            _write_through(self, [idx], value)
        else:  # self is a view: the write goes to its base, and self follows
            root, steps = path
            _write_through(root, steps + [idx], value)
            _refresh_view(self, root, steps)
        return
    v = value._data if isinstance(value, Tensor) else value
    try:
        self._data[idx] = v
    except ValueError:
        a = self._data
        if not a.flags.writeable:
            raise _write_error(self, v) from None
        raise _expand_error(a, idx, v) from None
    self._version += 1


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """In-place ``scatter``: ``zeros(n, 10).scatter_(1, labels[:, None], 1.0)`` is one-hot."""
    from .index_ops import scatter
    return _indexed_inplace(self, scatter(self, dim, index, src, value=value, reduce=reduce),
                            src)


def scatter_add_(self, dim, index, src):
    """In-place ``scatter_add``."""
    from .index_ops import scatter_add
    return _indexed_inplace(self, scatter_add(self, dim, index, src), src)


def index_add_(self, dim, index, source, *, alpha=1):
    """In-place ``index_add``."""
    from .index_ops import index_add
    return _indexed_inplace(self, index_add(self, dim, index, source, alpha=alpha), source)


def _indexed_inplace(self, r, other):
    if _records(self, other):
        _check_leaf(self)
        return _take(self, r)
    self._data[...] = r._data
    self._version += 1
    return self


TENSOR_METHODS = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "clip_", "exp_", "log_",
                  "sqrt_", "abs_", "neg_", "relu_", "sigmoid_", "tanh_", "floor_", "round_",
                  "addcmul_", "addcdiv_", "lerp_", "zero_", "fill_", "copy_", "uniform_",
                  "normal_", "bernoulli_", "exponential_", "random_", "masked_fill_", "scatter_",
                  "scatter_add_", "index_add_"]
