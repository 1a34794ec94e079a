"""Custom differentiable operations: ``galton.autograd.Function``, as ``torch.autograd.Function``.

A subclass writes ``forward`` and ``backward`` as static methods; ``MyFn.apply(x, ...)`` runs
``forward`` with grad mode off and, when an input requires grad, records one graph node whose
backward calls ``MyFn.backward(ctx, *grad_outputs)``:

    class Exp(galton.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_y):
            (y,) = ctx.saved_tensors
            return grad_y * y

The newer style is also accepted: ``forward(*args)`` without ``ctx`` plus
``setup_context(ctx, inputs, output)``.
"""
import functools
import warnings
import weakref

from . import graph
from .grad_mode import no_grad, set_grad_enabled

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


class FunctionCtx:
    """What ``forward`` and ``backward`` share: saved tensors, flags and any attribute set on it."""

    def __init__(self):
        self._saved = ()
        self._dirty = ()
        self._non_differentiable = ()
        self._node = None  # weakref to the recorded node: once it is spent, saved tensors are gone
        self.materialize_grads = True
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for ``backward``; read them back as ``ctx.saved_tensors``."""
        from ..tensor import Tensor
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self._saved = tensors

    @property
    def saved_tensors(self):
        node = self._node() if self._node is not None else None
        if self._node is not None and (node is None or node.backward_fn is None):
            raise RuntimeError(_FREED)
        return tuple(self._saved)

    def mark_dirty(self, *tensors):
        """Declare inputs that ``forward`` modified in place (they must also be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient (indices, masks); ``backward`` sees zeros for them."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """With False, ``backward`` receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class _FunctionMeta(type):
    """Gives each subclass its node name, as PyTorch's ``MyFnBackward``."""

    def __init__(cls, name, bases, attrs):
        cls._backward_name = f"{name}Backward"
        super().__init__(name, bases, attrs)


class Function(metaclass=_FunctionMeta):
    """Base class of custom autograd operations; call them with ``MyFn.apply(...)``."""

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: "
                           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and, if an input requires grad, record ``backward``."""
        from ..tensor import Tensor
        tensors = [a if isinstance(a, Tensor) else None for a in args]
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(t is not None and t._rg for t in tensors)
        record = graph._grad_enabled and any(ctx.needs_input_grad)
        # where each input's gradient goes, taken before forward may rewrite a dirty input
        nxt = [(t.grad_fn if t.grad_fn is not None else t) if t is not None and t._rg else None
               for t in tensors]
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            out = cls.forward(*args, **kwargs) if new_style else cls.forward(ctx, *args, **kwargs)
            if new_style:
                cls.setup_context(ctx, args, out)
        single = not isinstance(out, tuple)
        outs = list((out,) if single else out)
        _check_dirty(ctx, outs, record)
        inputs = {id(t) for t in tensors if t is not None}
        dirty = {id(t) for t in ctx._dirty}
        for i, o in enumerate(outs):
            # an input handed back unchanged becomes a new tensor on the same storage (a view
            # in PyTorch); so does a leaf that requires grad, which must keep being a leaf
            if isinstance(o, Tensor) and id(o) not in dirty and (
                    id(o) in inputs or (o._rg and o.grad_fn is None)):
                outs[i] = Tensor._wrap(o._data)
        if record:
            _record(cls, ctx, tensors, nxt, outs)
        return outs[0] if single else tuple(outs)


def _check_dirty(ctx, outs, record):
    returned = {id(o) for o in outs}
    if any(id(t) not in returned for t in ctx._dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not "
                           "returned as output. The inputs that are modified inplace must all "
                           "be outputs of the Function.")
    if record and any(t._rg and t.grad_fn is None for t in ctx._dirty):
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                           "operation.")


class _Slots:
    """Gradients of several outputs on their way to one Function node; the engine adds the
    contributions of every path with ``+``."""

    __slots__ = ("by_output",)

    def __init__(self, by_output):
        self.by_output = by_output

    def __add__(self, other):
        merged = dict(self.by_output)
        for k, g in other.by_output.items():
            merged[k] = g if k not in merged else merged[k] + g
        return _Slots(merged)


def _record(cls, ctx, tensors, nxt, outs):
    """One node for the Function; each differentiable output hangs on it."""
    from ..tensor import Tensor
    non_diff = {id(t) for t in ctx._non_differentiable}
    diff = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and id(o) not in non_diff
            and o._data.dtype.kind == "f"]
    name = cls._backward_name

    def run(g, xp=None):  # xp: see autograd/twice.py (create_graph hands tensors)
        given = g.by_output if isinstance(g, _Slots) else {diff[0]: g}
        return _call_backward(cls, ctx, tensors, outs, given, xp is not None)
    node = graph.Node(name, run, nxt)
    ctx._node = weakref.ref(node)
    for i in diff:
        o = outs[i]
        if len(diff) == 1:
            o.grad_fn = node
        else:  # outputs share the node through a per-output hop that files the gradient
            o.grad_fn = graph.Node(name, lambda g, i=i, xp=None: (_Slots({i: g}),), [node])
        if id(o) in {id(t) for t in ctx._dirty}:
            o._version += 1
        o._rg = True
    for o in outs:  # outputs forward made but that get no gradient
        if isinstance(o, Tensor) and id(o) in non_diff:
            o._rg, o.grad_fn = False, None


def _call_backward(cls, ctx, tensors, outs, given, create_graph=False):
    from ..tensor import Tensor
    if create_graph and getattr(cls.backward, "_once_differentiable", False):
        from .twice import NoGraphForm
        raise NoGraphForm  # the engine takes the first-order numbers and refuses beyond
    grad_outputs = []
    for j, o in enumerate(outs):
        g = given.get(j)
        if g is None and ctx.materialize_grads and isinstance(o, Tensor):
            g = o.xp.zeros_like(o._data)
        grad_outputs.append(None if g is None else g if isinstance(g, Tensor) else
                            Tensor._wrap(g))
    with set_grad_enabled(create_graph):  # PyTorch runs backward with grad mode = create_graph
        res = cls.backward(ctx, *grad_outputs)
    res = res if isinstance(res, tuple) else (res,)
    name = cls._backward_name
    n = len(tensors)
    if len(res) < n or any(r is not None for r in res[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n}, got {len(res)})")
    grads = []
    for i, (t, r) in enumerate(zip(tensors, res)):
        if r is None:
            grads.append(None)
            continue
        if not isinstance(r, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
        if t is None:
            raise RuntimeError(f"function {name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not "
                               "a Variable")
        if create_graph:  # keep the tensor and its graph
            grads.append(_fit_tensor(name, i, r, t._data) if t._rg else None)
        else:
            grads.append(_fit(name, i, r._data, t._data) if t._rg else None)
    return grads


def _fit_tensor(name, i, g, like):
    """``_fit`` on a tensor, keeping its graph (create_graph)."""
    from ..tensor import Tensor
    if tuple(g.shape) != like.shape:
        from ..ops._util import unbroadcast
        if not _expandable(like.shape, tuple(g.shape)):
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                               f"got {list(g.shape)} but expected shape compatible with "
                               f"{list(like.shape)}")
        g = unbroadcast(g, like.shape)
    return g if g._data.dtype == like.dtype else g.to(Tensor._wrap(like[:0]).dtype)


def _fit(name, i, g, like):
    """The gradient in its input's shape (summed over broadcast dims) and dtype."""
    if g.shape != like.shape:
        from ..ops._util import unbroadcast
        if not _expandable(like.shape, g.shape):
            raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - "
                               f"got {list(g.shape)} but expected shape compatible with "
                               f"{list(like.shape)}")
        g = unbroadcast(g, like.shape)
    return g if g.dtype == like.dtype else g.astype(like.dtype)


def _expandable(shape, target):
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


def once_differentiable(fn):
    """Mark a ``backward`` that is not itself differentiable: it runs with grad mode off."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)
    wrapper._once_differentiable = True  # create_graph through it refuses (twice.py)
    return wrapper


BackwardCFunction = FunctionCtx  # the name PyTorch's nodes of custom functions derive from
