"""The import hook: ``import torch`` gives galton, ``import torchvision`` gives galton.vision.

A finder at the front of ``sys.meta_path`` answers for the names ``torch``, ``torchvision``
and everything under them. It imports the galton module of the translated name and hands that
very module object back, so ``torch.nn is sys.modules["torch.nn"] is galton.nn``: a program
sees one set of classes whichever name it imported them by. A torch module galton does not
have is a plain ``ModuleNotFoundError`` naming the torch module, which the program may catch
(``try: import torch.backends.mps``) and which ``galton run`` otherwise reports in one line.
"""
import importlib
import importlib.abc
import importlib.machinery
import sys

__all__ = ["ALIASES", "TorchFinder", "install", "uninstall", "to_galton", "to_torch"]

# torch's top-level names -> galton's packages; the longest prefix wins in to_torch
ALIASES = {"torch": "galton", "torchvision": "galton.vision"}


def to_galton(name):
    """The galton module name behind a torch module name, or None if it is not torch's."""
    for torch_name, galton_name in ALIASES.items():
        if name == torch_name or name.startswith(torch_name + "."):
            return galton_name + name[len(torch_name):]
    return None


def to_torch(name):
    """The torch name a program would use for a galton name (``galton.vision.utils`` ->
    ``torchvision.utils``); names outside galton come back unchanged."""
    best = None
    for torch_name, galton_name in ALIASES.items():
        if name == galton_name or name.startswith(galton_name + "."):
            if best is None or len(galton_name) > len(best[1]):
                best = (torch_name, galton_name)
    if best is None:
        return name
    return best[0] + name[len(best[1]):]


class _Existing(importlib.abc.Loader):
    """A loader whose module is an already imported galton module."""

    def __init__(self, module):
        self.module = module
        self.spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        """Nothing to run: the galton module was executed when galton imported it. The import
        system has just set ``__spec__`` to the torch name's spec; galton's own relative
        imports want the galton one back."""
        module.__spec__ = self.spec


class TorchFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch``/``torchvision`` module names to galton's modules."""

    def find_spec(self, fullname, path=None, target=None):
        galton_name = to_galton(fullname)
        if galton_name is None:
            return None
        try:
            module = importlib.import_module(galton_name)
        except ModuleNotFoundError as exc:
            # only "galton lacks this module" becomes "no module named torch.x"; a galton
            # module that fails to import something else is a real error and propagates
            if exc.name is not None and (galton_name == exc.name or
                                         galton_name.startswith(exc.name + ".")):
                return None
            raise
        is_package = hasattr(module, "__path__")
        spec = importlib.machinery.ModuleSpec(fullname, _Existing(module),
                                              is_package=is_package)
        if is_package:
            spec.submodule_search_locations = list(module.__path__)
        return spec


_finder = TorchFinder()


def install():
    """Put the finder first on ``sys.meta_path``, so it wins over an installed PyTorch.

    Torch modules imported before (a test process that also imports the real PyTorch) would
    shadow the hook; they leave ``sys.modules`` and are returned, for ``uninstall`` to put back.
    """
    displaced = {n: m for n, m in sys.modules.items() if to_galton(n) is not None}
    for name in displaced:
        del sys.modules[name]
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return displaced


def uninstall(displaced=None):
    """Remove the finder, forget the torch names it gave out, restore ``displaced``."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if to_galton(n) is not None]:
        del sys.modules[name]
    sys.modules.update(displaced or {})
