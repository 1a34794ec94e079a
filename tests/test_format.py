"""repr(tensor) matches PyTorch's text character for character (with galton. for torch.)."""
import numpy as np
import pytest
import torch

import galton

RNG = np.random.default_rng(3)


def _same(arr, **kw):
    g = galton.tensor(arr, **{k: getattr(galton, v) if k == "dtype" else v for k, v in kw.items()})
    t = torch.tensor(arr, **{k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()})
    assert repr(g) == repr(t).replace("torch.", "galton."), f"\n{g!r}\n{t!r}"
    assert str(g) == repr(g)


CASES = [
    [-0.5892, -0.2431, 1.2141],
    [[1.0, 2.0], [3.0, 4.0]],
    [1.5, -200.0, 3.0],
    [1e-5, 1.0],
    [1e9, 1.0],
    [[1.0, 2000.0], [3.0, -4.0]],
    [0.0, 0.0],
    [float("nan"), 1.0, float("inf"), -float("inf")],
    [float("nan"), 1.5, float("-inf")],
    [0.1, 123456.7],
    3.0,
    0.5,
    -1e-7,
    float("nan"),
    [[[1.5, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.25]]],
]


@pytest.mark.parametrize("data", CASES)
def test_float(data):
    _same(data)


@pytest.mark.parametrize("data", [[1, -20, 300], [[1, 2], [3, 4]], 7, [True, False], True,
                                  [[True], [False]]])
def test_int_and_bool(data):
    _same(data)


@pytest.mark.parametrize("dtype", ["float64", "int32", "uint8", "float16", "int16"])
def test_non_default_dtype_suffix(dtype):
    _same([[1.0, 2.5], [3.0, 4.0]] if dtype.startswith("float") else [[1, 2], [3, 4]],
          dtype=dtype)


def test_empty():
    _same([])
    for shape in [(0, 3), (2, 0, 1)]:
        assert repr(galton.zeros(*shape)) == repr(torch.zeros(*shape))
    assert repr(galton.tensor([], dtype=galton.long)) == repr(
        torch.tensor([], dtype=torch.long)).replace("torch.", "galton.")


@pytest.mark.parametrize("shape", [(20,), (7, 11), (1001,), (40, 30), (3, 4, 100), (6, 7, 8, 9)])
def test_wrapping_and_summarising(shape):
    arr = RNG.standard_normal(shape).astype(np.float32)
    _same(arr)
    _same((arr * 100).astype(np.int64))


def test_wide_values_wrap():
    _same(RNG.standard_normal(30) * 1e6)
    _same(RNG.standard_normal((2, 30)).astype(np.float32) * 1e-6)


def test_requires_grad_and_grad_fn():
    arr = [[0.25, -1.0], [2.0, 3.5]]
    _same(arr, requires_grad=True)
    g = galton.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    assert repr(g * 2) == repr(t * 2)
    assert repr((g * 2).sum()) == repr((t * 2).sum())
    g64 = galton.tensor(arr, dtype=galton.float64, requires_grad=True)
    t64 = torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    assert repr(g64 + 1) == repr(t64 + 1).replace("torch.", "galton.")


def test_long_row_suffix_goes_to_new_line():
    arr = RNG.standard_normal(12).astype(np.float32)
    g = galton.tensor(arr, dtype=galton.float64, requires_grad=True)
    t = torch.tensor(arr, dtype=torch.float64, requires_grad=True)
    assert repr(g) == repr(t).replace("torch.", "galton.")


def test_format_spec_on_scalars():
    assert f"{galton.tensor(0.123456):.3f}" == "0.123"
    assert f"{galton.tensor([1.0])}" == "tensor([1.])"
