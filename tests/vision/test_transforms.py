"""Transforms against hand-computed expectations and against Pillow directly."""
import numpy as np
import pytest
from PIL import Image, ImageEnhance

import galton
from galton.vision import transforms as T
from galton.vision.transforms import functional as F


def _rgb(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _gray(h=6, w=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)


def _t(arr):
    return galton.from_numpy(np.ascontiguousarray(arr))


# --- conversion --------------------------------------------------------------------------------
def test_to_tensor_pil_and_ndarray():
    arr = _rgb()
    x = T.ToTensor()(Image.fromarray(arr))
    assert x.dtype == galton.float32 and tuple(x.shape) == (3, 6, 8)
    np.testing.assert_allclose(x._data, arr.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    g = T.ToTensor()(Image.fromarray(_gray()))
    np.testing.assert_allclose(g._data[0], _gray() / 255.0, rtol=1e-6)
    np.testing.assert_allclose(T.ToTensor()(arr)._data, arr.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    floats = np.full((2, 2, 1), 3.5, np.float32)  # not uint8: not scaled
    assert T.ToTensor()(floats)._data.tolist() == [[[3.5, 3.5], [3.5, 3.5]]]
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([1, 2])


def test_pil_to_tensor_and_back():
    arr = _rgb()
    x = T.PILToTensor()(Image.fromarray(arr))
    assert x.dtype == galton.uint8
    np.testing.assert_array_equal(x._data, arr.transpose(2, 0, 1))
    back = T.ToPILImage()(x)
    assert back.mode == "RGB"
    np.testing.assert_array_equal(np.asarray(back), arr)
    # floats are multiplied by 255 and truncated, as torchvision does
    img = T.ToPILImage()(_t(np.array([[[0.5, 0.999], [1.0, 0.0]]], np.float32)))
    assert img.mode == "L" and np.asarray(img).tolist() == [[127, 254], [255, 0]]
    assert T.ToPILImage(mode="F")(_t(np.ones((1, 2, 2), np.float32))).mode == "F"
    with pytest.raises(ValueError, match="Incorrect mode"):
        T.ToPILImage(mode="RGB")(_t(np.ones((1, 2, 2), np.float32)))


def test_convert_image_dtype():
    x = _t(np.array([[[0, 255]]], np.uint8))
    assert T.ConvertImageDtype(galton.float32)(x)._data.tolist() == [[[0.0, 1.0]]]
    y = F.convert_image_dtype(_t(np.array([[[0.0, 1.0]]], np.float32)), galton.uint8)
    assert y._data.tolist() == [[[0, 255]]]


# --- normalize ---------------------------------------------------------------------------------
def test_normalize_matches_formula():
    x = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(_t(x))
    m, sd = np.array(mean, np.float32)[:, None, None], np.array(std, np.float32)[:, None, None]
    expected = (x - m) / sd
    np.testing.assert_allclose(out._data, expected, rtol=1e-6)
    assert out.dtype == galton.float32
    batch = T.Normalize((0.5,), (0.5,))(_t(x[None, :1]))
    np.testing.assert_allclose(batch._data, (x[None, :1] - 0.5) / 0.5, rtol=1e-6)
    t = _t(x.copy())
    assert T.Normalize(mean, std, inplace=True)(t) is t
    np.testing.assert_allclose(t._data, expected, rtol=1e-6)
    assert repr(T.Normalize((0.5,), (0.5,))) == "Normalize(mean=(0.5,), std=(0.5,))"


def test_normalize_errors_and_gradient():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        T.Normalize((0.5,), (0.5,))(_t(np.zeros((1, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(_t(np.zeros((1, 2, 2), np.float32)))
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="size \\(..., C, H, W\\)"):
        T.Normalize((0.5,), (0.5,))(_t(np.zeros((2, 2), np.float32)))
    x = galton.ones(1, 2, 2, requires_grad=True)
    T.Normalize((0.5,), (0.25,))(x).sum().backward()
    np.testing.assert_allclose(x.grad._data, np.full((1, 2, 2), 4.0))


# --- geometry ----------------------------------------------------------------------------------
def test_resize_matches_pil():
    arr = _rgb(10, 16)
    img = Image.fromarray(arr)
    out = T.Resize(5)(img)  # shorter side 10 -> 5, longer 16 -> 8
    assert out.size == (8, 5)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((8, 5), Image.BILINEAR)))
    out = T.Resize((7, 3))(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(img.resize((3, 7), Image.BILINEAR)))
    near = T.Resize(20, interpolation=T.InterpolationMode.NEAREST)(img)
    np.testing.assert_array_equal(np.asarray(near), np.asarray(img.resize((32, 20), Image.NEAREST)))
    assert T.Resize(7)(Image.fromarray(_rgb(15, 10))).size == (7, 10)  # int(7*15/10) = 10
    assert T.Resize(5, max_size=6)(img).size == (6, 3)


def test_resize_tensor_equals_pil_on_float_planes():
    arr = _rgb(10, 16)
    x = T.ToTensor()(Image.fromarray(arr))
    out = T.Resize((5, 8))(x)
    assert tuple(out.shape) == (3, 5, 8) and out.dtype == galton.float32
    via_pil = np.asarray(Image.fromarray(arr).resize((8, 5), Image.BILINEAR)) / 255.0
    np.testing.assert_allclose(out._data, via_pil.transpose(2, 0, 1), atol=1.5 / 255)
    u8 = T.Resize((5, 8))(T.PILToTensor()(Image.fromarray(arr)))
    assert u8.dtype == galton.uint8
    batch = T.Resize(4)(_t(np.ones((2, 3, 8, 8), np.float32)))
    assert tuple(batch.shape) == (2, 3, 4, 4)
    np.testing.assert_allclose(batch._data, 1.0, rtol=1e-6)


def test_center_crop():
    arr = _gray(6, 8)
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(Image.fromarray(arr))),
                                  arr[1:5, 2:6])
    np.testing.assert_array_equal(T.CenterCrop((3, 5))(_t(arr[None]))._data[0], arr[2:5, 2:7])
    big = T.CenterCrop(10)(_t(arr[None]))._data[0]  # larger than the image: zero padding
    assert big.shape == (10, 10)
    np.testing.assert_array_equal(big[2:8, 1:9], arr)
    assert big[:2].sum() == 0 and big[:, 0].sum() == 0


def test_pad_modes_match_numpy():
    arr = _gray(4, 5)
    for mode in ("constant", "edge", "reflect", "symmetric"):
        expected = np.pad(arr, ((2, 4), (1, 3)), mode=mode)
        got_pil = np.asarray(T.Pad((1, 2, 3, 4), padding_mode=mode)(Image.fromarray(arr)))
        got_t = T.Pad((1, 2, 3, 4), padding_mode=mode)(_t(arr[None]))._data[0]
        np.testing.assert_array_equal(got_pil, expected)
        np.testing.assert_array_equal(got_t, expected)
    rgb = np.asarray(T.Pad(1, fill=(1, 2, 3))(Image.fromarray(_rgb(2, 2))))
    assert rgb[0, 0].tolist() == [1, 2, 3]
    assert T.Pad([1, 2])(Image.fromarray(arr)).size == (7, 8)
    with pytest.raises(ValueError, match="Padding mode should be"):
        T.Pad(1, padding_mode="wrap")


def test_random_crop_padding_and_reproducible():
    arr = _gray(6, 8)
    galton.manual_seed(3)
    a = T.RandomCrop(4, padding=2)(_t(arr[None]))._data[0]
    galton.manual_seed(3)
    b = T.RandomCrop(4, padding=2)(Image.fromarray(arr))
    np.testing.assert_array_equal(a, np.asarray(b))  # same draws for PIL and tensor
    padded = np.pad(arr, 2)
    hits = [(i, j) for i in range(padded.shape[0] - 3) for j in range(padded.shape[1] - 3)
            if np.array_equal(padded[i:i + 4, j:j + 4], a)]
    assert hits
    out = T.RandomCrop((8, 10), pad_if_needed=True)(Image.fromarray(arr))
    assert out.size == (10, 8)
    with pytest.raises(ValueError, match="Required crop size \\(7, 8\\) is larger"):
        T.RandomCrop((7, 8))(Image.fromarray(arr))


def test_random_resized_crop():
    img = Image.fromarray(_rgb(20, 30))
    galton.manual_seed(0)
    a = T.RandomResizedCrop(12)(img)
    galton.manual_seed(0)
    b = T.RandomResizedCrop(12)(img)
    assert a.size == (12, 12)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    galton.manual_seed(0)
    i, j, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
    np.testing.assert_array_equal(
        np.asarray(a), np.asarray(img.crop((j, i, j + w, i + h)).resize((12, 12), Image.BILINEAR)))
    # an impossible scale falls back to the central crop within the ratio
    assert T.RandomResizedCrop.get_params(img, (5.0, 5.0), (1.0, 1.0)) == (0, 5, 20, 20)


def test_flips_equal_np_flip():
    arr = _rgb()
    img = Image.fromarray(arr)
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1)(img)), arr[:, ::-1])
    np.testing.assert_array_equal(np.asarray(T.RandomVerticalFlip(p=1)(img)), arr[::-1])
    x = _t(arr.transpose(2, 0, 1))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(x)._data, np.flip(x._data, -1))
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(x)._data, np.flip(x._data, -2))
    assert T.RandomHorizontalFlip(p=0)(img) is img
    galton.manual_seed(0)
    flips = [T.RandomHorizontalFlip()(x) is not x for _ in range(200)]
    assert 60 < sum(flips) < 140


