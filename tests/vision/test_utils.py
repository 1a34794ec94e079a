"""make_grid and save_image against torchvision's algorithm.

torchvision is not installed here, so ``torchvision_make_grid`` below is its documented
algorithm written out in PyTorch (one narrowed copy per tile, as torchvision.utils does), and
galton's vectorised version must give the same pixels."""
import math

import numpy as np
import pytest
import torch
from PIL import Image

import galton
from galton.vision.utils import make_grid, save_image


def torchvision_make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
                          scale_each=False, pad_value=0.0):
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t, value_range):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding),
                           pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding).copy_(tensor[k])
            k = k + 1
    return grid


def _pair(shape, seed=0):
    arr = np.random.default_rng(seed).normal(size=shape).astype(np.float32) * 3
    return galton.tensor(arr), torch.tensor(arr)


@pytest.mark.parametrize("shape, kwargs", [
    ((10, 1, 5, 7), {}),
    ((10, 1, 5, 7), {"nrow": 3, "padding": 0}),
    ((7, 3, 4, 4), {"nrow": 4, "padding": 5, "pad_value": 0.5}),
    ((6, 3, 4, 6), {"normalize": True}),
    ((6, 1, 4, 6), {"normalize": True, "value_range": (-1.0, 1.0)}),
    ((6, 3, 4, 6), {"normalize": True, "scale_each": True}),
    ((6, 2, 4, 6), {"normalize": True, "scale_each": True, "value_range": (0.0, 2.0)}),
    ((1, 1, 5, 5), {}),          # a batch of one comes back as that image
    ((1, 5, 5), {}),             # one grey image C×H×W
    ((5, 5), {"nrow": 2}),       # one image H×W
    ((3, 9, 9), {}),             # one colour image
    ((9, 1, 2, 3), {"nrow": 20}),  # fewer images than nrow
])
def test_make_grid_matches_torchvision(shape, kwargs):
    g, t = _pair(shape)
    ours, ref = make_grid(g, **kwargs), torchvision_make_grid(t, **kwargs)
    assert tuple(ours.shape) == tuple(ref.shape)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(g.numpy(), t.numpy())  # the input is left alone


def test_make_grid_takes_a_list_and_keeps_the_dtype():
    items = [_pair((1, 4, 4), seed=s) for s in range(5)]
    ours = make_grid([g for g, _ in items], nrow=2, padding=1)
    ref = torchvision_make_grid([t for _, t in items], nrow=2, padding=1)
    np.testing.assert_allclose(ours.numpy(), ref.numpy())
    assert ours.dtype == galton.float32
    ints = galton.arange(2 * 3 * 3 * 3, dtype=galton.uint8).reshape(2, 3, 3, 3)
    assert make_grid(ints).dtype == galton.uint8


def test_make_grid_errors_are_torchvisions():
    with pytest.raises(TypeError, match="tensor or list of tensors expected, got <class 'str'>"):
        make_grid("images")
    with pytest.raises(TypeError, match="a list containing <class 'int'>"):
        make_grid([galton.zeros(1, 2, 2), 3])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(galton.zeros(2, 1, 2, 2), normalize=True, value_range=[0, 1])


@pytest.mark.parametrize("shape, kwargs", [
    ((8, 1, 6, 6), {"nrow": 4}),
    ((5, 3, 4, 4), {"normalize": True, "padding": 1}),
])
def test_save_image_writes_torchvisions_pixels(tmp_path, shape, kwargs):
    g, t = _pair(shape)
    if not kwargs.get("normalize"):
        g, t = g.sigmoid(), t.sigmoid()  # images in [0, 1], as a decoder's output
    save_image(g, tmp_path / "grid.png", **kwargs)
    grid = torchvision_make_grid(t, **kwargs)
    ref = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
    with Image.open(tmp_path / "grid.png") as im:
        assert im.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(im), ref)
    save_image(g, tmp_path / "grid.jpg", format="JPEG", **kwargs)
    with Image.open(tmp_path / "grid.jpg") as im:
        assert im.format == "JPEG" and im.size == (ref.shape[1], ref.shape[0])
