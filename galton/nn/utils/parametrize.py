"""Parametrizations, as ``torch.nn.utils.parametrize``: a tensor of a module computed, on every
access, by a small Module from the tensors actually stored and trained.

After ``register_parametrization(module, "weight", P())`` the parameter moves to
``module.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` splits it into several tensors), and reading ``module.weight`` returns
``P()(original)``, so gradients flow through ``P`` to the originals.

``module.weight`` cannot be a plain attribute any more, and Module keeps its tensors in tables
that ``__getattr__`` reads only when normal lookup fails. So, as PyTorch does, the module's
class is swapped for a one-off subclass (``ParametrizedLinear``) that holds a property per
parametrized name: a property on the class wins over any attribute lookup, and assignment
goes to its setter (through ``right_inverse``).

>>> class Symmetric(nn.Module):
...     def forward(self, X):
...         return X.triu() + X.triu(1).transpose(0, 1)
>>> m = register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
>>> list(m.state_dict())
['bias', 'parametrizations.weight.original']
"""
from collections.abc import Sequence
from contextlib import contextmanager

from ...autograd import no_grad
from ...tensor import Tensor
from ..container import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["cached", "ParametrizationList", "register_parametrization", "is_parametrized",
           "remove_parametrizations", "type_before_parametrizations"]

# the cache lives while at least one ``cached()`` block is open, keyed by (id(module), name)
_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Compute each parametrized tensor once inside the block and reuse it, e.g. a recurrent
    weight used at every time step (PyTorch's ``parametrize.cached``).

    >>> with parametrize.cached():
    ...     out = model(x)
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module, name, X):
    if isinstance(X, Parameter):
        module.register_parameter(name, X)
    else:
        module.register_buffer(name, X)


def _set_data(dest, src):
    # the same tensor object takes the new values, so an optimizer holding it stays valid
    # (PyTorch's ``dest.set_(src)``)
    dest._data = src._data


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, holding the original tensor(s): the type
    of ``module.parametrizations[name]``. Built by ``register_parametrization``, not by hand.

    The original is ``original`` when the first parametrization has no ``right_inverse`` or
    one that returns a tensor, else ``original0``, ``original1``, ... .
    """

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype

        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass  # taken as the identity
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(new).__name__}")

        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {original.dtype}\n"
                    f"right_inverse(original).dtype: {new.dtype}")
            if original.device != new.device:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the device.\n"
                    f"original.device: {original.device}\n"
                    f"right_inverse(original).device: {new.device}")
            # the user's parameter object itself is kept, so the optimizer needs no update
            if new is not original:
                _set_data(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, originali in enumerate(new):
                if not isinstance(originali, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        f"(list, tuple...). Got element {i} of the sequence with type "
                        f"{type(originali).__name__}.")
                # new tensors: the user adds them to the optimizer after registering
                if isinstance(original, Parameter):
                    originali = Parameter(originali, original.requires_grad)
                originali.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", originali)

        if not self.unsafe:
            Z = self()
            if not isinstance(Z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(Z).__name__}.")
            if Z.dtype != original_dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, "
                    "unless `unsafe` flag is enabled.\n"
                    f"unparametrized dtype: {original_dtype}\n"
                    f"parametrized dtype: {Z.dtype}")
            if Z.shape != original_shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless `unsafe` flag is enabled.\n"
                    f"unparametrized shape: {original_shape}\n"
                    f"parametrized shape: {Z.shape}")

    def right_inverse(self, value):
        """Store ``value`` as the parametrized tensor: run the ``right_inverse`` of each
        parametrization, last first, into ``original`` (or ``original0``, ...)."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError("`right_inverse` should return a tensor. Got "
                                     f"{type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype "
                                     f"{value.dtype} while `original` has dtype "
                                     f"{self.original.dtype}")
                _set_data(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError("'right_inverse' must return a sequence of tensors. "
                                 f"Got {type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f"{self.ntensors}. Got a sequence of length {len(value)}.")
            for i, tensor in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(tensor, Tensor):
                    raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                                     f"element {i} of type {type(tensor).__name__}.")
                if original_i.dtype != tensor.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype "
                                     f"{tensor.dtype} while `original{i}` has dtype "
                                     f"{original_i.dtype}")
                _set_data(original_i, tensor)

    def forward(self):
        """The parametrized tensor: the first parametrization applied to the original(s),
        each next one to the result of the previous."""
        mods = self._modules
        if self.is_tensor:
            x = mods["0"](self.original)
        else:
            x = mods["0"](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        i = 1
        while str(i) in mods:
            x = mods[str(i)](x)
            i += 1
        return x


def _getstate(self):
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). "
        "Save module.state_dict() with galton.save.")


