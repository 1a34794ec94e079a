"""DistributedSampler gives PyTorch's indices for the same arguments (PyTorch's needs no process
group when num_replicas and rank are given)."""
import pytest
import torch
from torch.utils.data.distributed import DistributedSampler as TorchSampler

from galton.utils.data import DataLoader
from galton.utils.data.distributed import DistributedSampler, torch_randperm


@pytest.mark.parametrize("n", [1, 7, 10, 101])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
def test_indices_equal_pytorch(n, replicas):
    for rank in range(replicas):
        for shuffle in (True, False):
            for drop_last in (True, False):
                for seed, epoch in ((0, 0), (7, 3), (2 ** 33 + 5, 1)):
                    kw = dict(num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                              drop_last=drop_last)
                    ours, theirs = DistributedSampler(range(n), **kw), TorchSampler(range(n), **kw)
                    ours.set_epoch(epoch)
                    theirs.set_epoch(epoch)
                    assert list(ours) == list(theirs) and len(ours) == len(theirs), kw


def test_randperm_is_torchs_for_a_large_n():
    g = torch.Generator().manual_seed(12345)
    assert torch_randperm(60000, 12345) == torch.randperm(60000, generator=g).tolist()


def test_epochs_differ_and_ranks_partition_the_data():
    a, b = DistributedSampler(range(10), 2, 0), DistributedSampler(range(10), 2, 1)
    assert sorted(list(a) + list(b)) == list(range(10))
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


def test_bad_rank_and_data_loader():
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    sampler = DistributedSampler(list(range(8)), num_replicas=2, rank=1, shuffle=False)
    batches = [b.tolist() for b in DataLoader(list(range(8)), batch_size=2, sampler=sampler)]
    assert batches == [[1, 3], [5, 7]]
