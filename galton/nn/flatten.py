"""Flatten and Unflatten, as in ``torch.nn``: reshape a range of dims into one, and back."""
from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Join dims ``start_dim``..``end_dim`` into one; by default all but the batch dim.

    >>> nn.Flatten()(galton.zeros(64, 1, 28, 28)).shape
    galton.Size([64, 784])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _require_tuple_int(sizes):
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflattened_size must be tuple of ints, but found type "
                        f"{type(sizes).__name__}")
    for idx, elem in enumerate(sizes):
        if isinstance(elem, bool) or not isinstance(elem, int):
            raise TypeError(f"unflattened_size must be tuple of ints, but found element of type "
                            f"{type(elem).__name__} at pos {idx}")


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1).

    >>> nn.Unflatten(1, (1, 28, 28))(galton.zeros(64, 784)).shape
    galton.Size([64, 1, 28, 28])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, str):
            raise NotImplementedError("galton has no named tensors: Unflatten needs an int dim")
        _require_tuple_int(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        shape = input._data.shape
        nd = len(shape)
        if not -nd <= self.dim < nd or nd == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(nd, 1)}, {max(nd, 1) - 1}], but got {self.dim})")
        n = shape[self.dim]
        known = 1
        for s in self.unflattened_size:
            if s != -1:
                known *= s
        free = sum(s == -1 for s in self.unflattened_size)
        if free > 1 or (free == 0 and known != n) or (free == 1 and (known == 0 or n % known)):
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({n}) in the input "
                               f"tensor of shape {tuple(shape)}")
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
