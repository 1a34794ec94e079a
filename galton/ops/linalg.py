"""Matrix products: matmul (with batch broadcasting), mm, bmm, dot, mv, outer, einsum."""
import numpy as np

from ._util import Tensor, linear_map, make_result, unbroadcast, operands
from ..amp import autocast_mode as _autocast


def _shape_error(name, xs, ys):
    if len(xs) == 2 and len(ys) == 2 or name == "mm":
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({xs[0]}x{xs[1]} and "
                            f"{ys[0]}x{ys[1]})")
    return RuntimeError(f"{name}: shapes {tuple(xs)} and {tuple(ys)} cannot be multiplied "
                        f"(the last dim of the first, {xs[-1] if xs else '-'}, must equal the "
                        f"{'only' if len(ys) == 1 else 'second-to-last'} dim of the second, "
                        f"{ys[-2] if len(ys) > 1 else (ys[0] if ys else '-')})")


def matmul(a, b):
    if _autocast.state.enabled:
        return _autocast.run_low(matmul, a, b)
    x, y, ta, tb = operands(a, b)
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{x.ndim}D and {y.ndim}D")
    kx = x.shape[-1]
    ky = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if kx != ky:
        raise _shape_error("matmul", x.shape, y.shape)
    out = x @ y

    def backward(g, x=x, y=y, xp=np):
        gx = gy = None
        # lift vectors to matrices so one formula covers every case
        x2 = xp.expand_dims(x, 0) if x.ndim == 1 else x
        y2 = xp.expand_dims(y, -1) if y.ndim == 1 else y
        g2 = g
        if y.ndim == 1:  # first: for vector @ vector, g is 0-d and gains (1,) then (1, 1)
            g2 = xp.expand_dims(g2, -1)
        if x.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if ta is not None and ta._rg:
            gx = g2 @ xp.swapaxes(y2, -1, -2)
            gx = unbroadcast(gx, x2.shape).reshape(x.shape)
        if tb is not None and tb._rg:
            gy = xp.swapaxes(x2, -1, -2) @ g2
            gy = unbroadcast(gy, y2.shape).reshape(y.shape)
        return gx, gy
    return make_result(out, (ta, tb), backward, _MATMUL_NAMES.get((x.ndim, y.ndim),
                                                                  "MatmulBackward0"))


# PyTorch dispatches matmul to these ops; its grad_fn carries their names
_MATMUL_NAMES = {(2, 2): "MmBackward0", (3, 3): "BmmBackward0", (2, 1): "MvBackward0",
                 (1, 1): "DotBackward0"}


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's name (F.linear(input=...))
    """``input @ weight.T + bias`` as one op: one GEMM forward, two GEMMs and a sum backward.

    Batch dims of the input are folded into one so every product is a single 2-D GEMM.
    """
    x = input
    if _autocast.state.enabled:
        return _autocast.run_low(linear, x, weight, bias=bias)
    a, w = x._data, weight._data
    if a.shape[-1] != w.shape[-1]:
        if a.ndim == 2 and w.ndim == 2:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                               f"and {w.shape[1]}x{w.shape[0]})")
        raise RuntimeError(f"linear: input of shape {tuple(a.shape)} has last dim {a.shape[-1]} but "
                           f"the weight of shape {tuple(w.shape)} expects {w.shape[-1]}")
    lead = a.shape[:-1]
    a2 = a.reshape(-1, a.shape[-1]) if a.ndim != 2 else a
    out = a2 @ w.T
    if bias is not None:
        out += bias._data
    if a.ndim != 2:
        out = out.reshape(lead + (w.shape[0],))
    need_x, need_w = x._rg, weight._rg

    def backward(g, b=None, x=a, w=w, xp=np):  # b: the bias (its gradient needs no value)
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = (g2 @ w).reshape(a.shape) if need_x else None
        x2 = a2 if xp is np else x.reshape(-1, a.shape[-1])  # on tensors: from the input tensor
        gw = g2.T @ x2 if need_w else None
        gb = g2.sum(axis=0) if bias is not None and bias._rg else None
        return gb, gx, gw
    # inputs in addmm's order (bias, input, weight), as PyTorch's next_functions lists them
    if bias is None:
        return make_result(out, (x, weight), lambda g, x=a, w=w, xp=np:
                           backward(g, None, x, w, xp)[1:], "MmBackward0")
    return make_result(out, (bias, x, weight), backward, "AddmmBackward0")


def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2D tensors, got {a.ndim}D and {b.ndim}D")
    if a.shape[1] != b.shape[0]:
        raise _shape_error("mm", a.shape, b.shape)
    return matmul(a, b)


