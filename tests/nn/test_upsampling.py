"""F.interpolate and nn.Upsample against torch: every mode, size and scale_factor forms."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck

SIZES_2D = [dict(scale_factor=2), dict(size=(5, 7)), dict(scale_factor=(0.5, 1.5)),
            dict(size=(3, 2)), dict(size=4), dict(scale_factor=1.7)]


@pytest.mark.parametrize("mode, ac", [("nearest", None), ("nearest-exact", None),
                                      ("bilinear", True), ("bilinear", False),
                                      ("bicubic", False), ("bicubic", True), ("area", None)])
@pytest.mark.parametrize("kw", SIZES_2D)
def test_interpolate_2d_against_torch(mode, ac, kw):
    compare(lambda t, x: t.nn.functional.interpolate(x, mode=mode, align_corners=ac, **kw),
            [(2, 3, 6, 5)])


@pytest.mark.parametrize("mode, ac", [("nearest", None), ("linear", True), ("linear", False),
                                      ("area", None), ("nearest-exact", None)])
@pytest.mark.parametrize("kw", [dict(scale_factor=2.5), dict(size=7), dict(size=3)])
def test_interpolate_1d_against_torch(mode, ac, kw):
    compare(lambda t, x: t.nn.functional.interpolate(x, mode=mode, align_corners=ac, **kw),
            [(2, 3, 6)])


def test_recompute_scale_factor():
    compare(lambda t, x: t.nn.functional.interpolate(x, scale_factor=1.7, mode="bilinear",
                                                     recompute_scale_factor=True), [(1, 2, 5, 6)])


def test_nearest_copies_exactly():
    x = galton.tensor([[[[1.0, float("inf")], [-2.0, 3.0]]]])
    y = GF.interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(y.numpy()[0, 0], np.repeat(np.repeat(x.numpy()[0, 0], 2, 0), 2, 1))


def test_gradcheck():
    gradcheck(lambda t, x: GF.interpolate(x, size=(3, 4), mode="bilinear"), [(1, 1, 2, 3)])
    gradcheck(lambda t, x: GF.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True),
              [(1, 1, 2, 2)])


@pytest.mark.parametrize("name, kw", [("Upsample", dict(scale_factor=2)),
                                      ("Upsample", dict(size=(5, 4), mode="bilinear")),
                                      ("Upsample", dict(scale_factor=(2, 3), mode="bicubic",
                                                        align_corners=True)),
                                      ("UpsamplingNearest2d", dict(scale_factor=2)),
                                      ("UpsamplingBilinear2d", dict(size=(6, 6)))])
def test_upsample_modules(name, kw):
    gm, tm = getattr(gnn, name)(**kw), getattr(torch.nn, name)(**kw)
    compare(lambda t, x: (gm if t is galton else tm)(x), [(2, 3, 3, 4)])
    assert repr(gm) == repr(tm)


def test_deprecated_upsample_warns():
    with pytest.warns(UserWarning, match="deprecated"):
        assert GF.upsample(galton.ones(1, 1, 2, 2), scale_factor=2).shape == (1, 1, 4, 4)


def test_errors():
    x = galton.ones(1, 1, 3, 3)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        GF.interpolate(x, mode="bilinear")
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        GF.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(NotImplementedError, match="Got 3D input, but bilinear mode needs 4D input"):
        GF.interpolate(galton.ones(1, 3, 3), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        GF.interpolate(x, scale_factor=2, align_corners=True)
