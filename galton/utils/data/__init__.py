"""Datasets, samplers and the DataLoader, as ``torch.utils.data``.

>>> from galton.utils.data import DataLoader, TensorDataset, random_split
>>> train, val = random_split(TensorDataset(x, y), [0.8, 0.2])
>>> for xb, yb in DataLoader(train, batch_size=64, shuffle=True): ...
"""
from .dataloader import (DataLoader, collate, default_collate, default_collate_fn_map,
                         default_convert, get_worker_info)
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "collate",
           "default_collate", "default_collate_fn_map", "default_convert", "get_worker_info",
           "random_split"]
