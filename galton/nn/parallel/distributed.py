"""``DistributedDataParallel``: one replica of the module per process; gradients averaged over
the processes during backward, so every replica takes the same optimizer step.

How it works (PyTorch's design, on galton's autograd): at construction rank 0's parameters and
buffers are broadcast, after checking that every rank holds the same shapes. The parameters
are cut into buckets of about ``bucket_cap_mb`` megabytes, in reverse order (the order
gradients arrive in backward). A hook on each parameter adds the gradient reaching it to a
pending sum and hands autograd zeros instead; when a bucket's parameters have all reported,
the bucket is flattened (``.grad`` so far + pending) and a non-blocking MPI all-reduce starts,
so communication overlaps the rest of backward. Buckets start in index order on every rank
(MPI collectives must be called in the same order everywhere). The last hook waits for the
buckets and writes the averages into ``.grad``. Inside ``no_sync()`` hooks step aside and
gradients accumulate locally; the next synchronised backward averages the accumulated sum.
"""
import contextlib

import numpy as np

from ..module import Module

__all__ = ["DistributedDataParallel"]


class _Bucket:
    __slots__ = ("params", "ready", "work", "flat")

    def __init__(self, params):
        self.params = params
        self.ready = 0
        self.work = None
        self.flat = None


class DistributedDataParallel(Module):
    """Data parallelism across processes, as ``torch.nn.parallel.DistributedDataParallel``.

    >>> dist.init_process_group("mpi")
    >>> model = DistributedDataParallel(Net())     # model.module is the Net
    >>> loss_fn(model(x_shard), y_shard).backward() # grads are now averaged over the ranks
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        from ... import distributed as dist
        from ...distributed.process_group import resolve
        self._pg = resolve(process_group)
        if self._pg is None:
            raise RuntimeError("DistributedDataParallel: this process is not in process_group")
        self.process_group = process_group
        self.module = module
        self.device_ids = device_ids
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        self.require_backward_grad_sync = True
        self.dim = dim
        self._dist = dist
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self._params = [p for _, p in named]
        self._check_shapes(module)
        for t in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(t, src=self._pg.ranks[0], group=process_group)
        self._buckets = self._make_buckets()
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._pending = {}
        self._next = 0
        self._left = 0
        self._syncing = False
        self._handles = [p.register_hook(self._hook_for(p)) for p in self._params]

    # --- construction ---------------------------------------------------------------------
    def _check_shapes(self, module):
        """Every rank must hold the same parameters and buffers: one clear error if not."""
        mine = [[n, list(t.shape), str(t.dtype)] for n, t in module.state_dict().items()]
        everyone = [None] * self._pg.size()
        self._dist.all_gather_object(everyone, mine, group=self.process_group)
        ref = everyone[0]
        for rank, theirs in enumerate(everyone):
            if theirs == ref:
                continue
            if len(theirs) != len(ref):
                raise RuntimeError(f"DistributedDataParallel: rank {self._pg.ranks[rank]} has "
                                   f"{len(theirs)} parameters and buffers, rank "
                                   f"{self._pg.ranks[0]} has {len(ref)}")
            for (n0, s0, d0), (n1, s1, d1) in zip(ref, theirs):
                if (n0, s0, d0) != (n1, s1, d1):
                    raise RuntimeError(
                        f"DistributedDataParallel: model mismatch across ranks: "
                        f"{n1} has shape {tuple(s1)} ({d1}) on rank {self._pg.ranks[rank]} but "
                        f"{n0} has shape {tuple(s0)} ({d0}) on rank {self._pg.ranks[0]}")

    def _make_buckets(self):
        cap = max(1, int(self.bucket_cap_mb * 1024 * 1024))
        buckets, current, size = [], [], 0
        for p in reversed(self._params):
            nbytes = p._data.nbytes
            if current and (size + nbytes > cap or p._data.dtype != current[0]._data.dtype):
                buckets.append(_Bucket(current))
                current, size = [], 0
            current.append(p)
            size += nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # --- forward --------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._syncing and self._left:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss. You can enable unused parameter detection by passing "
                "the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`")
        from ...autograd import is_grad_enabled
        # as PyTorch: a forward without gradients (evaluation under no_grad) neither syncs
        # buffers nor prepares a backward, so it cannot leave a reduction half done
        sync = self.require_backward_grad_sync and is_grad_enabled()
        if self.broadcast_buffers and sync:
            for b in self.module.buffers():
                self._dist.broadcast(b, src=self._pg.ranks[0], group=self.process_group)
        out = self.module(*inputs, **kwargs)
        self._syncing = sync
        if self._syncing:
            self._prepare(out)
        return out

    def _prepare(self, out):
        for b in self._buckets:
            b.ready, b.work, b.flat = 0, None, None
        self._pending.clear()
        self._next = 0
        self._left = len(self._params)
        if self.find_unused_parameters:
            used = _reachable_leaves(out)
            for p in self._params:
                if id(p) not in used:
                    self._mark_ready(p)

    # --- backward -------------------------------------------------------------------------
    def _hook_for(self, p):
        def hook(grad):
            if not self._syncing:
                return None  # no_sync(): autograd accumulates the local gradient
            key = id(p)
            first = key not in self._pending
            self._pending[key] = grad._data if first else self._pending[key] + grad._data
            zeros = grad._data * 0
            if first:
                self._mark_ready(p)
                if self._left == 0:
                    self._finish()
            return type(grad)._wrap(zeros)
        return hook

    def _mark_ready(self, p):
        bucket = self._bucket_of[id(p)]
        bucket.ready += 1
        self._left -= 1
        while self._next < len(self._buckets) and \
                self._buckets[self._next].ready == len(self._buckets[self._next].params):
            self._launch(self._buckets[self._next])
            self._next += 1

    def _launch(self, bucket):
        parts = []
        for p in bucket.params:
            g = self._pending.get(id(p))
            have = p.grad._data if p.grad is not None else None
            if g is None:
                g = np.zeros_like(p._data) if have is None else have
            elif have is not None:
                g = have + g
            parts.append(np.ascontiguousarray(g, dtype=p._data.dtype).ravel())
        bucket.flat = np.concatenate(parts)
        bucket.work = self._dist.all_reduce(self._tensor(bucket.flat), group=self.process_group,
                                            async_op=True)

    @staticmethod
    def _tensor(arr):
        from ...tensor import Tensor
        return Tensor._wrap(arr)

    def _finish(self):
        """The last hook of backward: wait for every bucket, write the averages into .grad."""
        from ...tensor import Tensor
        size = self._pg.size()
        for bucket in self._buckets:
            bucket.work.wait()
            flat = bucket.flat / size if bucket.flat.dtype.kind == "f" else bucket.flat
            at = 0
            for p in bucket.params:
                n = p._data.size
                avg = flat[at:at + n].reshape(p._data.shape).astype(p._data.dtype, copy=False)
                at += n
                if p.grad is None:
                    if id(p) in self._pending or avg.any():
                        p.grad = Tensor._wrap(avg.copy())
                else:
                    p.grad._data[...] = avg
            bucket.work = bucket.flat = None
        self._pending.clear()
        self._syncing = False

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally (no communication); the first
        backward after it averages the accumulated gradients over the ranks."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _reachable_leaves(out):
    """ids of the leaf tensors the graph of ``out`` (a tensor, or tuples/lists/dicts of
    them) reaches: the parameters used in this forward."""
    from ...autograd.graph import Node
    from ...tensor import Tensor
    roots, seen, leaves = [], set(), set()

    def collect(o):
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                roots.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)
    collect(out)
    while roots:
        node = roots.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for nxt in node.next:
            if nxt is None:
                continue
            if type(nxt) is Node:
                roots.append(nxt)
            else:
                leaves.add(id(nxt))
    return leaves
