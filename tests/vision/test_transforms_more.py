"""The tone transforms, five/ten crops, RandomChoice/RandomOrder, LinearTransformation and the
AutoAugment family: tensor results against hand-computed values and against Pillow's ImageOps /
ImageEnhance (torchvision's PIL path), and PIL against tensor for every augmentation op."""
import math

import numpy as np
import pytest
from PIL import Image, ImageOps

import galton
from galton.vision import transforms as T
from galton.vision.transforms import functional as F
from galton.vision.transforms.autoaugment import _apply_op, _space
from galton.vision.transforms.functional import InterpolationMode


def _rgb(h=12, w=10, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _t(arr):
    return galton.tensor(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _np(img):
    return np.asarray(img).transpose(2, 0, 1) if isinstance(img, Image.Image) else img.numpy()


# --- tone ops -----------------------------------------------------------------------------------
def test_invert_posterize_solarize_by_hand():
    a = _rgb()
    t = _t(a)
    np.testing.assert_array_equal(F.invert(t).numpy(), 255 - a.transpose(2, 0, 1))
    f = galton.tensor(a.transpose(2, 0, 1) / np.float32(255))
    np.testing.assert_allclose(F.invert(f).numpy(), 1 - f.numpy())
    np.testing.assert_array_equal(F.posterize(t, 3).numpy(), a.transpose(2, 0, 1) & 0b11100000)
    assert F.posterize(t, 0).numpy().max() == 0
    x = a.transpose(2, 0, 1)
    np.testing.assert_array_equal(F.solarize(t, 128).numpy(), np.where(x >= 128, 255 - x, x))
    with pytest.raises(TypeError, match="Only torch.uint8"):
        F.posterize(f, 3)
    with pytest.raises(ValueError, match="between 0 and 8"):
        F.posterize(t, 9)
    with pytest.raises(TypeError, match="less than bound"):
        F.solarize(f, 2.0)
    with pytest.raises(TypeError, match="channel values are \\[1, 3\\]"):
        F.invert(galton.zeros(2, 4, 4, dtype=galton.uint8))


def test_autocontrast_by_hand_and_constant_channels():
    img = np.zeros((3, 1, 3), np.uint8)
    img[0, 0] = [50, 100, 150]
    img[1, 0] = [7, 7, 7]  # constant: left alone
    img[2, 0] = [0, 10, 255]
    out = F.autocontrast(galton.tensor(img)).numpy()
    # (x - min) * 255 / (max - min), truncated: (100 - 50) * 2.55 = 127.5 -> 127
    assert out[0, 0].tolist() == [0, 127, 255]
    assert out[1, 0].tolist() == [7, 7, 7] and out[2, 0].tolist() == [0, 10, 255]
    f = F.autocontrast(galton.tensor(img / np.float32(255))).numpy()
    np.testing.assert_allclose(f[0, 0], [0, 0.5, 1], atol=1e-6)


@pytest.mark.parametrize("name,args", [("invert", ()), ("posterize", (4,)),
                                       ("solarize", (100,)), ("autocontrast", ()),
                                       ("equalize", ()), ("adjust_sharpness", (0.3,)),
                                       ("adjust_sharpness", (2.5,))])
def test_tensor_equals_pillow(name, args):
    a = _rgb(20, 16, seed=1)
    fn = getattr(F, name)
    pil = fn(Image.fromarray(a), *args)
    ref = {"invert": lambda: ImageOps.invert(Image.fromarray(a)),
           "posterize": lambda: ImageOps.posterize(Image.fromarray(a), *args),
           "solarize": lambda: ImageOps.solarize(Image.fromarray(a), *args),
           "autocontrast": lambda: ImageOps.autocontrast(Image.fromarray(a)),
           "equalize": lambda: ImageOps.equalize(Image.fromarray(a))}.get(name)
    if ref is not None:
        np.testing.assert_array_equal(np.asarray(pil), np.asarray(ref()))
    # Pillow rounds its blend where torchvision's tensor path truncates: sharpness may differ
    # by one level, as in torchvision
    tol = 1 if name == "adjust_sharpness" else 0
    np.testing.assert_allclose(fn(_t(a), *args).numpy(), _np(pil), atol=tol, rtol=0)


def test_sharpness_keeps_the_border_and_small_images():
    a = _rgb(8, 8, seed=2)
    out = F.adjust_sharpness(_t(a), 0.0).numpy()  # 0: the smoothed image itself
    x = a.transpose(2, 0, 1).astype(np.float64)
    k = np.ones((3, 3)) / 13
    k[1, 1] = 5 / 13
    smooth = sum(k[i, j] * x[:, i:6 + i, j:6 + j] for i in range(3) for j in range(3))
    np.testing.assert_array_equal(out[:, 1:-1, 1:-1], np.rint(smooth))
    np.testing.assert_array_equal(out[:, 0], a.transpose(2, 0, 1)[:, 0])
    tiny = _t(_rgb(2, 5))
    assert F.adjust_sharpness(tiny, 0.0) is tiny
    with pytest.raises(ValueError, match="not non-negative"):
        F.adjust_sharpness(tiny, -1)


# --- crops and composition ----------------------------------------------------------------------
def test_five_and_ten_crop():
    a = _rgb(12, 10)
    t = _t(a)
    tl, tr, bl, br, c = F.five_crop(t, (4, 6))
    x = a.transpose(2, 0, 1)
    for got, want in ((tl, x[:, :4, :6]), (tr, x[:, :4, 4:]), (bl, x[:, 8:, :6]),
                      (br, x[:, 8:, 4:]), (c, x[:, 4:8, 2:8])):
        np.testing.assert_array_equal(got.numpy(), want)
    ten = T.TenCrop(4)(t)
    assert len(ten) == 10
    np.testing.assert_array_equal(ten[5].numpy(), x[:, :4, ::-1][:, :, :4])  # mirrored top-left
    vten = T.TenCrop(4, vertical_flip=True)(t)
    np.testing.assert_array_equal(vten[5].numpy(), x[:, ::-1][:, :4, :4])
    pil = T.FiveCrop(4)(Image.fromarray(a))
    assert all(isinstance(p, Image.Image) and p.size == (4, 4) for p in pil)
    np.testing.assert_array_equal(np.asarray(pil[3]), a[8:, 6:])
    with pytest.raises(ValueError, match="bigger than input size"):
        F.five_crop(t, 13)
    with pytest.raises(ValueError, match="only two dimensions"):
        T.FiveCrop((1, 2, 3))


def test_random_choice_and_order():
    add = [T.Lambda(lambda x, k=k: x * 10 + k) for k in (1, 2, 3)]
    assert T.RandomChoice(add, p=[0, 1, 0])(0) == 2
    galton.manual_seed(0)
    picks = {T.RandomChoice(add)(0) for _ in range(60)}
    assert picks == {1, 2, 3}
    galton.manual_seed(0)
    orders = {T.RandomOrder(add)(0) for _ in range(60)}
    assert len(orders) == 6 and all(sorted(str(o)) == ["1", "2", "3"] for o in orders)
    galton.manual_seed(5)
    first = [T.RandomOrder(add)(0) for _ in range(5)]
    galton.manual_seed(5)
    assert [T.RandomOrder(add)(0) for _ in range(5)] == first
    with pytest.raises(ValueError, match="Length of p"):
        T.RandomChoice(add, p=[1])


def test_linear_transformation_whitens():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((12, 12)).astype(np.float32)
    mean = rng.standard_normal(12).astype(np.float32)
    x = rng.standard_normal((3, 2, 2)).astype(np.float32)
    out = T.LinearTransformation(galton.tensor(m), galton.tensor(mean))(galton.tensor(x))
    np.testing.assert_allclose(out.numpy(), ((x.reshape(1, 12) - mean) @ m).reshape(3, 2, 2),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="square"):
        T.LinearTransformation(galton.zeros(3, 4), galton.zeros(3))
    with pytest.raises(ValueError, match="incompatible shape"):
        T.LinearTransformation(galton.tensor(m), galton.tensor(mean))(galton.zeros(3, 3, 3))


@pytest.mark.parametrize("cls,args,fn", [
    (T.RandomInvert, (), lambda t: F.invert(t)),
    (T.RandomPosterize, (2,), lambda t: F.posterize(t, 2)),
    (T.RandomSolarize, (90,), lambda t: F.solarize(t, 90)),
    (T.RandomAdjustSharpness, (2.0,), lambda t: F.adjust_sharpness(t, 2.0)),
    (T.RandomAutocontrast, (), lambda t: F.autocontrast(t)),
    (T.RandomEqualize, (), lambda t: F.equalize(t))])
def test_random_tone_transforms_apply_with_probability_p(cls, args, fn):
    t = _t(_rgb(seed=4))
    np.testing.assert_array_equal(cls(*args, p=1.0)(t).numpy(), fn(t).numpy())
    assert cls(*args, p=0.0)(t) is t
    galton.manual_seed(0)
    hits = sum(cls(*args, p=0.3)(t) is not t for _ in range(400))
    assert 80 < hits < 160
    assert repr(cls(*args, p=0.3)).startswith(cls.__name__ + "(") and "p=0.3" in \
        repr(cls(*args, p=0.3))


# --- AutoAugment, RandAugment, TrivialAugmentWide -------------------------------------------------
@pytest.mark.parametrize("op,magnitude", [
    ("Identity", 0.0), ("ShearX", 0.2), ("ShearY", -0.25), ("TranslateX", 7.0),
    ("TranslateY", -5.0), ("Rotate", 20.0), ("Brightness", 0.4), ("Contrast", -0.5),
    ("Sharpness", 0.7), ("Posterize", 5.0), ("Solarize", 128.0), ("AutoContrast", 0.0),
    ("Equalize", 0.0), ("Invert", 0.0)])
def test_every_op_gives_the_same_pixels_on_pil_and_tensor(op, magnitude):
    a = _rgb(30, 40, seed=5)
    pil = _apply_op(Image.fromarray(a), op, magnitude, InterpolationMode.NEAREST, None)
    ten = _apply_op(_t(a), op, magnitude, InterpolationMode.NEAREST, None)
    # the enhancements blend: Pillow rounds, the tensor path truncates (one level at most)
    tol = 1 if op in ("Contrast", "Sharpness", "Brightness") else 0
    np.testing.assert_allclose(_np(ten), _np(pil), atol=tol, rtol=0)


def test_ops_are_the_functional_transforms():
    t = _t(_rgb(30, 40, seed=6))
    np.testing.assert_array_equal(
        _apply_op(t, "ShearX", 0.3, InterpolationMode.NEAREST, None).numpy(),
        F.affine(t, 0.0, [0, 0], 1.0, [math.degrees(math.atan(0.3)), 0.0],
                 center=[0, 0]).numpy())
    np.testing.assert_array_equal(
        _apply_op(t, "Color", 0.5, InterpolationMode.NEAREST, None).numpy(),
        F.adjust_saturation(t, 1.5).numpy())
    with pytest.raises(ValueError, match="Blur is not recognized"):
        _apply_op(t, "Blur", 1.0, InterpolationMode.NEAREST, None)


def test_magnitude_tables():
    ra = _space(31, 331, 662)
    assert float(ra["Rotate"][0][9]) == pytest.approx(9.0)
    assert float(ra["TranslateX"][0][30]) == pytest.approx(150.0)
    assert float(ra["TranslateY"][0][30]) == pytest.approx(300.0)
    assert ra["Posterize"][0].tolist()[::10] == [8, 7, 5, 4]
    wide = _space(31, 0, 0, shear=0.99, translate=(32.0, 32.0), rotate=135.0, enhance=0.99,
                  posterize_span=6)
    assert wide["Posterize"][0][[0, 30]].tolist() == [8, 2]
    assert float(wide["Rotate"][0][-1]) == 135.0 and "Invert" not in wide
    auto = _space(10, 32, 32, identity=False, invert=True)
    assert "Identity" not in auto and "Invert" in auto
    assert auto["Solarize"][0][5] == pytest.approx(255 * 4 / 9)


@pytest.mark.parametrize("make", [
    lambda: T.AutoAugment(T.AutoAugmentPolicy.IMAGENET),
    lambda: T.AutoAugment(T.AutoAugmentPolicy.CIFAR10),
    lambda: T.AutoAugment(T.AutoAugmentPolicy.SVHN),
    lambda: T.RandAugment(num_ops=3, magnitude=15),
    lambda: T.TrivialAugmentWide()])
def test_policies_run_on_pil_and_tensor_alike(make):
    a = _rgb(32, 32, seed=7)
    aug = make()
    for seed in range(12):
        galton.manual_seed(seed)
        pil = aug(Image.fromarray(a))
        galton.manual_seed(seed)
        ten = aug(_t(a))
        assert isinstance(pil, Image.Image) and ten.dtype == galton.uint8
        # the same draws give the same picture, up to the enhancements' rounding (one level
        # per op, compounded by up to three ops; these seeds never posterize such a pixel)
        diff = np.abs(_np(ten).astype(int) - _np(pil).astype(int))
        assert diff.max() <= 4


def test_autoaugment_policies_and_errors():
    for policy in T.AutoAugmentPolicy:
        steps = T.AutoAugment(policy).policies
        assert len(steps) == 25 and all(len(s) == 2 for s in steps)
    assert T.AutoAugment().policies[0] == (("Posterize", 0.4, 8), ("Rotate", 0.6, 9))
    assert T.AutoAugment(T.AutoAugmentPolicy.SVHN).policies[-1] == (("ShearX", 0.7, 2),
                                                                    ("Invert", 0.1, None))
    with pytest.raises(ValueError, match="not recognized"):
        T.AutoAugment("imagenet")
    assert "policy=AutoAugmentPolicy.IMAGENET" in repr(T.AutoAugment())
