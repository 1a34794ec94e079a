"""``torch.distributed.algorithms._checkpoint``: the checkpoint wrapper (the module name is
PyTorch's; programs import it from there)."""