def _setattr(self, name, value):
    # a Parameter assigned to a parametrized name would land in _parameters, hidden behind
    # the property; PyTorch refuses it in register_parameter with this error
    if isinstance(value, Parameter) and isinstance(getattr(type(self), name, None), property) \
            and is_parametrized(self, name):
        raise KeyError(f"attribute '{name}' already exists")
    super(type(self), self).__setattr__(name, value)


def _inject_new_class(module):
    """Swap the module's class for a subclass of it that can receive properties."""
    cls = module.__class__
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                            {"__getstate__": _getstate, "__setattr__": _setattr})


def _inject_property(module, tensor_name):
    """Put a property ``tensor_name`` on the module's (already swapped) class."""
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if _cache_enabled:
            key = (id(self), tensor_name)
            tensor = _cache.get(key)
            if tensor is None:
                tensor = _cache[key] = parametrization()
            return tensor
        return parametrization()

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` read as ``parametrization(original)``.

    ``tensor_name`` must be a parameter or buffer of ``module``, or already parametrized (then
    ``parametrization`` is chained after the others). If ``parametrization`` has a
    ``right_inverse``, it maps the current tensor to the original(s) to store, and assigning
    ``module.<tensor_name> = X`` goes through it. Unless ``unsafe``, the parametrization must
    keep the tensor's shape and dtype.

    >>> register_parametrization(nn.Linear(4, 4), "weight", Symmetric())
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            Y = getattr(module, tensor_name)
            X = parametrization(Y)
            if not isinstance(X, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(X).__name__}.")
            for what in ("dtype", "shape"):
                if getattr(X, what) != getattr(Y, what):
                    raise ValueError(
                        f"Registering a parametrization may not change the {what} of the "
                        "tensor, unless the `unsafe` flag is enabled.\n"
                        f"module.{tensor_name}.{what}: {getattr(Y, what)}\n"
                        f"parametrization(module.{tensor_name}).{what}: {getattr(X, what)}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    Z = parametrization.right_inverse(X)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(Z, Tensor):
                        raise ValueError("parametrization.right_inverse must return a tensor. "
                                         f"Got: {type(Z).__name__}")
                    for what in ("dtype", "shape"):
                        if getattr(Z, what) != getattr(Y, what):
                            raise ValueError(
                                "The tensor returned by parametrization.right_inverse must "
                                f"have the same {what} as module.{tensor_name}, unless the "
                                "`unsafe` flag is enabled.\n"
                                f"module.{tensor_name}.{what}: {getattr(Y, what)}\n"
                                f"returned {what}: {getattr(Z, what)}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        # built first: a parametrization that does not fit raises before the module changes
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has any parametrization, or one on ``tensor_name`` when given."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Take the parametrizations off ``module.<tensor_name>``, which becomes a plain parameter
    (or buffer) again: holding the current parametrized value if ``leave_parametrized``,
    else the unparametrized ``original`` (only possible with a single original tensor).
    With ``leave_parametrized`` and one original, the same Parameter object is kept.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _set_data(original, t)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        # with grad: whether any original required grad decides Parameter or buffer
        t = getattr(module, tensor_name)
        original = Parameter(t.detach()) if t.requires_grad else t

    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class as it was before any parametrization (``Linear``, not
    ``ParametrizedLinear``)."""
    if is_parametrized(module):
        return module.__class__.__bases__[0]
    return type(module)
