"""How galton's functions see a ``Proxy``: PyTorch's functions hand a Proxy argument to
``Proxy.__torch_function__``; galton's functions have no such hook, so importing ``galton.fx``
replaces the public functions of galton's namespaces (``torch.*``, ``torch.nn.functional.*``,
``torch.special.*``, ``torch.linalg.*``, ``torch.fft.*``) with thin wrappers that record a
``call_function`` node when an argument holds a Proxy, and otherwise call the function itself.

This must outlive ``symbolic_trace``: Proxies are also used by hand, outside any trace
(``torch.cat([Proxy(a), Proxy(b)])`` on a ``GraphAppendingTracer``, a traced GraphModule
called on a Proxy to inline it). While no Proxy is alive the wrappers cost one dict
lookup. Module-level names imported before ``galton.fx`` (``from torch import cat``) keep the
original functions, as they would keep anything else.
"""
import functools
import importlib
import sys
import types
import weakref

from . import _functional_calls

__all__ = ["install", "torch_name", "proxy_born"]

# "proxies": whether a Proxy is alive now; only then do the wrappers look at their arguments
_state = {"proxies": False, "installed": False, "live": 0}
# wrapper (or original function) -> "torch.cat"
_names = {}
# functions that answer questions about a Python object rather than compute on a tensor
_SKIP = {"is_tensor", "is_storage", "typename", "set_default_dtype", "get_default_dtype",
         "manual_seed", "seed", "compile", "load", "save"}
_NAMESPACES = (("galton", "torch"), ("galton.nn.functional", "torch.nn.functional"),
               ("galton.special", "torch.special"), ("galton.linalg", "torch.linalg"),
               ("galton.fft", "torch.fft"), ("galton.ops.profiler", "torch.ops.profiler"))
# operator namespaces whose public names begin with an underscore
_UNDERSCORE_OK = {"galton.ops.profiler"}
# and single such functions of the others
_UNDERSCORE_NAMES = {"_assert"}


def proxy_born(proxy):
    """Count ``proxy`` as alive until it is collected (a trace's Proxies go with it, and the
    wrappers are back to one test per call)."""
    _state["live"] += 1
    _state["proxies"] = True
    weakref.finalize(proxy, _proxy_died)


def _proxy_died():
    _state["live"] -= 1
    if _state["live"] <= 0:
        _state["live"] = 0
        _state["proxies"] = False


def register(fn, name):
    """Name ``fn`` (a galton function called by generated code) as PyTorch's ``name``."""
    _names[fn] = name
    return fn


def torch_name(fn):
    """``torch.cat`` for galton's cat (wrapped or not), None for functions outside galton."""
    try:
        return _names.get(fn)
    except TypeError:  # unhashable callables
        return None


def _find_proxy(args, kwargs):
    from .proxy import Proxy
    stack = list(args) + list(kwargs.values())
    while stack:
        a = stack.pop()
        if isinstance(a, Proxy):
            return a
        if isinstance(a, (tuple, list)):
            stack.extend(a)
        elif isinstance(a, dict):
            stack.extend(a.values())
        elif isinstance(a, slice):
            stack.extend((a.start, a.stop, a.step))
    return None


# The wrapper is one more frame between a caller and the function, and galton's functions
# warn with fixed stacklevels (F.softmax's "Implicit dimension" names the caller's line).
# CPython's warnings skip, when counting stacklevel, frames whose file name holds both
# "importlib" and "_bootstrap" (the import system's own frames); the wrapper's code is compiled
# under such a name, so warnings still name the user's line. The name starts with this file's
# path, so that `galton run` leaves the frame out of tracebacks with galton's other frames.
_FRAME_FILE = __file__ + " (a dispatch frame, skipped by warnings as importlib._bootstrap's)"
_WRAPPER_SRC = """
def make(fn, find, state, normalise):
    def wrapper(*args, **kwargs):
        if state["proxies"]:
            proxy = find(args, kwargs)
            if proxy is not None:
                if normalise is not None:
                    args, kwargs = normalise(args, kwargs)
                return proxy.tracer.create_proxy("call_function", wrapper, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper
"""
_namespace = {}
exec(compile(_WRAPPER_SRC, _FRAME_FILE, "exec"), _namespace)
_make = _namespace["make"]


def _make_wrapper(fn, name, torch_prefix):
    normalise = None
    if torch_prefix == "torch.nn.functional" and name in _functional_calls.TABLE:
        normalise = functools.partial(_functional_calls.normalise, name)
    wrapper = functools.update_wrapper(_make(fn, _find_proxy, _state, normalise), fn)
    # the public name (torch.arctan's node is "arctan" even where galton's arctan is atan)
    wrapper.__name__ = name
    wrapper._fx_original = fn
    return wrapper


def install():
    """Wrap the public functions of galton's namespaces once."""
    if _state["installed"]:
        return
    _state["installed"] = True
    done = {}  # id(original) -> wrapper, so that aliases (torch.absolute is torch.abs) stay one
    for module_name, torch_prefix in _NAMESPACES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in list(vars(module)):
            fn = vars(module).get(name)
            if not isinstance(fn, (types.FunctionType, types.BuiltinFunctionType)) \
                    or name in _SKIP or name.startswith("__") \
                    or (name.startswith("_") and module_name not in _UNDERSCORE_OK
                        and name not in _UNDERSCORE_NAMES):
                continue
            if getattr(fn, "_fx_original", None) is not None:
                continue
            wrapper = done.get(id(fn))
            if wrapper is None:
                wrapper = done[id(fn)] = _make_wrapper(fn, name, torch_prefix)
                _names[wrapper] = f"{torch_prefix}.{name}"
                _names.setdefault(fn, f"{torch_prefix}.{name}")
            setattr(module, name, wrapper)
    # nn.functional's family modules (conv, pooling, ...) hold the same functions, which the
    # layers call through them: they get the same wrappers, so that a function is one object
    # wherever galton (and galton.compile's own tracer) looks it up
    prefix = "galton.nn.functional."
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(prefix):
            continue
        for name, fn in list(vars(module).items()):
            wrapper = done.get(id(fn))
            if wrapper is not None and wrapper._fx_original is fn:
                setattr(module, name, wrapper)
