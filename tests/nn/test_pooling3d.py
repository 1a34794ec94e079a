"""3-d pooling (two separable 2-d pools) and max-unpooling against torch; float64 gradcheck."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
from tests.oracle import compare, gradcheck

MAX = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0)),
    dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2, 1), ceil_mode=True),
    dict(kernel_size=(3, 2, 2), stride=2, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAX)
def test_max_pool3d_values_gradients_indices(kw):
    compare(lambda t, x: t.nn.functional.max_pool3d(x, **kw), [(2, 3, 5, 6, 7)])
    g, t = compare(lambda t, x: t.nn.functional.max_pool3d(x, return_indices=True, **kw)[1],
                   [(2, 3, 5, 6, 7)], grad=False)
    assert g.dtype == galton.int64


def test_max_pool3d_ties_pick_torchs_element():
    x = np.zeros((1, 1, 4, 4, 4), "f4")
    x[0, 0, 1, 0, 1] = x[0, 0, 0, 1, 0] = 1.0  # two maxima in one 2x2x2 window
    compare(lambda t, x: t.nn.functional.max_pool3d(x, 2, return_indices=True)[1], None,
            inputs=[x], grad=False)
    compare(lambda t, x: t.nn.functional.max_pool3d(x, 2), None, inputs=[x])


AVG = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, divisor_override=3),
]


@pytest.mark.parametrize("kw", AVG)
def test_avg_pool3d(kw):
    compare(lambda t, x: t.nn.functional.avg_pool3d(x, **kw), [(2, 2, 5, 6, 7)])


@pytest.mark.parametrize("size", [(2, 3, 4), 1, (None, 2, 3), (3, 5, 7)])
def test_adaptive_pool3d(size):
    compare(lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, size), [(2, 2, 5, 6, 7)])
    compare(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, size), [(2, 2, 5, 6, 7)])
    compare(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, size, True)[1], [(2, 2, 5, 6, 7)],
            grad=False)


def test_lp_pool3d_and_modules_unbatched():
    compare(lambda t, x: t.nn.functional.lp_pool3d(x, 2, (2, 2, 3), stride=1), [(2, 3, 4, 5)],
            positive=True)
    for name, args in [("MaxPool3d", (2,)), ("AvgPool3d", (2,)), ("AdaptiveAvgPool3d", (2,)),
                       ("AdaptiveMaxPool3d", ((1, 2, 3),)), ("LPPool3d", (3, 2))]:
        compare(lambda t, x: getattr(t.nn, name)(*args)(x), [(3, 4, 5, 6)], positive=True)


def test_unpool_round_trip():
    for n in (1, 2, 3):
        shape = (2, 3) + (6, 5, 4)[:n]

        def fn(t, x):
            f = t.nn.functional
            pool = getattr(f, f"max_pool{n}d")
            unpool = getattr(f, f"max_unpool{n}d")
            y, i = pool(x, 2, return_indices=True)
            return unpool(y, i, 2, output_size=x.shape[2:])
        compare(fn, [shape])
    compare(lambda t, x: t.nn.MaxUnpool2d(2, stride=2)(*t.nn.MaxPool2d(2, return_indices=True)(x)),
            [(3, 4, 6)])


def test_gradcheck_float64():
    gradcheck(lambda t, x: t.nn.functional.max_pool3d(x, 2, stride=1, padding=1), [(1, 2, 3, 3, 4)])
    gradcheck(lambda t, x: t.nn.functional.avg_pool3d(x, 3, 2, 1, count_include_pad=False),
              [(1, 2, 3, 4, 5)])
    gradcheck(lambda t, x: t.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2)), [(1, 2, 3, 4, 5)])
    gradcheck(lambda t, x: t.nn.functional.adaptive_max_pool3d(x, (2, 3, 2)), [(1, 2, 3, 4, 5)])


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match="max_pool3d.*4D or 5D"):
        galton.nn.MaxPool3d(2)(galton.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="avg_pool3d.*Output size is too small"):
        galton.nn.functional.avg_pool3d(galton.randn(1, 1, 1, 4, 4), 2)
    y, i = galton.nn.functional.max_pool2d(galton.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(RuntimeError, match="max_unpool2d: Expected shape of indices"):
        galton.nn.functional.max_unpool2d(y, i[..., :1], 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        galton.nn.functional.max_unpool2d(y, i, 2, output_size=(9, 9))
