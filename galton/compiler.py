"""``galton.compile`` and ``galton.compiler``: PyTorch's compiler entry points.

galton runs every model eagerly; ``galton.compile(model)`` returns ``model`` itself (and
``@galton.compile`` / ``@galton.compile(mode=...)`` leave the function as it is), so programs
that compile their model run unchanged, at eager speed. The keyword arguments PyTorch takes are
accepted and checked for type, then ignored.
"""

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,  # noqa: A001
            options=None, disable=False, **kwargs):
    """Return ``model`` unchanged (galton has no graph compiler yet); with no model, a
    decorator that does the same."""
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                  mode=mode, options=options, disable=disable, **kwargs)
    if not callable(model):
        raise RuntimeError("Invalid model type: compile needs a callable (a Module or function)")
    return model


def disable(fn=None, recursive=True, *, reason=None):
    """``@galton.compiler.disable``: nothing is compiled, so the function is returned."""
    return (lambda f: f) if fn is None else fn


def is_compiling():
    return False


def is_dynamo_compiling():
    return False


def reset():
    return None


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn
