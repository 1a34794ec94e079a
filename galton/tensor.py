"""The Tensor: an array, where it came from (``grad_fn``) and its gradient (``.grad``).

The class holds the data and the autograd bookkeeping only. Its math methods (``+``, ``sum``,
``reshape``, ...) are the functions of ``galton/ops``, bound onto the class by
``galton/_tensor_methods.py``, so each op is written once.
"""
import numpy as np

from . import backend, dtypes, memory_formats
from .autograd import graph
from .autograd.graph import Node


class Tensor:
    """A multi-dimensional array with automatic differentiation, as ``torch.Tensor``.

    >>> x = galton.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad
    tensor([2., 4.])
    """

    __slots__ = ("_data", "_rg", "grad", "grad_fn", "_hooks", "_version", "__weakref__")
    __array_priority__ = 1000  # numpy scalars on the left defer to Tensor's reflected ops

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        # torch.Tensor(2, 3) makes an uninitialised float tensor; torch.Tensor([1, 2]) copies data
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            src = args[0]
            arr = src._data if isinstance(src, Tensor) else np.asarray(src)
            arr = np.array(arr, dtype=dtype.np if dtype else dtypes.default_float_np())
        else:
            shape = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
            arr = np.zeros(tuple(int(s) for s in shape), dtype=dtypes.default_float_np())
        self._data = arr
        self._rg = False
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self._version = 0
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, arr, requires_grad=False):
        """Wrap an array without copying (the fast path every op uses)."""
        if type(arr) is not np.ndarray and isinstance(arr, np.generic):
            # NumPy turns 0-d results of ufuncs and reductions into scalars, which have no
            # storage to write into (``w.grad.zero_()``); every tensor holds a real array
            arr = np.asarray(arr)
        t = object.__new__(cls)
        t._data = arr
        t._rg = requires_grad
        t.grad = None
        t.grad_fn = None
        t._hooks = None
        t._version = 0
        return t

    # --- the storage, as PyTorch's ``.data`` ----------------------------------------------
    # The raw array lives in ``_data`` (every op reads it there). ``.data`` is what PyTorch
    # gives: a tensor on the same storage, cut from the graph, so ``p.data.add_(u)`` and
    # ``m.bias.data.fill_(0)`` change ``p`` without being recorded; ``t.data = other`` swaps
    # the storage (any shape or dtype), as PyTorch allows.
    @property
    def data(self):
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data

    # --- autograd bookkeeping -------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None and not flag:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if flag and not self._data.dtype.kind == "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._rg = bool(flag)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into ``.grad`` of the leaves it depends on."""
        if (gradient is None and inputs is None and not create_graph and self.grad_fn is not None
                and self._data.size == 1):  # the common loss.backward(): skip argument handling
            graph.run_backward(self, backend.array_module(self._data).ones_like(self._data),
                               retain_graph=bool(retain_graph))
            return
        from .autograd.functional import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                 inputs=inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_hook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return graph._RemovableHandle(self._hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` of a non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained = graph.weakref.ref(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor._wrap(self._data)

    def detach_(self):
        self.grad_fn = None
        self._rg = False
        return self

    # --- what it is ---------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim)]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return backend.device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_xpu(self):
        """False: galton has no Intel GPU backend (programs test it beside is_cuda)."""
        return False

    @property
    def is_mps(self):
        """False: galton has no Apple GPU backend."""
        return False

    @property
    def xp(self):
        return backend.array_module(self._data)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=memory_formats.contiguous_format):
        """Whether the elements lie in ``memory_format``'s order, without gaps (sizes of 1
        aside: their strides do not matter)."""
        if memory_format is memory_formats.contiguous_format:
            return bool(self._data.flags.c_contiguous)
        return memory_formats.is_contiguous(self._data, memory_formats.check(memory_format))

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_dim(dim, self._data.ndim)]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0] if type(self._data) is np.ndarray else 0

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(-1)[0])

    # --- leaving galton -----------------------------------------------------------------------
    def numpy(self, *, force=False):
        """The data as a NumPy array sharing memory (as in PyTorch)."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return backend.to_device(self._data, backend.CPU)

    def __array__(self, dtype=None, copy=None):
        if graph._strict_tensors:
            raise RuntimeError("galton internal error: a NumPy function got a tensor inside a "
                               "backward running under create_graph=True (use xp.)")
        arr = backend.to_device(self._data, backend.CPU)
        return arr if dtype is None else arr.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(-1)[0].item()

    def tolist(self):
        return backend.to_device(self._data, backend.CPU).tolist()

    def __repr__(self):
        from ._format import format_tensor
        return format_tensor(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return self.item().__format__(spec)
        return object.__format__(str(self), spec)

    def __deepcopy__(self, memo):
        """``copy.deepcopy`` of a leaf: new data, same class (Parameter stays Parameter)."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        new = Tensor._wrap.__func__(type(self), self._data.copy(), self._rg)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new

    def __reduce_ex__(self, protocol):
        raise TypeError("galton tensors are not pickled; use galton.save (safetensors)")


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple with a PyTorch-like repr and ``numel()``."""

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"galton.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r


def _dim(d, ndim):
    """Normalise a possibly negative dim, with PyTorch's message when it is out of range."""
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d + n if d < 0 else d


def will_record(inputs):
    """Whether ``make_result`` will record a node for these inputs (grad mode on and one of
    them requiring grad), so an op's forward knows whether to keep what its backward reads."""
    return graph._grad_enabled and any(x is not None and x._rg for x in inputs)


def make_result(arr, inputs, backward_fn, name):
    """Wrap an op's output and, if grad mode is on and an input requires grad, record the op.

    inputs: the op's tensor inputs (None for non-tensor ones), in the order backward_fn
    returns their gradients.
    """
    out = Tensor._wrap(arr)
    if graph._grad_enabled:
        nxt = None
        for i, x in enumerate(inputs):
            if x is not None and x._rg:
                if nxt is None:
                    nxt = [None] * len(inputs)
                nxt[i] = x.grad_fn if x.grad_fn is not None else x
        if nxt is not None:
            out._rg = True
            out.grad_fn = Node(name, backward_fn, nxt)
    return out
