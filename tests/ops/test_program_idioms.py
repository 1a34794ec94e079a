"""Small PyTorch behaviours public programs rely on: where(cond, scalar, scalar) dtypes,
randint(high, size=...), is_xpu/is_mps."""
import numpy as np
import pytest
import torch

import galton


@pytest.mark.parametrize("a, b", [(1, 0), (1.0, 0), (0.5, 2.5), (True, False), (3, -1.5)])
def test_where_with_two_scalars(a, b):
    cond = np.array([[True, False, True], [False, False, True]])
    ours = galton.where(galton.tensor(cond), a, b)
    ref = torch.where(torch.tensor(cond), a, b)
    assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert not ours.requires_grad


def test_randint_high_with_size_keyword_and_device_flags():
    galton.manual_seed(0)
    r = galton.randint(9, size=(200,))
    assert r.dtype == galton.int64 and r.shape == torch.randint(9, size=(200,)).shape
    assert int(r.min()) >= 0 and int(r.max()) <= 8 and len(set(r.tolist())) == 9
    t = galton.ones(2)
    assert t.is_xpu is torch.ones(2).is_xpu and t.is_mps is torch.ones(2).is_mps
