"""More of ``torch``'s constructors: the signal windows (hann, hamming, blackman, bartlett,
kaiser), ``range``, ``scalar_tensor``, ``asarray``, ``frombuffer``, ``vander``, ``fill``, the
sampling constructors ``poisson`` and ``binomial``, and the type queries (``result_type``,
``can_cast``, ``is_nonzero``, ``isin``, ...)."""
import builtins
import warnings

import numpy as np

from . import dtypes
from .creation import _finish, as_tensor, empty, full_like
from .random import rng
from .tensor import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window", "range", "scalar_tensor", "asarray", "empty_strided",
           "empty_permuted", "frombuffer", "vander", "fill", "poisson", "binomial",
           "result_type", "can_cast", "is_nonzero", "is_same_size", "is_signed", "isin",
           "get_device"]


def _window(name, window_length, periodic, dtype, formula):
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    d = dtype or dtypes.get_default_dtype()
    if not d.is_floating_point:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    if window_length <= 1:
        return Tensor._wrap(np.ones(window_length, d.np))
    n = window_length + 1 if periodic else window_length
    w = formula(np.arange(n, dtype=np.float64), n - 1)
    return Tensor._wrap(w[:window_length].astype(d.np))


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False):
    """The Hann window, ``0.5 - 0.5 cos(2 pi n / (N - 1))`` (N one more when periodic)."""
    return _window("hann_window", window_length, periodic, dtype,
                   lambda k, m: 0.5 - 0.5 * np.cos(2 * np.pi * k / m))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False):
    """The Hamming window, ``alpha - beta cos(2 pi n / (N - 1))``."""
    return _window("hamming_window", window_length, periodic, dtype,
                   lambda k, m: alpha - beta * np.cos(2 * np.pi * k / m))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The Blackman window."""
    return _window("blackman_window", window_length, periodic, dtype,
                   lambda k, m: 0.42 - 0.5 * np.cos(2 * np.pi * k / m)
                   + 0.08 * np.cos(4 * np.pi * k / m))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The Bartlett (triangular) window."""
    return _window("bartlett_window", window_length, periodic, dtype,
                   lambda k, m: 1 - np.abs(2 * k / m - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False):
    """The Kaiser window, ``I0(beta sqrt(1 - (2n/(N-1) - 1)^2)) / I0(beta)``."""
    return _window("kaiser_window", window_length, periodic, dtype,
                   lambda k, m: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / m - 1) ** 2, 0, 1)))
                   / np.i0(beta))


# ``range`` below is torch.range; Python's own is builtins.range in this module
def range(start=0, end=None, step=1, *, dtype=None, device=None,  # noqa: A001
          requires_grad=False):
    """start, start + step, ..., up to and including ``end`` (deprecated in PyTorch, as here)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    count = int(np.floor((end - start) / step)) + 1
    if count < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    d = dtype or dtypes.get_default_dtype()
    return _finish(start + step * np.arange(count, dtype=np.float64), d, device, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False):
    """A 0-d tensor of the default float dtype (or ``dtype``) holding ``s``."""
    return _finish(np.asarray(s, np.float64), dtype or dtypes.get_default_dtype(), device,
                   requires_grad)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor over ``obj``, sharing its memory when it can (a tensor, a NumPy array, a
    buffer) unless ``copy=True``; ``copy=False`` refuses where a copy is needed."""
    if isinstance(obj, Tensor):
        out = obj if dtype is None or dtype == obj.dtype else obj.to(dtype)
        if copy:
            out = out.clone() if out is obj else out
        elif copy is False and out is not obj:
            raise ValueError("can't alias tensor from device 'cpu' to 'cpu' with a different "
                             "dtype")
    else:
        if copy is False and not isinstance(obj, np.ndarray):
            raise ValueError(f"can't alias Python sequence to a tensor: {type(obj).__name__}")
        out = as_tensor(np.array(obj) if copy else obj, dtype=dtype)
    if requires_grad:
        out = out.detach().requires_grad_()
    return out


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor of ``size`` (galton's tensors are always contiguous: ``stride``
    is accepted and the layout is C order)."""
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of ``size`` (the physical layout is C order in galton)."""
    if sorted(physical_layout) != list(builtins.range(len(size))):
        raise RuntimeError("Number of dimensions in size does not match the length of the "
                           "physical_layout")
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the bytes of ``buffer`` (shared, not copied)."""
    try:
        arr = np.frombuffer(buffer, dtype=dtype.np, count=count, offset=offset)
    except ValueError as exc:
        raise ValueError(f"frombuffer: {exc}") from None
    if not arr.flags.writeable:
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting it "
                      "to a tensor. This type of warning will be suppressed for the rest of "
                      "this program.", UserWarning, stacklevel=2)
    t = Tensor._wrap(arr)
    return t.requires_grad_() if requires_grad else t


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x, 1 (or increasing)."""
    from .ops import arithmetic as A, joining as J
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    powers = list(builtins.range(n))
    if not increasing:
        powers.reverse()
    if x.dtype == dtypes.bool_ or not x.is_floating_point():
        x = x.long()
    if not powers:
        return Tensor._wrap(np.empty((x.shape[0], 0), x._data.dtype))
    return J.stack([A.pow(x, p) if p else full_like(x, 1) for p in powers], 1)


def fill(input, value):
    """A new tensor of input's shape and dtype filled with ``value`` (torch.fill)."""
    v = value.item() if isinstance(value, Tensor) else value
    return full_like(input, v)


def poisson(input, generator=None):
    """A draw from Poisson(rate) for each element of ``input`` (the rates), as floats."""
    a = input._data
    if (a < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return Tensor._wrap(rng(generator).poisson(a).astype(a.dtype))


def binomial(count, prob, generator=None):
    """A draw from Binomial(count, prob) for each element, as floats."""
    c, p = count._data, prob._data
    return Tensor._wrap(rng(generator).binomial(c.astype(np.int64), p).astype(c.dtype))


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op on the two gives (PyTorch's promotion rules)."""
    from .ops import arithmetic as A
    probe = A.add(_probe(tensor1), _probe(tensor2))
    return probe.dtype


def _probe(v):
    """A zero of v's kind: a 0-d tensor stays 0-d, a dimensioned one becomes 1 element."""
    if isinstance(v, Tensor):
        return Tensor._wrap(np.zeros((1,) * min(v.ndim, 1), v._data.dtype))
    return v


def can_cast(from_, to):
    """Whether PyTorch's type promotion lets ``from_`` be cast to ``to`` (no float to integer,
    no number to bool, no narrowing of kind)."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    return order[from_.np.kind] <= order[to.np.kind]


def is_nonzero(input):
    """The truth of a one-element tensor; more or fewer elements are an error."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0])


def is_same_size(input, other):
    """Whether the two have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input):
    """Whether the dtype is signed (every dtype but uint8 and bool)."""
    return input.dtype.is_signed


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is among ``test_elements``."""
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.asarray(np.isin(e, t, assume_unique=assume_unique, invert=invert)))


def get_device(input):
    """-1 for a CPU tensor, else the GPU's index (torch.get_device)."""
    d = input.device
    return -1 if d.type == "cpu" else (d.index or 0)
