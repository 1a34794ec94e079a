"""The Optimizer base class: parameter groups, per-parameter state, state dicts.

Every optimizer keeps ``param_groups`` (a list of dicts: the group's tensors under
``"params"`` and its options) and ``state`` (a dict from parameter to that parameter's
buffers), exactly as ``torch.optim.Optimizer`` does, so code that edits
``optimizer.param_groups[0]["lr"]`` or saves ``optimizer.state_dict()`` works unchanged.

Updates are written on the NumPy arrays (``p._data``) in place, outside the autograd graph:
an optimizer step never records ops, so it needs no ``no_grad`` block.
"""
import warnings
from collections import defaultdict

import numpy as np

from .. import dtypes
from .._quiet import quiet_function
from ..autograd import enable_grad
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every param group must give (``torch.optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return "galton.Tensor"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def _scalar_dtype():
    """The dtype of ``state["step"]``: float32, or float64 when that is the default (as torch)."""
    return np.float64 if dtypes.default_float_np() == np.float64 else np.float32


def _step_tensor(value=0.0):
    return Tensor._wrap(np.array(float(value), dtype=_scalar_dtype()))


def _init_buffers(st, pd, *names, **scalars):
    """Fill a fresh state dict in torch's layout: ``step`` (a 0-d tensor at 0), then each of
    ``scalars`` as a 0-d tensor of step's dtype, then a zero buffer shaped like ``pd`` per
    name, in that order (the order of the keys in a saved state)."""
    from .. import backend
    st["step"] = _step_tensor()
    for name, value in scalars.items():
        st[name] = _step_tensor(value)
    if names:
        xp = backend.array_module(pd)
        for name in names:
            st[name] = Tensor._wrap(xp.zeros_like(pd))
    return st


def _count_step(st):
    """Add one to ``st["step"]`` in place (in its own dtype, as torch) and return the new
    step count as a float."""
    step_arr = st["step"]._data
    step_arr += 1
    return float(step_arr)


def _clone(value):
    """A deep copy of a state-dict value; galton tensors are copied, not pickled."""
    if isinstance(value, Tensor):
        return Tensor._wrap(value._data.copy())
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _cast_state(param, value, key=None):
    """A loaded state value made ready for ``param``: a fresh copy on its device, floating
    buffers in its dtype. ``step`` keeps its own dtype (torch never casts it)."""
    if key == "step" and not isinstance(value, Tensor):
        return _step_tensor(value)  # a step saved as a plain number (JSON) becomes a tensor
    if isinstance(value, np.ndarray):
        value = Tensor._wrap(value)
    if isinstance(value, Tensor):
        arr = value._data
        if key != "step" and param._data.dtype.kind == "f":
            arr = arr.astype(param._data.dtype)  # astype copies: the loaded dict stays apart
        else:
            arr = arr.copy()
        if type(arr) is not type(param._data):
            from .. import backend
            arr = backend.to_device(arr, param.device)
        return Tensor._wrap(arr)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


def _as_float(lr):
    """A group's lr as a Python float (torch also accepts a one-element tensor)."""
    return lr if type(lr) is float else float(lr)


class Optimizer:
    """Base class of all optimizers, as ``torch.optim.Optimizer``.

    params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that each
    define a parameter group (``{"params": [...], "lr": 0.1}``); options missing from a
    group are taken from ``defaults``.

    >>> opt = galton.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.1}], lr=0.01)
    >>> opt.param_groups[1]["lr"]
    0.1
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # each optimizer's update runs with NumPy's floating-point warnings off, as in PyTorch
        if "step" in cls.__dict__:
            cls.step = quiet_function(cls.__dict__["step"])

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):  # from model.named_parameters()
                names.append(p[0])
                p = p[1]
            tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in tensors}) != len(tensors):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        taken = set()
        for group in self.param_groups:
            taken.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
        if any(id(p) in taken for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set ``.grad`` to None (default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g.grad_fn = None
                    g._rg = False
                    g._data[...] = 0

    def step(self, closure=None):
        """Update the parameters once from their ``.grad``; subclasses implement it."""
        raise NotImplementedError

    def _each_grad(self, group, *buffers, **scalars):
        """Yield ``(p, g, st)`` for each parameter of ``group`` that has a gradient: ``g`` is
        its gradient array (negated when the group maximizes), ``st`` its state dict.

        With ``buffers`` or ``scalars``, an empty state is first filled by ``_init_buffers``
        with them. A generator, so the caller's loop costs one resume per parameter.
        """
        state = self.state
        maximize = group["maximize"]
        init = bool(buffers or scalars)
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            st = state[p]
            if init and not st:
                _init_buffers(st, p._data, *buffers, **scalars)
            g = gt._data
            if maximize:
                g = -g  # a new array: the user's .grad is never changed
            yield p, g, st

    def _closure_loss(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # --- saving and loading -----------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in torch's layout.

        ``{"state": {0: {...}, 1: {...}}, "param_groups": [{"lr": ..., "params": [0, 1]}]}``:
        parameters are replaced by their index in the order of the groups. As in torch,
        the buffers in ``state`` are the live tensors, not copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state saved by ``state_dict()`` (the groups must have the same sizes)."""
        groups = self.param_groups
        saved_groups = _clone(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for p, key in zip(g["params"], s["params"]):
                id_map[key] = p
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k not in id_map and isinstance(k, str) and k.isdigit():
                k = int(k)  # keys that went through JSON come back as strings
            if k in id_map:
                param = id_map[k]
                state[param] = _cast_state(param, v)
            else:
                state[k] = _clone(v)
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            if "betas" in s and isinstance(s["betas"], list):
                s["betas"] = tuple(s["betas"])
        self.state = state
        self.param_groups = saved_groups
        self._after_load()

    def _after_load(self):
        """Hook for subclasses that must fill in group keys an older state lacked."""

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:  # written so that NaN fails too
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_eps(eps):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")


def _check_betas(betas):
    """torch's checks (and messages) of an Adam-family ``betas`` pair."""
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonneg(name, value):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_not_differentiable(differentiable):
    if differentiable:
        raise NotImplementedError("galton optimizers update parameters in place outside the "
                                  "graph; differentiable=True is not supported")

