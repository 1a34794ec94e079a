"""FakeData: torchvision's arguments, the same image for the same index, the global random
state left alone, and ToPILImage's conversion of the noise (checked against PyTorch's)."""
import numpy as np
import pytest
import torch

import galton
from galton.random import Generator
from galton.vision import datasets, transforms


def test_items_are_fixed_per_index_and_leave_the_global_rng_alone():
    ds = datasets.FakeData(size=6, image_size=(3, 8, 5), num_classes=4,
                           transform=transforms.ToTensor(), random_offset=7)
    assert len(ds) == 6
    galton.manual_seed(3)
    expected_next = galton.rand(3)
    galton.manual_seed(3)
    first = [ds[i] for i in range(6)]
    np.testing.assert_array_equal(galton.rand(3).numpy(), expected_next.numpy())
    img, label = first[2]
    assert tuple(img.shape) == (3, 8, 5) and img.dtype == galton.float32
    assert isinstance(label, int) and 0 <= label < 4
    np.testing.assert_array_equal(ds[2][0].numpy(), img.numpy())
    assert not np.array_equal(first[0][0].numpy(), first[1][0].numpy())
    assert {lab for _, lab in first} <= set(range(4))


def test_noise_becomes_pixels_as_torchvisions_to_pil_image():
    ds = datasets.FakeData(size=3, image_size=(1, 6, 6), random_offset=11)
    img, _ = ds[1]
    noise = Generator().manual_seed(12).rng.standard_normal((1, 6, 6)).astype(np.float32)
    # torchvision's to_pil_image: pic.mul(255).byte(), which wraps negative values
    expected = torch.from_numpy(noise).mul(255).byte().numpy()[0]
    assert img.mode == "L"
    np.testing.assert_array_equal(np.asarray(img), expected)


def test_defaults_target_transform_and_index_error():
    ds = datasets.FakeData(target_transform=lambda y: y + 100)
    assert (len(ds), ds.image_size, ds.num_classes) == (1000, (3, 224, 224), 10)
    img, label = ds[999]
    assert img.size == (224, 224) and img.mode == "RGB" and 100 <= label < 110
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[1000]
