"""``DistributedSampler``: each of ``num_replicas`` processes reads its own share of a dataset,
as ``torch.utils.data.distributed.DistributedSampler``, in PyTorch's exact order.

PyTorch shuffles with ``torch.randperm(n, generator=g)`` after ``g.manual_seed(seed + epoch)``:
a Fisher-Yates pass driven by the 32-bit outputs of its MT19937 engine (``z = random() % (n -
i)``, swap ``i`` and ``i + z``). NumPy's MT19937 seeded the same way gives the same outputs, so
the permutation is PyTorch's bit for bit (galton's own RNG is PCG64, which would not be)."""
import math

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def torch_randperm(n, seed):
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()``."""
    engine = np.random.MT19937()
    engine._legacy_seeding(int(seed) & 0xFFFFFFFF)  # PyTorch's mt19937(seed): init_genrand
    draws = engine.random_raw(max(n - 1, 0)).tolist()
    perm = list(range(n))
    for i, r in enumerate(draws):
        j = i + r % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


class DistributedSampler(Sampler):
    """Restrict loading to this rank's share: the (shuffled, padded) indices ``rank``,
    ``rank + num_replicas``, ... Call ``set_epoch(e)`` before each epoch so that every epoch
    is shuffled differently (and identically on every rank).

    >>> sampler = DistributedSampler(dataset, num_replicas=2, rank=0, seed=0)
    >>> loader = DataLoader(dataset, batch_size=64, sampler=sampler)
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _indices(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if not self.drop_last:  # pad with the first indices so every rank gets as many
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return indices[self.rank:self.total_size:self.num_replicas]

    def _index_array(self):
        return np.asarray(self._indices(), dtype=np.int64)

    def __iter__(self):
        return iter(self._indices())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Shuffle the next epoch with ``seed + epoch`` (the same on every rank)."""
        self.epoch = epoch
