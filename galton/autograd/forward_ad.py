"""``torch.autograd.forward_ad``: dual numbers (a primal and a tangent) over galton's engine.

``make_dual(x, t)`` marks ``x`` as carrying the tangent ``t``; ops run as usual (recording the
ordinary graph); ``unpack_dual(y)`` gives ``y`` and its tangent J t, computed as the backward
of a backward (u -> u^T J is linear in u, and its derivative along t is J t). So every op with
a double backward (see twice.py) has forward mode, with the same numbers as PyTorch's; an op
without one raises its one-line error when a tangent goes through it.
"""
import collections

from .functional import grad as _grad

UnpackedDualTensor = collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_levels = []  # one dict per open dual_level: id(dual tensor) -> (tensor, tangent)


def enter_dual_level():
    """Open a new level of dual numbers and return its index."""
    _levels.append({})
    return len(_levels) - 1


def exit_dual_level(*, level=None):
    """Close the innermost level; its dual tensors lose their tangents."""
    if not _levels or (level is not None and level != len(_levels) - 1):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    _levels.pop()


class dual_level:
    """``with dual_level(): ...``: the scope in which dual tensors live."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _level(level):
    if not _levels:
        raise RuntimeError("make_dual/unpack_dual: forward AD needs an open dual level: use "
                           "`with galton.autograd.forward_ad.dual_level():`")
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level=None):
    """``tensor`` carrying ``tangent`` (same shape) at this level."""
    table = _level(level)
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    if not tensor.is_floating_point():
        raise ValueError("Expected primal to be floating point")
    from .grad_mode import enable_grad
    with enable_grad():
        dual = tensor.view_as(tensor) if tensor.requires_grad else \
            tensor.detach().requires_grad_(True)
    table[id(dual)] = (dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``; the tangent is None where ``tensor`` depends on no dual tensor."""
    from .. import creation
    from .grad_mode import enable_grad
    if not _levels:
        return UnpackedDualTensor(tensor, None)
    table = _level(level)
    if id(tensor) in table and table[id(tensor)][0] is tensor:
        return UnpackedDualTensor(tensor.detach(), table[id(tensor)][1])
    duals = [(d, t) for d, t in table.values()]
    if not duals or not tensor.requires_grad:
        return UnpackedDualTensor(tensor, None)
    with enable_grad():
        u = creation.zeros_like(tensor).requires_grad_(True)
        gs = _grad(tensor, [d for d, _ in duals], u, retain_graph=True, create_graph=True,
                   allow_unused=True)
        pairs = [(g, t) for g, (_, t) in zip(gs, duals) if g is not None and g.requires_grad]
        if not pairs:
            return UnpackedDualTensor(tensor.detach(), None)
        (jt,) = _grad([g for g, _ in pairs], [u], [t.to(g.dtype) for g, t in pairs],
                      allow_unused=True)
    return UnpackedDualTensor(tensor.detach(), jt if jt is not None else None)


__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]
