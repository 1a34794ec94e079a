"""``galton.backends.mkldnn``: oneDNN's switches. galton's CPU kernels are NumPy's, not
oneDNN's; the switches are kept so that programs that set them run unchanged."""
import sys

from . import _flags

enabled = True
deterministic = False


def is_available():
    return True


def flags(enabled=False, deterministic=False):
    return _flags.set_flags(sys.modules[__name__], enabled=enabled, deterministic=deterministic)