def test_rotation_by_90_is_rot90():
    arr = _gray(6, 6)
    out = T.RandomRotation((90, 90))(Image.fromarray(arr))
    np.testing.assert_array_equal(np.asarray(out), np.rot90(arr))  # counter-clockwise
    out_t = T.RandomRotation((90, 90))(_t(arr[None]))
    np.testing.assert_array_equal(out_t._data[0], np.rot90(arr))
    galton.manual_seed(0)
    angles = [T.RandomRotation.get_params([-15.0, 15.0]) for _ in range(100)]
    assert -15 <= min(angles) < -10 and 10 < max(angles) <= 15
    with pytest.raises(ValueError, match="must be non negative"):
        T.RandomRotation(-15)
    expanded = T.RandomRotation((45, 45), expand=True)(Image.fromarray(arr))
    assert expanded.size[0] > 6


def test_affine_translate_is_a_shift():
    arr = _gray(6, 8)
    out = np.asarray(F.affine(Image.fromarray(arr), 0.0, [2, 1], 1.0, 0.0))
    expected = np.zeros_like(arr)
    expected[1:, 2:] = arr[:-1, :-2]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(F.affine(_t(arr[None]), 0.0, [2, 1], 1.0, 0.0)._data[0],
                                  expected)
    galton.manual_seed(1)
    params = [T.RandomAffine.get_params([0, 0], (0.25, 0.5), None, None, [8, 6])
              for _ in range(100)]
    assert all(abs(tx) <= 2 and abs(ty) <= 3 for _, (tx, ty), _, _ in params)
    assert {tx for _, (tx, _), _, _ in params} == {-2, -1, 0, 1, 2}
    galton.manual_seed(1)
    shifted = np.asarray(T.RandomAffine(0, translate=(0.25, 0.5))(Image.fromarray(arr)))
    _, (tx, ty), _, _ = params[0]
    np.testing.assert_array_equal(shifted, np.asarray(F.affine(Image.fromarray(arr), 0.0,
                                                               [tx, ty], 1.0, 0.0)))


