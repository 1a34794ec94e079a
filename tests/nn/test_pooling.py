"""Pooling layers and F.*pool* against torch.nn: values, gradients, indices, reprs, errors."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck

MODULES = [
    ("MaxPool2d", (2,), {}, (2, 3, 11, 11)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1), (2, 3, 9, 8)),
    ("MaxPool2d", ((2, 3),), dict(stride=(1, 2), dilation=(2, 1), ceil_mode=True), (2, 2, 7, 9)),
    ("MaxPool2d", (2,), {}, (3, 6, 6)),                          # unbatched
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("MaxPool1d", (2,), dict(ceil_mode=True, dilation=2), (3, 9)),  # unbatched
    ("AvgPool2d", (2,), {}, (2, 3, 7, 8)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 3, 8, 9)),
    ("AvgPool2d", (3,), dict(stride=1, padding=1, divisor_override=4), (3, 5, 5)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 10)),
    ("AvgPool1d", (2,), {}, (3, 7)),
    ("AdaptiveAvgPool2d", ((1, 1),), {}, (2, 8, 7, 7)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (6,), {}, (2, 3, 13, 13)),             # AlexNet's head, overlapping
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveMaxPool2d", ((3, 4),), {}, (2, 3, 7, 9)),
    ("AdaptiveMaxPool2d", (2,), {}, (3, 6, 6)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 7)),
    ("LPPool2d", (2, 2), {}, (2, 3, 6, 6)),
    ("LPPool1d", (3, 2), dict(stride=1), (2, 3, 7)),
]


@pytest.mark.parametrize("name, args, kw, shape", MODULES)
def test_module_against_torch(name, args, kw, shape):
    gm, tm = getattr(gnn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    compare(lambda t, x: (gm if t is galton else tm)(x), [shape], positive=name.startswith("LP"))
    assert repr(gm) == repr(tm)


@pytest.mark.parametrize("name, args, shape", [("MaxPool2d", (3, 2, 1), (2, 3, 7, 7)),
                                               ("MaxPool1d", (2,), (2, 3, 8)),
                                               ("AdaptiveMaxPool2d", ((3, 2),), (2, 3, 7, 5)),
                                               ("AdaptiveMaxPool1d", (3,), (2, 3, 7))])
def test_return_indices(name, args, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("f4")
    gv, gi = getattr(gnn, name)(*args, return_indices=True)(galton.tensor(x))
    tv, ti = getattr(torch.nn, name)(*args, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(gv.numpy(), tv.numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


def test_functional_defaults_and_with_indices():
    compare(lambda t, x: t.nn.functional.max_pool2d(x, 2), [(2, 3, 6, 7)])
    compare(lambda t, x: t.nn.functional.max_pool2d(x, (2, 2), stride=[]), [(2, 3, 6, 7)])
    compare(lambda t, x: t.nn.functional.avg_pool1d(x, 2), [(2, 3, 7)])
    compare(lambda t, x: t.nn.functional.max_pool2d_with_indices(x, 2)[0], [(2, 3, 6, 7)])
    compare(lambda t, x: t.nn.functional.adaptive_avg_pool2d(x, 1), [(2, 3, 6, 7)])


def test_seed000_pooling_shapes():
    x = galton.randn(64, 32, 26, 26)
    y = gnn.MaxPool2d(2)(x)
    assert y.shape == (64, 32, 13, 13) and y.is_contiguous()
    assert gnn.MaxPool2d(2)(galton.randn(64, 64, 11, 11)).view(-1, 5 * 5 * 64).shape == (64, 1600)


def test_gradcheck():
    gradcheck(lambda t, x: GF.max_pool1d(x, 3, 2, 1), [(1, 2, 6)])
    gradcheck(lambda t, x: GF.avg_pool1d(x, 3, 2, 1, True, False), [(1, 2, 6)])
    gradcheck(lambda t, x: GF.lp_pool2d(x, 2, 2), [(1, 1, 4, 4)], positive=True)


def test_errors():
    with pytest.raises(RuntimeError, match="non-empty 3D or 4D"):
        GF.max_pool2d(galton.zeros(28), 2)
    with pytest.raises(RuntimeError, match="max_pool1d: Expected 2D or 3D"):
        GF.max_pool1d(galton.zeros(28), 2)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor"):
        GF.adaptive_avg_pool2d(galton.zeros(28), 2)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        gnn.MaxPool2d(2)(galton.zeros(1, 1, 1, 1))
