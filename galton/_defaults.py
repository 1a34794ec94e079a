"""The default device, as ``torch.set_default_device``: where factory functions (``zeros``,
``randn``, ``tensor``, ...) put a tensor when no ``device=`` is given."""
from . import backend

_device = None  # None: the CPU


def set_default_device(device):
    """``set_default_device('cuda')`` sends new tensors to the GPU (without one, making a
    tensor then fails, as in CPU-only PyTorch); ``None`` or ``'cpu'`` brings them back."""
    global _device
    d = None if device is None else backend.device(device)
    _device = None if d is None or d.type == "cpu" else d


def get_default_device():
    if _device is None:
        return backend.device("cpu")
    from . import cuda
    if not cuda.is_available():  # what CPU-only PyTorch answers after set_default_device('cuda')
        raise AssertionError("Torch not compiled with CUDA enabled")
    return _device