def test_affine_rotation_and_scale_agree_with_rotate():
    arr = _gray(7, 7)
    # torchvision's affine angle turns clockwise (rotate's turns counter-clockwise)
    a = np.asarray(F.affine(Image.fromarray(arr), 90.0, [0, 0], 1.0, 0.0))
    np.testing.assert_array_equal(a, np.rot90(arr, -1))
    b = F.affine(_t(arr[None]), -90.0, [0, 0], 1.0, 0.0)._data[0]
    np.testing.assert_array_equal(b, np.rot90(arr))
    zoom = np.asarray(F.affine(Image.fromarray(np.full((8, 8), 9, np.uint8)), 0, [0, 0], 0.5, 0))
    assert zoom[4, 4] == 9 and zoom[0, 0] == 0


def test_random_perspective():
    arr = _rgb(10, 10)
    img = Image.fromarray(arr)
    assert T.RandomPerspective(p=0.0)(img) is img
    same = T.RandomPerspective(distortion_scale=0.0, p=1.0,
                               interpolation=T.InterpolationMode.NEAREST)(img)
    np.testing.assert_array_equal(np.asarray(same), arr)
    galton.manual_seed(2)
    start, end = T.RandomPerspective.get_params(10, 10, 0.5)
    assert start == [[0, 0], [9, 0], [9, 9], [0, 9]]
    assert 0 <= end[0][0] <= 2 and 7 <= end[1][0] <= 9 and 7 <= end[2][1] <= 9
    galton.manual_seed(2)
    _ = galton.random.rng().uniform()  # the p draw comes first
    start, end = T.RandomPerspective.get_params(10, 10, 0.5)
    galton.manual_seed(2)
    out = T.RandomPerspective(p=1.0)(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(F.perspective(img, start, end)))
    x = T.RandomPerspective(p=1.0)(_t(arr.transpose(2, 0, 1).astype(np.float32) / 255))
    assert tuple(x.shape) == (3, 10, 10)


# --- colour ------------------------------------------------------------------------------------
def test_color_functions_on_pil_match_image_enhance():
    img = Image.fromarray(_rgb())
    for fn, name in ((F.adjust_brightness, "Brightness"), (F.adjust_contrast, "Contrast"),
                     (F.adjust_saturation, "Color")):
        np.testing.assert_array_equal(np.asarray(fn(img, 1.3)),
                                      np.asarray(getattr(ImageEnhance, name)(img).enhance(1.3)))


def test_color_functions_on_tensors_match_formulas():
    x = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)
    t = _t(x)
    np.testing.assert_allclose(F.adjust_brightness(t, 1.5)._data, np.clip(x * 1.5, 0, 1), rtol=1e-6)
    gray = 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    np.testing.assert_allclose(F.rgb_to_grayscale(t)._data[0], gray, rtol=1e-5)
    np.testing.assert_allclose(F.adjust_contrast(t, 0.5)._data,
                               np.clip(0.5 * x + 0.5 * gray.mean(), 0, 1), rtol=1e-5)
    np.testing.assert_allclose(F.adjust_saturation(t, 0.0)._data, np.broadcast_to(gray, x.shape),
                               rtol=1e-5)
    np.testing.assert_allclose(F.adjust_hue(t, 0.0)._data, x, atol=1e-6)
    # a hue turn of 1/3 sends pure red to pure green
    red = _t(np.array([[[1.0]], [[0.0]], [[0.0]]], np.float32))
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3)._data.ravel(), [0, 1, 0], atol=1e-5)
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(t, 0.6)


def test_hue_pil_and_tensor_agree():
    arr = _rgb()
    pil = np.asarray(F.adjust_hue(Image.fromarray(arr), 0.2)).astype(float)
    ten = F.adjust_hue(_t(arr.transpose(2, 0, 1)), 0.2)._data.transpose(1, 2, 0).astype(float)
    assert np.abs(pil - ten).mean() < 4  # PIL rounds hue to 1/256 turns and HSV to bytes


def test_color_jitter_reproducible_and_ranges():
    jitter = T.ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    assert jitter.brightness == (0.6, 1.4) and jitter.hue == (-0.1, 0.1)
    img = Image.fromarray(_rgb())
    galton.manual_seed(5)
    a = jitter(img)
    galton.manual_seed(5)
    b = jitter(img)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert T.ColorJitter().brightness is None
    galton.manual_seed(5)
    order, bf, cf, sf, hf = T.ColorJitter.get_params((0.6, 1.4), None, None, None)
    assert sorted(order) == [0, 1, 2, 3] and 0.6 <= bf <= 1.4 and cf is None
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.7)


