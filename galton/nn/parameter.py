"""``nn.Parameter``: a tensor that a Module registers as one of its learnable weights."""
import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is picked up by ``Module.parameters()``.

    >>> w = nn.Parameter(galton.zeros(3))
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        p = Tensor._wrap.__func__(cls, arr)
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happens in __new__ (Tensor.__init__ has another signature)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned to a Module attribute (``nn.Buffer``)."""

    __slots__ = ()

    def __new__(cls, data, *, persistent=True):
        t = Tensor._wrap(data._data if isinstance(data, Tensor) else np.asarray(data))
        t.__class__ = Tensor
        return _BufferMark(t, persistent)


class _BufferMark:
    __slots__ = ("tensor", "persistent")

    def __init__(self, tensor, persistent):
        self.tensor, self.persistent = tensor, persistent
