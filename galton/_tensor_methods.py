"""Bind the ops onto Tensor: methods, operators and their reflected forms."""
from . import ops
from .ops import arithmetic as A, conversion as C, indexing as I, inplace as P, shape as S
from . import _tensor_more, _tensor_new
from .tensor import Tensor


def _bind():
    for mod in ops.loaded_modules():
        for name in getattr(mod, "TENSOR_METHODS", ()):
            method, _, func = name.partition("=")
            setattr(Tensor, method, getattr(mod, func or method))

    T = Tensor
    T.__add__ = T.__radd__ = A.add
    T.__sub__ = A.sub
    T.__rsub__ = lambda self, other: A.rsub(self, other)
    T.__mul__ = T.__rmul__ = A.mul
    T.__truediv__ = A.div
    T.__rtruediv__ = lambda self, other: A.div(other, self)
    T.__floordiv__ = A.floor_divide
    T.__rfloordiv__ = lambda self, other: A.floor_divide(other, self)
    T.__mod__ = A.remainder
    T.__rmod__ = lambda self, other: A.remainder(other, self)
    T.__pow__ = A.pow
    T.__rpow__ = lambda self, other: A.pow(other, self)
    T.__matmul__ = _matmul
    T.__rmatmul__ = lambda self, other: _matmul(other, self)
    T.__neg__ = A.neg
    T.__pos__ = lambda self: self
    T.__abs__ = lambda self: ops.pointwise.abs(self)
    T.__eq__, T.__ne__ = A.eq, A.ne
    T.__lt__, T.__le__, T.__gt__, T.__ge__ = A.lt, A.le, A.gt, A.ge
    T.__and__ = T.__rand__ = A.bitwise_and
    T.__or__ = T.__ror__ = A.bitwise_or
    T.__xor__ = A.logical_xor
    T.__invert__ = A.bitwise_not
    T.__iadd__ = P.add_
    T.__isub__ = P.sub_
    T.__imul__ = P.mul_
    T.__itruediv__ = P.div_
    T.__getitem__ = I.getitem
    T.__setitem__ = P.setitem
    T.T = property(lambda self: self.permute(*reversed(range(self.ndim))))
    T.mT = property(lambda self: S.transpose(self, -2, -1))
    T.type = C.type_
    T.__hash__ = lambda self: id(self)


def _matmul(a, b):
    from .ops.linalg import matmul
    return matmul(a, b)


_bind()


def _bind_linalg():
    # det, inverse, svd, ... live in galton/linalg, a namespace above ops
    from .linalg import _top_level
    for name in _top_level.TENSOR_METHODS:
        setattr(Tensor, name, getattr(_top_level, name))


_bind_linalg()
_tensor_new.bind()
_tensor_more.bind()
