"""``galton.backends.cudnn``: cuDNN's switches. galton never uses cuDNN: ``is_available()`` is
False as in CPU-only PyTorch, and ``deterministic`` / ``benchmark`` are kept but change nothing
(galton's kernels are deterministic)."""
import sys

from . import _flags

enabled = True
benchmark = False
benchmark_limit = None
deterministic = False
allow_tf32 = True
fp32_precision = "none"


def is_available():
    return False


def version():
    return None


def is_acceptable(tensor):
    return False


def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """``with cudnn.flags(enabled=False):`` sets the switches for a block."""
    return _flags.set_flags(sys.modules[__name__], enabled=enabled, benchmark=benchmark,
                            benchmark_limit=benchmark_limit, deterministic=deterministic,
                            allow_tf32=allow_tf32)


class _Conv:
    fp32_precision = "tf32"


class _RNN:
    fp32_precision = "tf32"


conv, rnn = _Conv(), _RNN()