def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor and batch2 too; got {a.ndim}D and {b.ndim}D")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    return matmul(a, b)


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)


def mv(a, b):
    return matmul(a, b)


def outer(a, b):
    return matmul(a.reshape(-1, 1), b.reshape(1, -1))


def einsum(equation, *operands_):
    """Einstein summation; the backward of each operand is another einsum."""
    if len(operands_) == 1 and isinstance(operands_[0], (list, tuple)):
        operands_ = tuple(operands_[0])
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("galton.einsum: ellipsis ('...') is not supported yet")
    lhs, _, rhs = eq.partition("->")
    ins = lhs.split(",")
    if not _:
        letters = sorted(c for c in set(lhs.replace(",", "")) if lhs.count(c) == 1)
        rhs = "".join(letters)
    if len(ins) != len(operands_):
        raise RuntimeError(f"einsum(): {len(ins)} operands in the equation but "
                           f"{len(operands_)} given")
    arrays = [t._data for t in operands_]
    out = np.einsum(f"{lhs}->{rhs}", *arrays, optimize=len(arrays) > 2)

    def backward(g, inputs=tuple(arrays), xp=np):
        # create_graph: each operand's gradient is again an einsum, now of tensors (recorded)
        on_tensors = xp is not np
        values = inputs
        grads = []
        for i, t in enumerate(operands_):
            if not (isinstance(t, Tensor) and t._rg):
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ins) if j != i]
            other_arrays = [a for j, a in enumerate(values) if j != i]
            sub = ins[i]
            if on_tensors:
                grads.append(_operand_grad_on_tensors(g, rhs, others, other_arrays, sub,
                                                      arrays[i].shape))
                continue
            # letters of this operand missing from the others and the output are summed: restore
            present = set(rhs).union(*others) if others else set(rhs)
            target = "".join(c for c in sub if c in present)
            gi = np.einsum(",".join([rhs] + others) + "->" + _unique(target), g, *other_arrays,
                           optimize=True)
            gi = _to_operand(gi, _unique(target), sub, arrays[i].shape)
            grads.append(gi)
        return tuple(grads)
    return make_result(np.asarray(out), tuple(t if isinstance(t, Tensor) else None
                                              for t in operands_), backward, "EinsumBackward0")


def _operand_grad_on_tensors(g, rhs, others, other_ts, sub, shape):
    """One operand's gradient as a galton einsum (differentiable again). An operand that
    repeats a letter (a diagonal) gets it through linear_map: placing onto the diagonal is
    linear, its adjoint reads the diagonal back."""
    present = set(rhs).union(*others) if others else set(rhs)
    target = "".join(c for c in sub if c in present)
    if len(_unique(sub)) != len(sub):
        have = _unique(target)
        gi = einsum(",".join([rhs] + others) + "->" + have, g, *other_ts)
        return linear_map(lambda v: _to_operand(v, have, sub, shape),
                          lambda v: np.einsum(f"{sub}->{have}", v), gi, "EinsumBackward0")
    gi = einsum(",".join([rhs] + others) + "->" + target, g, *other_ts)
    missing = [c for c in sub if c not in present]
    if missing:  # letters summed away in the forward: their gradient is broadcast back
        sizes = dict(zip(sub, shape))
        for c in missing:
            gi = gi.unsqueeze(-1)
        gi = gi.expand(*(tuple(gi.shape[:len(target)]) + tuple(sizes[c] for c in missing)))
        gi = einsum(f"{target + ''.join(missing)}->{sub}", gi)
    return gi


def _unique(s):
    seen = []
    for c in s:
        if c not in seen:
            seen.append(c)
    return "".join(seen)


def _to_operand(gi, have, sub, shape):
    """Broadcast a gradient laid out as ``have`` to an operand written ``sub`` (repeats = diagonal)."""
    sizes = dict(zip(sub, shape))
    full = np.broadcast_to(np.expand_dims(gi, tuple(range(gi.ndim, gi.ndim + len(set(sub)) - len(have)))),
                           gi.shape + tuple(sizes[c] for c in _unique(sub) if c not in have))
    order = have + "".join(c for c in _unique(sub) if c not in have)
    full = np.einsum(f"{order}->{_unique(sub)}", full)
    if len(_unique(sub)) == len(sub):
        return np.ascontiguousarray(full)
    out = np.zeros(shape, dtype=gi.dtype)
    np.einsum(f"{sub}->{_unique(sub)}", out)[...] = full  # einsum returns a writable diagonal view
    return out


TENSOR_METHODS = ["matmul", "mm", "bmm", "dot", "mv", "outer"]
