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


_UNINITIALIZED_USE = (
    "Can't access the {} of an uninitialized parameter or buffer. This error usually happens "
    "in `load_state_dict` when trying to load an uninitialized parameter into an initialized "
    "one. Call `forward` to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """What UninitializedParameter and UninitializedBuffer share: no shape until
    ``materialize(shape)`` gives them storage and turns them into their ``cls_to_become``.
    Until then the placeholder array (empty) only remembers the dtype and device."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor storage of ``shape`` (uninitialised values) and make it a plain
        Parameter (or Tensor, for a buffer), as PyTorch."""
        from ..creation import empty
        if device is None:
            device = self.device
        if dtype is None:
            dtype = self.dtype
        self._data = empty(tuple(shape), device=device, dtype=dtype)._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_USE.format("shape"))

    def size(self, dim=None):
        raise RuntimeError(_UNINITIALIZED_USE.format("size"))

    def numel(self):
        raise RuntimeError(_UNINITIALIZED_USE.format("numel"))

    @property
    def ndim(self):
        raise RuntimeError(_UNINITIALIZED_USE.format("ndim"))

    def dim(self):
        raise RuntimeError(_UNINITIALIZED_USE.format("dim"))

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _placeholder(device, dtype):
    from ..creation import empty
    return empty((0,), device=device, dtype=dtype)._data


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (the weight of a Lazy layer): it has no
    storage until ``materialize(shape)``, which the layer's first forward calls.

    >>> p = nn.UninitializedParameter(); p.materialize((3, 4)); type(p).__name__
    'Parameter'
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = Tensor._wrap.__func__(cls, _placeholder(device, dtype))
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (a Lazy batch norm's running statistics)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        t = Tensor._wrap.__func__(cls, _placeholder(device, dtype))
        if requires_grad:
            t.requires_grad = True
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass
