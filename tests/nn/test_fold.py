"""F.unfold / F.fold and nn.Unfold / nn.Fold against torch."""
import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck


@pytest.mark.parametrize("shape, args", [((2, 3, 6, 7), ((2, 3), (1, 2), 1, (2, 1))),
                                         ((3, 5, 5), (3,)),
                                         ((1, 2, 4, 4), (2, 1, 0, 2))])
def test_unfold_against_torch(shape, args):
    compare(lambda t, x: t.nn.functional.unfold(x, *args), [shape])


@pytest.mark.parametrize("shape, args", [((2, 12, 12), ((5, 6), (2, 3), 1, (1, 0), (2, 1))),
                                         ((8, 9), ((4, 4), 2)),
                                         ((1, 8, 4), ((4, 4), 2, 1, 0, 2))])
def test_fold_against_torch(shape, args):
    compare(lambda t, x: t.nn.functional.fold(x, *args), [shape])


def test_fold_of_unfold_counts_overlaps():
    x = galton.ones(1, 1, 4, 4)
    counts = GF.fold(GF.unfold(x, 2), (4, 4), 2).numpy()[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_gradcheck():
    gradcheck(lambda t, x: GF.unfold(x, 2, padding=1, stride=2), [(1, 2, 3, 3)])
    gradcheck(lambda t, x: GF.fold(x, (3, 3), 2), [(1, 4, 4)])


def test_modules():
    gm, tm = gnn.Unfold(kernel_size=(2, 3), padding=1), torch.nn.Unfold(kernel_size=(2, 3), padding=1)
    compare(lambda t, x: (gm if t is galton else tm)(x), [(2, 3, 4, 5)])
    assert repr(gm) == repr(tm)
    gm, tm = gnn.Fold((4, 5), 2), torch.nn.Fold((4, 5), 2)
    compare(lambda t, x: (gm if t is galton else tm)(x), [(2, 8, 12)])
    assert repr(gm) == repr(tm)


def test_errors():
    with pytest.raises(NotImplementedError, match=r"Only 3D or 4D input Tensors are supported \(got 2D\)"):
        GF.unfold(galton.ones(3, 3), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        GF.fold(galton.ones(1, 7, 9), (4, 4), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks 3 \\* 3 = 9"):
        GF.fold(galton.ones(1, 8, 8), (4, 4), 2)
