"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(block, x, use_reentrant=True)`` runs ``block`` without recording its graph, keeps
only its inputs, and runs it again during backward to get the gradients; the random state is
put back for the rerun, so dropout draws the same mask. With ``use_reentrant=False`` galton
runs the block once with its graph recorded: the gradients are the same, no memory is saved.
"""
import warnings

from ..autograd import Function, backward
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Recompute(Function):
    """Forward without a graph; backward reruns the function with one and backpropagates."""

    @staticmethod
    def forward(ctx, run, preserve_rng_state, *args):
        from .. import random
        ctx.run, ctx.rng = run, random.get_rng_state() if preserve_rng_state else None
        ctx.tensor_at = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = list(args)
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_at])
        return run(*args)

    @staticmethod
    def backward(ctx, *grads):
        from .. import random
        args = list(ctx.others)
        inputs = []
        for i, t in zip(ctx.tensor_at, ctx.saved_tensors):
            args[i] = t.detach().requires_grad_(t.requires_grad)
            inputs.append(args[i])
        outer = random.get_rng_state()
        if ctx.rng is not None:
            random.set_rng_state(ctx.rng)
        try:
            with enable_grad():
                outputs = ctx.run(*args)
        finally:
            random.set_rng_state(outer)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:  # parameters inside the block get their .grad here, as in PyTorch
            backward([o for o, _ in pairs], [g for _, g in pairs])
        in_grads = [a.grad if isinstance(a, Tensor) else None for a in args]
        return (None, None, *in_grads)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, its activations recomputed in backward (see the module
    docstring). Gradients equal those of a plain call."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly. Starting in PyTorch 2.9, calling checkpoint without "
                      "use_reentrant will raise an exception. use_reentrant=False is "
                      "recommended, but if you need to preserve the current default behavior, "
                      "you can pass use_reentrant=True. Refer to docs for more details on the "
                      "differences between the two variants.", stacklevel=2)
        use_reentrant = True
    if not use_reentrant:
        return function(*args, **kwargs)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if context_fn is not None or debug is not False:
        raise ValueError("Passing `context_fn` or `debug` is only supported when "
                         "use_reentrant=False.")
    if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)
    return _Recompute.apply(function, preserve_rng_state, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a Sequential (or list of modules) in ``segments`` pieces, each checkpointed but the
    last."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter "
                      "should be passed explicitly. In version 2.9 we will raise an exception "
                      "if use_reentrant is not passed. use_reentrant=False is recommended, but "
                      "if you need to preserve the current default behavior, you can pass "
                      "use_reentrant=True. Refer to docs for more details on the differences "
                      "between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
