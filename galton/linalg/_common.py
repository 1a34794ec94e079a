"""What every linalg op shares: PyTorch's input checks and error messages, the LinAlgError,
result tuples, and the recording of an op with several differentiable outputs."""
import collections

import numpy as np

from .. import backend
from ..autograd.twice import NoGraphForm
from ..ops._util import linear_backward
from ..tensor import Tensor, make_result, will_record
from ..ops.reduction import _TORCH_NAMES


class LinAlgError(RuntimeError):
    """A numerical failure (singular matrix, not positive-definite), as ``torch.linalg.LinAlgError``."""


def return_type(name, fields):
    """A tuple with named fields, as ``torch.return_types.<name>``."""
    cls = collections.namedtuple(name, fields)
    cls.__module__ = "galton.return_types"
    cls.__repr__ = lambda self: (f"galton.return_types.{name}(\n"
                                 + ",\n".join(f"{f}={v}" for f, v in zip(fields, self)) + ")")
    return cls


def xp_of(arr):
    return backend.array_module(arr)


def mT(a):
    """The transpose of the last two axes (of a batch of matrices; an array or a Tensor)."""
    return a.transpose(-1, -2) if isinstance(a, Tensor) else a.swapaxes(-1, -2)


def check_float(name, a):
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_NAMES.get(a.dtype.name, a.dtype.name)}")


def check_matrix(name, x, square=False, floating=True):
    """The array of a (batch of) matrix input, after PyTorch's checks."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    a = x._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if floating:
        check_float(name, a)
    return a


def first_zero_pivot(m):
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK's info)."""
    u = np.array(m, dtype=np.float64)
    n = u.shape[0]
    info = 0
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            info = info or j + 1
            continue
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return info or n


def _batch_prefix(a, index):
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def _failing(a, test):
    """The batch index (flat) of the first matrix for which test(matrix) is true."""
    flat = np.asarray(backend.to_device(a, backend.CPU)).reshape((-1,) + a.shape[-2:])
    for i, m in enumerate(flat):
        if test(m):
            return i, m
    return 0, flat[0]


def singular_error(name, a, solver=False):
    """PyTorch's message for a singular input (which batch element, which pivot)."""
    i, m = _failing(a, inv_fails)
    if solver:
        return LinAlgError(f"{name}: {_batch_prefix(a, i)}The solver failed because the input "
                           "matrix is singular.")
    return LinAlgError(f"{name}: {_batch_prefix(a, i)}The diagonal element {first_zero_pivot(m)} "
                       "is zero, the inversion could not be completed because the input matrix "
                       "is singular.")


def inv_fails(m):
    try:
        np.linalg.inv(m)
        return False
    except np.linalg.LinAlgError:
        return True


def not_pd_order(m):
    """The order of the first leading minor of m that is not positive-definite (0: none)."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


def not_pd_error(name, a):
    """PyTorch's message for a Cholesky input that is not positive-definite."""
    i, m = _failing(a, lambda m: not_pd_order(m) > 0)
    return LinAlgError(f"{name}: {_batch_prefix(a, i)}The factorization could not be completed "
                       "because the input is not positive-definite (the leading minor of order "
                       f"{not_pd_order(m)} is not positive-definite).")


def multi_result(arrays, inputs, backward_fn, name, graph_form=None):
    """Record an op with several differentiable outputs (U, S, Vh of an SVD, ...).

    The engine gives each node one gradient, so the outputs are slices of one packed node:
    its backward gets the gradients of all outputs (zeros for unused ones) at once and
    calls ``backward_fn(*grads)``. Without a graph to record, the arrays are simply wrapped.
    ``graph_form(grads, inputs)`` is the same backward on tensors (create_graph): it gets the
    outputs' gradients and the op's inputs as tensors linked to the graph, and recomputes the
    factorisation from them, recorded, so the gradient differentiates again to any order.
    """
    if not will_record(inputs):
        return tuple(Tensor._wrap(a) for a in arrays)
    xp = xp_of(arrays[0])
    sizes = [a.size for a in arrays]
    ends = np.cumsum(sizes)
    flat = xp.concatenate([a.reshape(-1) for a in arrays])
    saved = tuple(x._data if isinstance(x, Tensor) else None for x in inputs)

    def unpack(g, inputs=saved, xp=np):
        if xp is np:
            parts = xp.split(g, ends[:-1])
            return backward_fn(*(p.reshape(a.shape) for p, a in zip(parts, arrays)))
        if graph_form is None:
            raise NoGraphForm()
        return graph_form([g[lo:hi].reshape(a.shape) for lo, hi, a in
                           zip(ends - sizes, ends, arrays)], inputs)
    packed = make_result(flat, inputs, unpack, name)

    def part(i):
        lo, hi, shape = ends[i] - sizes[i], ends[i], arrays[i].shape

        def place(g):
            full = xp.zeros(flat.shape, flat.dtype)
            full[lo:hi] = g.reshape(-1)
            return full
        return make_result(arrays[i], (packed,), linear_backward(
            place, lambda v: v[lo:hi].reshape(shape), name), name)
    return tuple(part(i) for i in range(len(arrays)))
