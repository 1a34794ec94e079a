"""``nn.Module``: parameters, buffers and submodules, found by attribute assignment."""
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _quiet, backend, dtypes, memory_formats
from ..tensor import Tensor, make_result
from .parameter import Parameter, _BufferMark, _Uninitialized

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class _Handle:
    _next_id = 0

    def __init__(self, table):
        self.table = table
        self.id = _Handle._next_id
        _Handle._next_id += 1

    def remove(self):
        self.table.pop(self.id, None)


class Module:
    """Base class of every layer and model, as ``torch.nn.Module``.

    Assigning a Parameter, a Module or (via ``register_buffer``) a tensor to an attribute
    registers it, so ``parameters()``, ``state_dict()``, ``to()`` and ``train()`` find it.
    """

    training = True

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() takes no arguments")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()

    # --- calling ----------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        # NumPy's floating-point warnings off for the whole forward (PyTorch is silent), set
        # here rather than by a wrapper so that warnings' stacklevels still reach the caller
        token = _quiet.enter()
        try:
            d = self.__dict__
            if not (d.get("_forward_hooks") or d.get("_forward_pre_hooks")
                    or d.get("_backward_hooks")):
                return self.forward(*args, **kwargs)
            return self._call_with_hooks(args, kwargs)
        finally:
            _quiet.leave(token)

    def _call_with_hooks(self, args, kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            r = hook(self, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
        if self._backward_hooks:
            args = self._backward_hook_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            r = hook(self, args, out)
            if r is not None:
                out = r
        if self._backward_hooks:
            out = self._backward_hook_output(out)
        return out

    def _backward_hook_inputs(self, args):
        # identity nodes of this module alone, so grad_input is what flows into *this* module
        self.__dict__["_grad_input"] = None
        new = []
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.requires_grad:
                a = make_result(a._data, (a,), self._make_input_catcher(i, len(args)),
                                "BackwardHookFunctionBackward")
            new.append(a)
        self.__dict__["_n_inputs"] = sum(isinstance(a, Tensor) and a.requires_grad for a in args)
        self.__dict__["_n_inputs_args"] = len(args)
        return tuple(new)

    def _make_input_catcher(self, i, n):
        def backward(g, xp=np):  # xp: under create_graph g is a Tensor, passed on as it is
            gi = self.__dict__.get("_grad_input") or [None] * n
            gi[i] = g if isinstance(g, Tensor) else Tensor._wrap(g)
            self.__dict__["_grad_input"] = gi
            if sum(x is not None for x in gi) == self.__dict__["_n_inputs"]:
                self._fire_backward_hooks(tuple(gi))
            return (g,)
        return backward

    def _backward_hook_output(self, out):
        if not (isinstance(out, Tensor) and out.requires_grad):
            return out

        def backward(g, xp=np):
            self.__dict__["_grad_output"] = (g if isinstance(g, Tensor) else Tensor._wrap(g),)
            if self.__dict__.get("_n_inputs", 0) == 0:
                self._fire_backward_hooks((None,) * max(self.__dict__.get("_n_inputs_args", 1), 1))
            return (g,)
        return make_result(out._data, (out,), backward, "BackwardHookFunctionBackward")

    def _fire_backward_hooks(self, grad_input):
        grad_output = self.__dict__.get("_grad_output")
        for hook in list(self._backward_hooks.values()):
            hook(self, grad_input, grad_output)

    def register_forward_hook(self, hook):
        """``hook(module, args, output)`` after forward; a returned value replaces the output."""
        h = _Handle(self._forward_hooks)
        self._forward_hooks[h.id] = hook
        return h

    def register_forward_pre_hook(self, hook):
        """``hook(module, args)`` before forward; a returned value replaces the args."""
        h = _Handle(self._forward_pre_hooks)
        self._forward_pre_hooks[h.id] = hook
        return h

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` once the module's input gradients are known."""
        h = _Handle(self._backward_hooks)
        self._backward_hooks[h.id] = hook
        return h

    register_backward_hook = register_full_backward_hook

    # --- registration -----------------------------------------------------------------------
    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError("cannot assign parameters or modules before "
                                     "Module.__init__() call")
            object.__setattr__(self, name, value)
            return
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            self._drop(name, keep=params)
            params[name] = value
        elif isinstance(value, Module):
            self._drop(name, keep=modules)
            modules[name] = value
        elif isinstance(value, _BufferMark):
            self._drop(name, keep=buffers)
            self.register_buffer(name, value.tensor, persistent=value.persistent)
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (torch.nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name, keep=None):
        # the table about to receive `name` keeps its entry, so re-assigning model[1] or
        # self.fc keeps its place in state_dict order, as in PyTorch
        d = self.__dict__
        d.pop(name, None)
        for table in (d["_parameters"], d["_modules"], d["_buffers"]):
            if table is not keep:
                table.pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            t = d.get(table)
            if t is not None and name in t:
                return t[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'",
                             name=name, obj=self)

    def __delattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if name in d.get(table, {}):
                del d[table][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if "." in name or name == "":
            raise KeyError(f'parameter name can\'t contain "." or be empty, got "{name}"')
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (torch.nn.Parameter or None required)")
        self._drop(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not a parameter (e.g. BatchNorm's running mean)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if "." in name or name == "":
            raise KeyError(f'buffer name can\'t contain "." or be empty, got "{name}"')
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        self._drop(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if "." in name or name == "":
            raise KeyError(f'module name can\'t contain "." or be empty, got "{name}"')
        self._drop(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    # --- walking ----------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                           remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and m not in seen:
                seen.add(m)
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, table, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                else [(prefix, self)])
        for mprefix, m in mods:
            for name, v in getattr(m, table).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mprefix}.{name}" if mprefix else name), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{part}`")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return mod._parameters[name]

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on self, e.g. to initialise."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and moves --------------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0

    def _apply_arrays(self, fn):
        """Replace each parameter's and buffer's array by fn(array), keeping the objects."""
        for m in self.modules():
            for table in (m._parameters, m._buffers):
                for t in table.values():
                    if t is not None:
                        t._data = fn(t._data)
                        if t.grad is not None:
                            t.grad._data = fn(t.grad._data)
        return self

    def to(self, *args, **kwargs):
        """``module.to(device)``, ``module.to(dtype)`` or both; floats only change dtype."""
        dev, dt = kwargs.get("device"), kwargs.get("dtype")
        for a in args:
            if isinstance(a, dtypes.dtype):
                dt = a
            elif isinstance(a, Tensor):
                dev, dt = a.device, a.dtype
            elif isinstance(a, (str, backend.device)):
                dev = a
        if dt is not None and not dt.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dt}")
        if dev is not None:
            d = backend.device(dev)
            self._apply_arrays(lambda a: backend.to_device(a, d))
        if dt is not None:
            self._apply_arrays(lambda a: a.astype(dt.np) if a.dtype.kind == "f" else a)
        fmt = kwargs.get("memory_format")
        if fmt is not None:  # as PyTorch: only the 4-d and 5-d tensors (convolution weights)
            fmt = memory_formats.check(fmt)
            self._apply_arrays(lambda a: memory_formats.to(a, fmt) if a.ndim in (4, 5) else a)
        return self

    def share_memory(self):
        """Move every parameter, buffer and existing gradient into shared memory, in place, so
        that processes started afterwards train the very same numbers (Hogwild; see
        ``galton.multiprocessing``). Returns self."""
        for m in self.modules():
            for table in (m._parameters, m._buffers):
                for t in table.values():
                    if t is not None:
                        t.share_memory_()
                        if t.grad is not None:
                            t.grad.share_memory_()
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    # --- state --------------------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers by dotted name (``conv1.weight``), sharing memory."""
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else Tensor._wrap(p._data)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else Tensor._wrap(b._data)
        extra = getattr(type(self), "get_extra_state", None)
        if extra is not None:
            destination[prefix + "_extra_state"] = self.get_extra_state()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + ".",
                             keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy tensors from ``state_dict`` into this module's parameters and buffers.

        Shapes must match; with strict=True the keys must match exactly. Errors name each key.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            src = state_dict[key]
            if key.endswith("_extra_state"):
                continue
            arr = src._data if isinstance(src, Tensor) else np.asarray(src)
            if isinstance(target, _Uninitialized):  # a Lazy layer takes the checkpoint's shape
                target.materialize(arr.shape)
            if tuple(arr.shape) != tuple(target._data.shape):
                errors.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"galton.Size({list(arr.shape)}) from checkpoint, the shape in current model "
                    f"is galton.Size({list(target._data.shape)}).")
                continue
            if assign:
                target._data = arr
            else:
                target._data[...] = arr  # in place: optimizers keep pointing at the same tensors
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return _IncompatibleKeys(missing, unexpected)

    # --- printing -----------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {sub}")
        head = self._get_name() + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __deepcopy__(self, memo):
        """An independent copy with its own parameters (``copy.deepcopy(layer)``)."""
        import copy
        new = object.__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            new.__dict__[k] = copy.deepcopy(v, memo)
        return new

    def __getstate__(self):
        raise TypeError("galton modules are not pickled; save model.state_dict() with galton.save")
