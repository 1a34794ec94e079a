"""Tensor attributes and methods that are not ops: the conjugate-transpose properties of a real
tensor (H, mH), the size and placement queries (itemsize, nbytes, is_cpu, get_device, layout,
...), ``apply_`` / ``map_`` / ``map2_``, ``sum_to_size``, ``set_``, ``nonzero_static``, the
sampling methods and the aliases PyTorch keeps on Tensor (``greater_equal``, ``ndimension``)."""
import sys
import warnings

import numpy as np

from .autograd import graph
from .ops import arithmetic as A, shape as S
from .ops._util import unbroadcast
from .tensor import Size, Tensor, make_result


class _Layout:
    """``torch.strided``: galton's only layout (dense, row-major)."""

    def __repr__(self):
        return "torch.strided"


strided = _Layout()


def _cpu_only(self, name):
    if type(self._data) is not np.ndarray:
        raise TypeError(f"{name} is only implemented on CPU tensors")


def apply_(self, callable):  # noqa: A002
    """Replace each element x by callable(x), a Python function (CPU only, no autograd)."""
    _cpu_only(self, "apply_")
    if self.requires_grad and graph._grad_enabled:
        raise RuntimeError("apply_ is not supported on tensors that require grad")
    flat = self._data.reshape(-1)
    for i, v in enumerate(flat.tolist()):
        flat[i] = callable(v)
    self._version += 1
    return self


def map_(self, tensor, callable):  # noqa: A002
    """self[i] = callable(self[i], tensor[i]), tensor broadcast to self's shape."""
    _cpu_only(self, "map_")
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    flat = self._data.reshape(-1)
    for i, (a, b) in enumerate(zip(flat.tolist(), other)):
        flat[i] = callable(a, b)
    self._version += 1
    return self


def map2_(self, x, y, callable):  # noqa: A002
    """self[i] = callable(self[i], x[i], y[i]), x and y broadcast to self's shape."""
    _cpu_only(self, "map2_")
    xs = np.broadcast_to(x._data, self._data.shape).reshape(-1).tolist()
    ys = np.broadcast_to(y._data, self._data.shape).reshape(-1).tolist()
    flat = self._data.reshape(-1)
    for i, (a, b, c) in enumerate(zip(flat.tolist(), xs, ys)):
        flat[i] = callable(a, b, c)
    self._version += 1
    return self


def sum_to_size(self, *size):
    """The sum over the dimensions that broadcasting ``size`` to self's shape would stretch."""
    size = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
    try:
        if np.broadcast_shapes(size, tuple(self.shape)) != tuple(self.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                           f"{{{list(self.shape)}}}.") from None
    a = self._data
    out = unbroadcast(a, size)
    if out is a:
        return self
    return make_result(np.asarray(out), (self,),
                       lambda g, xp=np: (xp.broadcast_to(g, a.shape),), "SumToSizeBackward0")


def set_(self, source=None, *args):
    """Make self share ``source``'s data (a tensor), or become empty with no argument."""
    if args:
        raise NotImplementedError("set_(storage, offset, size, stride): galton tensors have no "
                                  "separate storage objects")
    self._data = np.empty(0, self._data.dtype) if source is None else source._data
    self._version += 1
    return self


def nonzero_static(self, *, size, fill_value=-1):
    """``nonzero()`` padded with fill_value (or cut) to exactly ``size`` rows."""
    idx = np.argwhere(self._data)
    out = np.full((size, self._data.ndim), fill_value, np.int64)
    out[:min(size, len(idx))] = idx[:size]
    return Tensor._wrap(out)


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    """``new_empty(size)``: galton's tensors are always row-major, ``stride`` is accepted."""
    return self.new_empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def bernoulli(self, p=None, *, generator=None):
    """0/1 draws with probability self (or ``p``) per element, in self's dtype."""
    from .creation import bernoulli as draw
    if p is None:
        return draw(self, generator=generator)
    probs = np.broadcast_to(np.asarray(p, self._data.dtype), self._data.shape)
    return draw(Tensor._wrap(probs.copy()), generator=generator)


