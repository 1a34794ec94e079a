"""``FakeData``: random images, the same ones for the same index, as torchvision's."""
import numpy as np

from ...random import Generator
from ...tensor import Tensor
from ..transforms.functional import to_pil_image
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random images of ``image_size`` (C, H, W) with labels in ``[0, num_classes)``.

    Item ``i`` is drawn from a generator seeded with ``i + random_offset`` (as torchvision
    does), so it is the same every time it is read, and reading it leaves the global random
    state alone. The image is standard normal noise turned into a PIL image the way
    ``ToPILImage`` turns a float tensor (×255, truncated to uint8), then ``transform``. The
    numbers are galton's generator's, not PyTorch's: the same distribution, other draws.

    >>> ds = FakeData(size=100, image_size=(3, 64, 64), transform=transforms.ToTensor())
    >>> ds[0][0].shape
    galton.Size([3, 64, 64])
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng = Generator().manual_seed(index + self.random_offset).rng
        img = rng.standard_normal(tuple(self.image_size)).astype(np.float32)
        target = int(rng.integers(0, self.num_classes))
        img = to_pil_image(Tensor._wrap(img))
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.size
