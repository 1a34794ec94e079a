"""``SyncBatchNorm``: batch normalisation whose statistics are those of the whole batch across
every process (each holds a shard), as ``torch.nn.SyncBatchNorm``.

Per channel, each rank sums x and x² over its shard; one all-reduce makes the sums global,
and the rest is BatchNorm's formula from the global mean and variance. The all-reduce is a
differentiable op (its backward all-reduces the incoming gradient: every rank's loss depends
on every rank's sums), so autograd carries the gradient across ranks with no hand-written
backward. In eval mode, or outside a process group, it is plain BatchNorm."""
from ...autograd.function import Function
from ..functional import normalization as F
from ..normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class _AllReduceSum(Function):
    @staticmethod
    def forward(ctx, x, group):
        from ... import distributed as dist
        ctx.group = group
        y = x.clone()
        dist.all_reduce(y, group=group)
        return y

    @staticmethod
    def backward(ctx, grad):
        from ... import distributed as dist
        g = grad.clone()
        dist.all_reduce(g, group=ctx.group)
        return g, None


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over the batch of every rank of ``process_group`` (N, C, ...) inputs.

    >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d replaced
    """

    _ndims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, input):
        from ... import distributed as dist
        if not (self.training and dist.is_initialized()):
            return super().forward(input)
        nd = input._data.ndim
        if nd < 2:
            raise ValueError(f"expected at least 2D input (got {nd}D input)")
        self._check_channels(input)
        import galton
        dims = [0] + list(range(2, nd))
        count = galton.tensor([float(input._data.size // self.num_features)],
                              dtype=galton.float64)
        dist.all_reduce(count, group=self.process_group)
        n = float(count.item())
        sums = galton.cat([input.sum(dims), (input * input).sum(dims)])
        sums = _AllReduceSum.apply(sums, self.process_group)
        mean = sums[:self.num_features] / n
        var = sums[self.num_features:] / n - mean * mean
        shape = (1, self.num_features) + (1,) * (nd - 2)
        y = (input - mean.reshape(shape)) / (var.reshape(shape) + self.eps).sqrt()
        if self.affine:
            y = y * self.weight.reshape(shape)
            if self.bias is not None:
                y = y + self.bias.reshape(shape)
        if self.track_running_stats:
            self._update_running(mean.detach(), var.detach(), n)
        return y

    def _update_running(self, mean, var, n):
        self.num_batches_tracked._data += 1
        m = 1.0 / float(self.num_batches_tracked._data) if self.momentum is None \
            else self.momentum
        unbiased = var._data * (n / max(n - 1, 1))
        rm, rv = self.running_mean._data, self.running_var._data
        rm[...] = (1 - m) * rm + m * mean._data.astype(rm.dtype)
        rv[...] = (1 - m) * rv + m * unbiased.astype(rv.dtype)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every BatchNorm*d replaced by a SyncBatchNorm holding its state."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
