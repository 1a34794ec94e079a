"""``DataParallel``: PyTorch splits each batch across the visible GPUs, runs a replica of the
module on each and gathers the outputs. galton uses one device per process (the CPU, or one
GPU through CuPy), which is PyTorch's case with no GPU or a single one: the wrapper calls the
module directly. What programs see is kept: ``.module``, ``device_ids``, the ``module.``
prefix of every ``state_dict`` key, and the repr."""
from ..module import Module

__all__ = ["DataParallel", "data_parallel"]


def _devices(device_ids):
    from ... import cuda
    if not cuda.is_available():
        return []
    if device_ids is None:
        return list(range(cuda.device_count()))
    return [d if isinstance(d, int) else (d.index or 0) for d in device_ids]


class DataParallel(Module):
    """Wrap ``module`` as ``torch.nn.DataParallel`` does; ``forward`` runs it on the one device.

    >>> model = nn.DataParallel(Net())        # model.module is the Net
    >>> model(x)                              # the same as Net()(x)
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = _devices(device_ids)
        if not self.device_ids:  # as PyTorch without GPUs: no output device, no dim
            return
        self.dim = dim
        self.output_device = self.device_ids[0] if output_device is None else output_device

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The function form: ``module(*inputs, **module_kwargs)`` on the one device."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
