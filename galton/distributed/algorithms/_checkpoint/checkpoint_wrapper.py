"""Wrapping submodules so that their activations are recomputed in backward, as
``torch.distributed.algorithms._checkpoint.checkpoint_wrapper``:

    apply_activation_checkpointing(model, check_fn=lambda m: isinstance(m, Block))

replaces each matching submodule by ``CheckpointWrapper(submodule)``, whose forward runs the
submodule under ``galton.utils.checkpoint.checkpoint``. The wrapper is invisible in names: its
parameters and state-dict keys are those of the module it wraps (PyTorch strips the
``_checkpoint_wrapped_module.`` level the same way), so checkpoints load into wrapped and
unwrapped models alike.
"""
import enum
from collections import OrderedDict
from functools import partial

from ....nn.module import Module
from ....utils.checkpoint import checkpoint as _checkpoint

__all__ = ["CheckpointImpl", "ActivationWrapper", "CheckpointWrapper", "checkpoint_wrapper",
           "apply_activation_checkpointing"]

_CHECKPOINT_WRAPPED_MODULE = "_checkpoint_wrapped_module"
_CHECKPOINT_PREFIX = _CHECKPOINT_WRAPPED_MODULE + "."


class CheckpointImpl(enum.Enum):
    REENTRANT = enum.auto()
    NO_REENTRANT = enum.auto()


class ActivationWrapper(Module):
    """A module around another one that forwards attribute and index lookups to it and hides
    its own level from parameter names and state-dict keys."""

    def __init__(self, mod):
        super().__init__()
        self._checkpoint_wrapped_module = mod

    def forward(self, *args, **kwargs):
        raise ValueError("Subclasses should implement forward().")

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._checkpoint_wrapped_module, name)

    def __getitem__(self, key):
        return self._checkpoint_wrapped_module.__getitem__(key)

    def named_parameters(self, *args, **kwargs):
        for name, p in super().named_parameters(*args, **kwargs):
            yield name.replace(_CHECKPOINT_PREFIX, ""), p

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        # the wrapped module's entries under this module's own prefix, as PyTorch's
        # post-state-dict hook leaves them
        if destination is None:
            destination = OrderedDict()
        self._checkpoint_wrapped_module.state_dict(destination=destination, prefix=prefix,
                                                   keep_vars=keep_vars)
        return destination


class CheckpointWrapper(ActivationWrapper):
    """Runs the wrapped module under ``checkpoint`` (``use_reentrant`` from ``checkpoint_impl``)
    or under ``checkpoint_fn`` with ``checkpoint_fn_kwargs``."""

    def __init__(self, mod, checkpoint_impl=CheckpointImpl.NO_REENTRANT, checkpoint_fn=None,
                 **checkpoint_fn_kwargs):
        super().__init__(mod)
        self.checkpoint_impl = checkpoint_impl
        if checkpoint_fn is None:
            self.checkpoint_fn = partial(
                _checkpoint, use_reentrant=checkpoint_impl == CheckpointImpl.REENTRANT,
                **checkpoint_fn_kwargs)
        else:
            self.checkpoint_fn = partial(checkpoint_fn, **checkpoint_fn_kwargs)

    def forward(self, *args, **kwargs):
        return self.checkpoint_fn(self._checkpoint_wrapped_module, *args, **kwargs)


def checkpoint_wrapper(module, checkpoint_impl=CheckpointImpl.NO_REENTRANT, checkpoint_fn=None,
                       **checkpoint_fn_kwargs):
    """``module`` wrapped so that its forward is checkpointed."""
    return CheckpointWrapper(module, checkpoint_impl, checkpoint_fn, **checkpoint_fn_kwargs)


def _recursive_wrap(module, policy, wrapper, only_children):
    # FSDP's wrapping walk, which PyTorch reuses here: children first; a module is wrapped when
    # the policy says so for it (recurse=False), given the parameters no wrapped child holds
    numel = sum(p.numel() for p in module.parameters())
    if not policy(module=module, recurse=True, nonwrapped_numel=numel):
        return module, 0
    wrapped = 0
    for name, child in list(module.named_children()):
        new_child, n = _recursive_wrap(child, policy, wrapper, False)
        setattr(module, name, new_child)
        wrapped += n
    if not only_children and policy(module=module, recurse=False,
                                    nonwrapped_numel=numel - wrapped):
        return wrapper(module), numel
    return module, wrapped


def _lambda_policy(module, recurse, nonwrapped_numel, lambda_fn):
    return True if recurse else lambda_fn(module)


def apply_activation_checkpointing(model, checkpoint_wrapper_fn=checkpoint_wrapper,
                                   check_fn=lambda _: True, auto_wrap_policy=None):
    """Wrap, in place, each submodule of ``model`` (not ``model`` itself) for which
    ``check_fn(submodule)`` is true, or which ``auto_wrap_policy(module=, recurse=,
    nonwrapped_numel=)`` picks, with ``checkpoint_wrapper_fn``."""
    policy = auto_wrap_policy if auto_wrap_policy is not None else partial(
        _lambda_policy, lambda_fn=check_fn)
    if not callable(policy):
        # PyTorch also takes FSDP's policy objects; galton has no FSDP
        raise ValueError(f"Expected {policy} to be callable or be a pre-defined wrap policy")
    _recursive_wrap(model, policy, checkpoint_wrapper_fn, True)
