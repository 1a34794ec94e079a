"""What ``galton run`` prints when a program stops with an exception.

Two kinds of stop are told apart:

- The program reached a torch API galton lacks: a torch module galton does not have, a name
  missing from one of galton's modules, classes or tensors, or a ``NotImplementedError`` raised
  inside galton. One line names the torch API and the program's file:line; exit status 3.
- Anything else (the program's own errors, and galton's errors about the program's input): the
  traceback Python would print, with galton's frames left out, as PyTorch's C++ frames never
  show in a PyTorch traceback; exit status 1. ``GALTON_DEBUG=1`` keeps every frame.
"""
import os
import re
import sys
import traceback
import types

from ._hook import to_galton, to_torch

__all__ = ["EXIT_MISSING_API", "missing_api", "print_exception", "report"]

EXIT_MISSING_API = 3
EXIT_ERROR = 1

_GALTON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_CANNOT_IMPORT = re.compile(r"cannot import name '([^']+)' from '([^']+)'")


def _is_galton(filename):
    return os.path.abspath(filename).startswith(_GALTON_DIR)


def _is_hidden(filename):
    # galton's own frames and the import machinery's (<frozen importlib._bootstrap>)
    return filename.startswith("<frozen ") or _is_galton(filename)


def _frames(tb):
    """The traceback's frames, outermost first, as (frame, line number)."""
    out = []
    while tb is not None:
        out.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return out


def _program_site(frames):
    """(file, line) of the innermost frame that is not galton's or importlib's, or None."""
    for frame, line in reversed(frames):
        if not _is_hidden(frame.f_code.co_filename):
            return frame.f_code.co_filename, line
    return None


def public_name(obj):
    """The torch name a program knows a galton module or class by (``torch.nn.LSTM``)."""
    if isinstance(obj, types.ModuleType):
        return to_torch(obj.__name__)
    parts = obj.__module__.split(".")
    # the shortest package path that exports the class (galton.nn.rnn.LSTM -> galton.nn.LSTM)
    for n in range(1, len(parts) + 1):
        mod = sys.modules.get(".".join(parts[:n]))
        if mod is not None and getattr(mod, obj.__name__, None) is obj:
            return to_torch(".".join(parts[:n])) + "." + obj.__name__
    return to_torch(obj.__module__) + "." + obj.__qualname__


def _galton_owner(obj):
    """The galton module or class that should have had the attribute, or None."""
    if isinstance(obj, types.ModuleType):
        return obj if obj.__name__.split(".")[0] == "galton" else None
    cls = obj if isinstance(obj, type) else type(obj)
    # a program's subclass (class Net(nn.Module)) lacks what its galton base lacks
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] == "galton":
            return klass
    return None


def missing_api(exc):
    """(what is missing, (file, line)) when ``exc`` means "galton lacks a torch API" and the
    program is where it was reached; None for any other exception.

    >>> missing_api(exc)
    ('torch.accelerator is not in galton', ('main.py', 76))
    """
    frames = _frames(exc.__traceback__)
    site = _program_site(frames)
    if site is None:
        return None
    if isinstance(exc, ModuleNotFoundError):
        if exc.name and to_galton(exc.name) is not None:
            return f"{exc.name} is not in galton", site
        return None
    if isinstance(exc, ImportError):  # from torchvision.utils import save_image
        m = _CANNOT_IMPORT.search(str(exc))
        if m and m.group(2).split(".")[0] == "galton":
            return f"{to_torch(m.group(2))}.{m.group(1)} is not in galton", site
        return None
    if isinstance(exc, AttributeError):
        # the lookup happened in the program, not in galton (that would be galton's bug):
        # the innermost frame, once galton's __getattr__ hooks are stepped over
        inner = [(f, n) for f, n in frames if f.f_code.co_name not in ("__getattr__",
                                                                      "__getattribute__")]
        if not inner or _is_hidden(inner[-1][0].f_code.co_filename):
            return None
        owner = _galton_owner(getattr(exc, "obj", None)) if getattr(exc, "obj", None) \
            is not None else None
        if owner is None or not exc.name:
            return None
        return f"{public_name(owner)}.{exc.name} is not in galton", site
    if isinstance(exc, NotImplementedError) and frames and \
            _is_galton(frames[-1][0].f_code.co_filename):
        what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"not in galton: {what}", site
    return None


def print_exception(exc, file=None):
    """Python's traceback of ``exc`` without galton's and importlib's frames."""
    file = sys.stderr if file is None else file
    te = traceback.TracebackException.from_exception(exc)
    if os.environ.get("GALTON_DEBUG", "") in ("", "0"):
        node, seen = te, set()
        while node is not None and id(node) not in seen:
            seen.add(id(node))
            node.stack = traceback.StackSummary.from_list(
                [f for f in node.stack if not _is_hidden(f.filename)])
            node = node.__cause__ or (None if node.__suppress_context__ else node.__context__)
    print("".join(te.format()), end="", file=file, flush=True)


def report(exc, file=None):
    """Print what ``exc`` means for the program; return the exit status."""
    file = sys.stderr if file is None else file
    found = missing_api(exc) if os.environ.get("GALTON_DEBUG", "") in ("", "0") else None
    if found is not None:
        what, (filename, line) = found
        print(f"galton run: {filename}:{line}: {what} (GALTON_DEBUG=1 shows the traceback)",
              file=file, flush=True)
        return EXIT_MISSING_API
    print_exception(exc, file)
    return EXIT_ERROR
