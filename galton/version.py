"""``galton.version``: galton's version and, as ``torch.version``, the toolkits it was built
with (none: galton is pure Python; CUDA, when used, comes from CuPy at run time)."""
from ._version import TorchVersion

__version__ = TorchVersion("0.1.0")
cuda = None
hip = None
xpu = None
debug = False
git_version = "unknown"

__all__ = ["__version__", "cuda", "hip", "xpu", "debug", "git_version"]
