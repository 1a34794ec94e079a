"""How a tensor crosses a process boundary: multiprocessing's pickler (``ForkingPickler``,
used by ``Queue``, ``Pipe`` and spawned processes' arguments) gets a reducer for galton's tensor
classes that moves the tensor into shared memory, in place, and sends only where it lies:
segment name, offset, shape, strides, dtype and requires_grad. No element is pickled; the
receiving side maps the segment (galton/_shared_memory.py) and sees the sender's memory.
"""
from multiprocessing.reduction import ForkingPickler

import numpy as np

from .. import _shared_memory
from ..nn.parameter import Buffer, Parameter
from ..tensor import Tensor

__all__ = ["init_reductions", "reduce_tensor", "rebuild_tensor"]


def rebuild_tensor(cls, description, requires_grad):
    """The receiving side: a tensor of class ``cls`` over the memory ``description`` names."""
    name, offset, shape, strides, dtype = description
    if not isinstance(name, str) or np.dtype(dtype).kind not in "biuf":
        raise RuntimeError(f"not a shared tensor's description: {description!r}")
    arr = _shared_memory.attach(name, int(offset), tuple(int(s) for s in shape),
                                tuple(int(s) for s in strides), dtype)
    return Tensor._wrap.__func__(cls, arr, bool(requires_grad))


def reduce_tensor(tensor):
    """The sending side: share ``tensor``'s memory (in place, as PyTorch moves its storage)
    and describe it."""
    if tensor.requires_grad and tensor.grad_fn is not None:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, "
                           "since autograd does not support crossing process boundaries.  If "
                           "you just want to transfer the data, call detach() on the tensor "
                           "before serializing (e.g., putting it on the queue).")
    tensor.share_memory_()
    return (rebuild_tensor, (type(tensor), _shared_memory.describe(tensor._data),
                             tensor.requires_grad))


def init_reductions():
    """Register the reducer with multiprocessing's pickler for every galton tensor class (the
    pickler looks classes up exactly, so each is registered)."""
    for cls in (Tensor, Parameter, Buffer):
        ForkingPickler.register(cls, reduce_tensor)
