"""``Variable``: the pre-0.4 PyTorch wrapper, kept as PyTorch keeps it.

``Variable(t, requires_grad=True)`` returns a new tensor on ``t``'s storage, cut from any graph,
with the flag set; ``isinstance(x, Variable)`` is true of every tensor. Old course code
(``x = Variable(torch.randn(3), requires_grad=True)``) runs unchanged.
"""
import warnings


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from ..tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Legacy alias of a tensor: ``Variable(data, requires_grad=False)`` -> a Tensor."""

    def __new__(cls, data=None, requires_grad=False, volatile=None):
        from ..tensor import Tensor
        if volatile is not None:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = Tensor._wrap(data._data)
        if requires_grad:
            out.requires_grad = True
        return out
