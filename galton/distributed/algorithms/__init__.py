"""``galton.distributed.algorithms``, as ``torch.distributed.algorithms``: activation
checkpointing applied to chosen submodules (``_checkpoint.checkpoint_wrapper``)."""
