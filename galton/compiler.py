"""``galton.compile`` and ``galton.compiler``: PyTorch's compiler entry points, galton's fusion.

``galton.compile(model)`` returns an ``OptimizedModule`` (``galton/jit/compiled.py``): per
input signature it traces the forward pass once and runs it afterwards as fused ops -- Linear
+ activation, Conv2d + bias + ReLU (+ 2x2 max-pool), chains of elementwise ops -- each one
autograd node whose backward is fused too (``galton/jit/fused.py``, ``eltwise.py``). What
cannot be traced runs eagerly (a graph break, see ``compile_report()``; ``report=True``
prints each compilation and break as it happens). A plain function is compiled the same way.
PyTorch's keyword arguments are accepted: ``fullgraph=True`` makes a graph break an error,
``disable=True`` returns the model itself; ``mode``, ``dynamic``, ``backend`` and ``options``
are checked and otherwise ignored (galton has one compiler).
"""
import functools

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,  # noqa: A001
            options=None, disable=False, report=False, **kwargs):
    """Compile ``model`` (a Module or a function) with galton's fusion; with no model, a
    decorator that does so.

    >>> cmodel = galton.compile(model)            # train or evaluate cmodel like model
    >>> cmodel.compile_report()["fused"]          # what was fused, per input signature
    """
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable, report=report,
                                  **kwargs)
    if not callable(model):
        raise RuntimeError("Invalid model type: compile needs a callable (a Module or function)")
    if disable:
        return model
    from .jit.compiled import OptimizedModule, _FunctionModule
    from .nn import Module
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph=fullgraph, report=report)
    compiled = OptimizedModule(_FunctionModule(model), fullgraph=fullgraph, report=report)

    @functools.wraps(model)
    def run(*args, **kw):
        return compiled(*args, **kw)
    run._galton_compiled = compiled  # compile_report() of a compiled function
    return run


def disable(fn=None, recursive=True, *, reason=None):
    """``@galton.compiler.disable``: galton compiles whole modules, so the function is
    returned as it is."""
    return (lambda f: f) if fn is None else fn


def is_compiling():
    """True while ``galton.compile`` traces a forward pass."""
    import sys
    trace = sys.modules.get("galton.jit.trace")
    return trace is not None and trace._active is not None


def is_dynamo_compiling():
    return is_compiling()


def reset():
    """Forget every compiled signature of every compiled model."""
    from .jit.compiled import reset_all
    reset_all()


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn
