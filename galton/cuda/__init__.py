"""``galton.cuda``: the ``torch.cuda`` namespace.

Without a GPU (no CuPy, or no device) every function answers what PyTorch's CPU-only build
answers: ``is_available()`` is False, ``device_count()`` 0, the memory counters 0, the seeding
functions do nothing, and what needs a device raises PyTorch's own error (an
``AssertionError('Torch not compiled with CUDA enabled')`` for most). So a program written for
a GPU (``device = 'cuda' if torch.cuda.is_available() else 'cpu'``) runs on the CPU exactly as
under CPU-only PyTorch. With CuPy and an NVIDIA GPU the same names reach the device through
CuPy (galton/backend.py): its memory pool, its events, its device selection.
"""
import collections

from .. import backend
from .._legacy_tensors import CUDA as _TYPED
from . import amp  # noqa: F401
from . import nccl  # noqa: F401

globals().update(_TYPED)  # FloatTensor, LongTensor, ...: the CUDA typed tensor classes


def __getattr__(name):  # BFloat16Tensor: made on first use (it needs ml_dtypes)
    if name == "BFloat16Tensor":
        try:
            return _TYPED[name]
        except KeyError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_NOT_COMPILED = "Torch not compiled with CUDA enabled"
_available = None  # cached: a failed `import cupy` costs a search of sys.path every time
_peak = {"allocated": 0, "reserved": 0}


def is_available():
    """Whether a CUDA device is usable (CuPy installed and a GPU visible)."""
    global _available
    if _available is None:
        _available = backend.cuda_available()
    return _available


def _is_compiled():
    return is_available()


def _cupy():
    """CuPy, or PyTorch's CPU-build AssertionError."""
    if not is_available():
        raise AssertionError(_NOT_COMPILED)
    return backend.cupy_module()


def is_initialized():
    return is_available() and backend._cupy is not None


def init():
    _cupy()


def device_count():
    return _cupy().cuda.runtime.getDeviceCount() if is_available() else 0


def _index(device):
    """A device given as None, an int, 'cuda:1' or a galton.device -> its index."""
    if device is None:
        return current_device()
    if isinstance(device, int):
        return device
    d = backend.device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return 0 if d.index is None else d.index


def current_device():
    return _cupy().cuda.runtime.getDevice()


def set_device(device):
    """Select the current GPU (``set_device(0)``, ``set_device('cuda:1')``)."""
    if not isinstance(device, int) and device is not None:
        d = backend.device(device)
        if d.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {d}")
    if not is_available():  # what the CPU build of PyTorch 2.13 raises
        raise AttributeError("module 'torch._C' has no attribute '_cuda_setDevice'")
    if device is not None:
        _cupy().cuda.Device(_index(device)).use()


def get_device_properties(device=None):
    return _cupy().cuda.runtime.getDeviceProperties(_index(device))


def get_device_name(device=None):
    name = get_device_properties(device)["name"]
    return name.decode() if isinstance(name, bytes) else name


def get_device_capability(device=None):
    p = get_device_properties(device)
    return p["major"], p["minor"]


def get_arch_list():
    return [] if not is_available() else [f"sm_{''.join(map(str, get_device_capability()))}"]


def get_gencode_flags():
    return ""


def is_bf16_supported(including_emulation=True):
    return is_available() and get_device_capability()[0] >= 8


def is_tf32_supported():
    return is_bf16_supported()


def synchronize(device=None):
    """Wait for every kernel queued on the GPU to finish (before timing, as in PyTorch)."""
    _cupy().cuda.runtime.deviceSynchronize()


def ipc_collect():
    _cupy()


def set_per_process_memory_fraction(fraction, device=None):
    cp = _cupy()
    total = cp.cuda.runtime.memGetInfo()[1]
    cp.get_default_memory_pool().set_limit(size=int(total * fraction))


# --- memory: CuPy's default memory pool stands for PyTorch's caching allocator ------------------
def _pool():
    return backend.cupy_module().get_default_memory_pool() if is_available() else None


def memory_allocated(device=None):
    """Bytes held by tensors now (0 without a GPU)."""
    pool = _pool()
    if pool is None:
        return 0
    used = pool.used_bytes()
    _peak["allocated"] = max(_peak["allocated"], used)
    return used


def max_memory_allocated(device=None):
    """The most bytes ``memory_allocated`` has reported since the last reset. CuPy keeps no
    peak counter, so on a GPU this is the peak galton has seen at these calls."""
    return max(_peak["allocated"], memory_allocated(device))


def memory_reserved(device=None):
    pool = _pool()
    if pool is None:
        return 0
    total = pool.total_bytes()
    _peak["reserved"] = max(_peak["reserved"], total)
    return total


def max_memory_reserved(device=None):
    return max(_peak["reserved"], memory_reserved(device))


memory_cached, max_memory_cached = memory_reserved, max_memory_reserved


def _reset(name):
    if not is_available():
        raise AttributeError(f"module 'torch._C' has no attribute '{name}'")
    _peak["allocated"] = memory_allocated()
    _peak["reserved"] = memory_reserved()


def reset_peak_memory_stats(device=None):
    _reset("_cuda_resetPeakMemoryStats")


def reset_max_memory_allocated(device=None):
    _reset("_cuda_resetPeakMemoryStats")


def reset_max_memory_cached(device=None):
    _reset("_cuda_resetPeakMemoryStats")


def reset_accumulated_memory_stats(device=None):
    _reset("_cuda_resetAccumulatedMemoryStats")


def empty_cache():
    """Give cached, unused GPU memory back to the driver (nothing to do without a GPU)."""
    pool = _pool()
    if pool is not None:
        pool.free_all_blocks()


def memory_stats(device=None):
    if not is_available():
        return collections.OrderedDict()
    return collections.OrderedDict([
        ("allocated_bytes.all.current", memory_allocated()),
        ("allocated_bytes.all.peak", max_memory_allocated()),
        ("reserved_bytes.all.current", memory_reserved()),
        ("reserved_bytes.all.peak", max_memory_reserved())])


def memory_summary(device=None, abbreviated=False):
    stats = memory_stats(device)
    if not stats:
        raise KeyError("allocated_bytes.all.current")
    return "\n".join(f"{k}: {v}" for k, v in stats.items())


def mem_get_info(device=None):
    """(free, total) bytes on the GPU."""
    return tuple(_cupy().cuda.runtime.memGetInfo())


# --- random: galton draws from one generator for every device -------------------------------
def manual_seed(seed):
    """Nothing to do: galton's one generator (``galton.manual_seed``) serves the GPU too."""
    return None


manual_seed_all = manual_seed


def seed():
    return None


seed_all = seed


def initial_seed():
    _cupy()
    from .. import random
    return random.initial_seed()


def get_rng_state(device="cuda"):
    _cupy()
    from .. import random
    return random.get_rng_state()


def get_rng_state_all():
    return [get_rng_state()] if is_available() else []


def set_rng_state(new_state, device="cuda"):
    return None


def set_rng_state_all(new_states):
    return None


# --- events, streams, device contexts ----------------------------------------------------------
class Event:
    """A point in the GPU's stream, for timing (``start.elapsed_time(end)`` in ms)."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        if not is_available():
            raise RuntimeError("Tried to instantiate dummy base class Event")
        self._event = backend.cupy_module().cuda.Event(block=blocking,
                                                       disable_timing=not enable_timing)

    def record(self, stream=None):
        self._event.record(None if stream is None else stream._stream)

    def synchronize(self):
        self._event.synchronize()

    def query(self):
        return self._event.done

    def wait(self, stream=None):
        (current_stream() if stream is None else stream)._stream.wait_event(self._event)

    def elapsed_time(self, end_event):
        return backend.cupy_module().cuda.get_elapsed_time(self._event, end_event._event)


class Stream:
    """A queue of GPU work (CuPy's stream)."""

    def __init__(self, device=None, priority=0, _stream=None):
        if not is_available():
            raise RuntimeError("torch.cuda.Stream requires CUDA support")
        cp = backend.cupy_module()
        self._stream = _stream if _stream is not None else cp.cuda.Stream(non_blocking=True)

    def synchronize(self):
        self._stream.synchronize()

    def wait_stream(self, other):
        self._stream.wait_event(other._stream.record())

    def record_event(self, event=None):
        event = event if event is not None else Event()
        event.record(self)
        return event

    def query(self):
        return self._stream.done

    def __enter__(self):
        self._stream.__enter__()
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)


def current_stream(device=None):
    cp = _cupy()
    return Stream(_stream=cp.cuda.get_current_stream())


def default_stream(device=None):
    cp = _cupy()
    return Stream(_stream=cp.cuda.Stream.null)


class stream:
    """``with galton.cuda.stream(s):`` runs the block's GPU work on ``s`` (None: no change)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        if self.stream is not None:
            self.stream.__enter__()
        return self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.__exit__(*exc)
        return False


class device:
    """``with galton.cuda.device(1):`` makes GPU 1 current inside the block."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device) if not isinstance(device, int) \
            else device
        self._prev = None

    def __enter__(self):
        if self.idx < 0:  # PyTorch compares the index with 0 before anything else
            return self
        if not is_available():
            raise RuntimeError("PyTorch was compiled without CUDA support")
        cp = backend.cupy_module()
        self._prev = cp.cuda.runtime.getDevice()
        cp.cuda.Device(self.idx).use()
        return self

    def __exit__(self, *exc):
        if self._prev is not None:
            backend.cupy_module().cuda.Device(self._prev).use()
        return False


class device_of(device):
    """``with galton.cuda.device_of(t):`` the device of tensor ``t`` (nothing for a CPU tensor)."""

    def __init__(self, obj):
        d = obj.device
        super().__init__((d.index or 0) if d.type == "cuda" else -1)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("collections", "backend")]