def test_grayscale():
    arr = _rgb()
    img = Image.fromarray(arr)
    np.testing.assert_array_equal(np.asarray(T.Grayscale()(img)), np.asarray(img.convert("L")))
    three = T.Grayscale(3)(img)
    assert three.mode == "RGB"
    x = T.Grayscale(num_output_channels=3)(_t(arr.transpose(2, 0, 1)))
    assert tuple(x.shape) == (3, 6, 8) and x.dtype == galton.uint8
    galton.manual_seed(0)
    assert T.RandomGrayscale(p=1.0)(img).mode == "RGB"


def test_gaussian_blur_matches_direct_convolution():
    x = np.random.default_rng(0).random((1, 6, 7)).astype(np.float32)
    sigma = 1.1
    k = np.exp(-0.5 * (np.arange(-1, 2) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(x[0], 1, mode="reflect")
    expected = np.zeros((6, 7))
    for di in range(3):
        for dj in range(3):
            expected += k[di] * k[dj] * padded[di:di + 6, dj:dj + 7]
    got = F.gaussian_blur(_t(x), [3, 3], [sigma, sigma])._data[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    flat = T.GaussianBlur(5)(Image.fromarray(np.full((8, 8, 3), 77, np.uint8)))
    assert np.asarray(flat).tolist() == np.full((8, 8, 3), 77).tolist()
    with pytest.raises(ValueError, match="odd and positive"):
        T.GaussianBlur(4)


def test_random_erasing():
    x = _t(np.ones((3, 10, 10), np.float32))
    galton.manual_seed(0)
    out = T.RandomErasing(p=1.0, value=0)(x)
    zeros = out._data == 0
    assert 0 < zeros.sum() < 300 and x._data.min() == 1.0  # the input is not changed
    rows, cols = np.nonzero(zeros[0])
    assert zeros[:, rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()  # one box
    noisy = T.RandomErasing(p=1.0, value="random")(x)
    assert (noisy._data != 1.0).any()
    assert T.RandomErasing(p=0.0)(x) is x
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.RandomErasing(p=1.0)(Image.fromarray(_rgb()))


def test_add_gaussian_noise():
    x = galton.zeros(1, 100, 100)
    galton.manual_seed(4)
    out = T.AddGaussianNoise(0.5, 0.1)(x)
    galton.manual_seed(4)
    expected = np.random.default_rng(4).standard_normal((1, 100, 100)).astype(np.float32)
    np.testing.assert_allclose(out._data, expected * 0.1 + 0.5, rtol=1e-6)
    assert abs(out._data.mean() - 0.5) < 0.01 and abs(out._data.std() - 0.1) < 0.01
    assert out.dtype == galton.float32
    with pytest.raises(TypeError, match="use ToTensor first"):
        T.AddGaussianNoise()(Image.fromarray(_rgb()))


def test_lambda_compose_and_repr():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    out = pipeline(Image.fromarray(np.full((2, 2), 255, np.uint8)))
    assert out._data.tolist() == [[[2.0, 2.0], [2.0, 2.0]]]
    assert repr(T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])) == \
        "Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)


def test_seeded_pipeline_repeats_exactly():
    pipeline = T.Compose([T.RandomRotation(15), T.RandomCrop(6, padding=1),
                          T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3), T.ToTensor(),
                          T.AddGaussianNoise(0, 0.05), T.RandomErasing()])
    img = Image.fromarray(_rgb(8, 8))
    galton.manual_seed(11)
    a = [pipeline(img)._data for _ in range(3)]
    galton.manual_seed(11)
    b = [pipeline(img)._data for _ in range(3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])


def test_functional_rejects_other_types():
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
        F.hflip(np.zeros((3, 3)))