def multinomial(self, num_samples, replacement=False, *, generator=None):
    """Draws of category indices with probabilities proportional to self's rows."""
    from .creation import multinomial as draw
    return draw(self, num_samples, replacement, generator=generator)


def bfloat16(self, memory_format=None):
    """self converted to bfloat16 (ml_dtypes' bfloat16 on NumPy)."""
    from . import dtypes
    return self.to(dtypes.bfloat16)


def is_set_to(self, tensor):
    """Whether self and tensor are the same view of the same memory."""
    a, b = self._data, tensor._data
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _volatile(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                  stacklevel=2)
    return False


def _reinforce(self, reward):
    raise RuntimeError("reinforce() was removed.\nUse torch.distributions instead.\nSee "
                       "https://pytorch.org/docs/main/distributions.html\n\nInstead of:\n\n"
                       "probs = policy_network(state)\naction = probs.multinomial()\nnext_state, "
                       "reward = env.step(action)\naction.reinforce(reward)\naction.backward()\n\n"
                       "Use:\n\nprobs = policy_network(state)\n# NOTE: categorical is equivalent "
                       "to what used to be called multinomial\nm = torch.distributions."
                       "Categorical(probs)\naction = m.sample()\nnext_state, reward = "
                       "env.step(action)\nloss = -m.log_prob(action) * reward\nloss.backward()")


PROPERTIES = {
    "H": lambda self: S.transpose(self, 0, 1) if self.ndim == 2 else _h_error(self),
    "mH": lambda self: S.transpose(self, -2, -1),
    "itemsize": lambda self: self._data.itemsize,
    "nbytes": lambda self: self._data.nbytes,
    "is_cpu": lambda self: self.device.type == "cpu",
    "is_meta": lambda self: False,
    "is_maia": lambda self: False,
    "layout": lambda self: strided,
    "name": lambda self: None,
    "volatile": _volatile,
}


def _h_error(self):
    if self.ndim == 0:
        return self
    raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                       f"{self.ndim}-D tensor.")


METHODS = {
    "apply_": apply_, "map_": map_, "map2_": map2_, "sum_to_size": sum_to_size, "set_": set_,
    "nonzero_static": nonzero_static, "new_empty_strided": new_empty_strided,
    "bernoulli": bernoulli, "multinomial": multinomial, "bfloat16": bfloat16,
    "is_set_to": is_set_to, "reinforce": _reinforce,
    "get_device": lambda self: -1 if self.device.type == "cpu" else (self.device.index or 0),
    "ndimension": lambda self: self.ndim,
    "is_signed": lambda self: self.dtype.is_signed,
    "is_nonzero": lambda self: _is_nonzero(self),
    "is_same_size": lambda self, other: tuple(self.shape) == tuple(other.shape),
    "is_shared": lambda self: _is_shared(self),
    "share_memory_": lambda self: _share_memory_(self),
    "is_distributed": lambda self: False,
    "dim_order": lambda self, *, ambiguity_check=False: _dim_order(self),
    "greater_equal": A.ge, "less_equal": A.le, "not_equal": A.ne,
}


def _share_memory_(self):
    """Move this tensor's values into shared memory, in place (the same tensor object), so
    that processes started afterwards, or sent it, use the same numbers. Returns self."""
    from . import _shared_memory
    self._data = _shared_memory.share(self._data)
    return self


def _is_shared(self):
    """Whether the values lie in shared memory (``share_memory_``, or received from another
    process)."""
    if "galton._shared_memory" not in sys.modules:
        return False  # nothing was ever shared in this process
    return sys.modules["galton._shared_memory"].segment_of(self._data) is not None


def _dim_order(self):
    """Dimensions from outermost to innermost in memory (by stride; ties keep their order):
    (0, 2, 3, 1) for channels-last."""
    st = self._data.strides
    return tuple(sorted(range(self._data.ndim), key=lambda d: -st[d]))


def _is_nonzero(self):
    from .creation_more import is_nonzero
    return is_nonzero(self)


def bind():
    for name, fn in PROPERTIES.items():
        setattr(Tensor, name, property(fn))
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)


__all__ = ["Size", "bind"]
