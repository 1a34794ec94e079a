"""One flat vector from many parameters and back, as ``torch.nn.utils.parameters_to_vector``."""
import numpy as np

from ... import backend
from ...tensor import Tensor, make_result

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param, old_device):
    dev = param.device
    if old_device is not None and dev != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return dev


def parameters_to_vector(parameters):
    """All parameters flattened and joined into one 1-D tensor (differentiable, as in PyTorch).

    >>> vec = nn.utils.parameters_to_vector(model.parameters())
    """
    params = list(parameters)
    device = None
    for p in params:
        device = _check_same_device(p, device)
    if not params:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    xp = backend.array_module(params[0]._data)
    out = xp.concatenate([p._data.ravel() for p in params])
    sizes = [p._data.size for p in params]

    def backward(g, xp=np):  # slices and reshapes: the same lines run on tensors
        grads, start = [], 0
        for p, n in zip(params, sizes):
            grads.append(g[start:start + n].reshape(p._data.shape) if p._rg else None)
            start += n
        return tuple(grads)
    return make_result(out, tuple(params), backward, "CatBackward0")


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (each param's data becomes a view).

    >>> nn.utils.vector_to_parameters(vec, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        num = param.numel()
        if pointer + num > vec.numel():
            raise RuntimeError(f"vector_to_parameters: the vector has {vec.numel()} elements, "
                               f"too few for the parameters (need more than {pointer + num - 1})")
        # a view of vec, as PyTorch's param.data = vec[...].view_as(param).data
        param._data = vec._data[pointer:pointer + num].reshape(param._data.shape)
        pointer += num
