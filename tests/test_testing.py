"""galton.testing.assert_close: PyTorch's tolerances per dtype and its messages."""
import numpy as np
import pytest
import torch

import galton

CASES = [
    "t.tensor([1., 2., 3.]), t.tensor([1., 2.5, 3.])",
    "t.tensor([1., 2., 3.]), t.tensor([1., 2., 3.]) + 1e-7",
    "t.tensor([[1., 2.], [3., 4.]]), t.tensor([[1., 2.], [3., 5.]])",
    "t.tensor([1., 2.]), t.tensor([1., 2., 3.])",
    "t.tensor([1., 2.]), t.tensor([1., 2.], dtype=t.float64)",
    "t.tensor([1., 2.]), t.tensor([1., 2.], dtype=t.float64), check_dtype=False",
    "t.tensor([1, 2]), t.tensor([1, 3])",
    "t.tensor([float('nan')]), t.tensor([float('nan')])",
    "t.tensor([float('nan')]), t.tensor([float('nan')]), equal_nan=True",
    "1.0, 1.0 + 1e-9", "1.0, 1.5", "1, 2",
    "[t.ones(2), t.zeros(1)], [t.ones(2), t.ones(1)]",
    "{'a': t.ones(2)}, {'a': t.zeros(2)}",
    "t.tensor(1.), t.tensor(2.)",
    "t.tensor([1., 2.]), t.tensor([1., 2.1]), rtol=0.1, atol=0",
    "t.tensor([1., 2.]), t.tensor([1., 2.1]), rtol=0.1",
    "t.tensor([1., 2.]), t.tensor([1., 2.1]), msg='custom'",
    "t.tensor([0., 2.]), t.tensor([1e-3, 2.])",
    "t.tensor([True]), t.tensor([False])",
    "t.ones(2, requires_grad=True), t.ones(2)",
    "t.tensor([1., 2.], dtype=t.float16), t.tensor([1., 2.001], dtype=t.float16)",
    "t.ones(2, 3), t.ones(3, 2)",
    "t.tensor([1., 5., 3.], dtype=t.float64), t.tensor([1.1, 2., 3.], dtype=t.float64)",
    "np.ones(2), np.zeros(2)", "[1, 2], [1, 3]",
    "t.tensor([1, 2], dtype=t.int32), t.tensor([1, 2]), check_dtype=False",
    "t.ones(2), np.ones(2)",
]


def _outcome(lib, args):
    try:
        eval(f"t.testing.assert_close({args})", {"t": lib, "np": np})
    except Exception as e:  # the error is the answer compared
        return type(e).__name__, str(e).replace("galton.tensor.Tensor", "torch.Tensor").replace(
            "galton.", "torch.")
    return "ok", ""


@pytest.mark.parametrize("args", CASES)
def test_assert_close_matches_pytorch(args):
    assert _outcome(galton, args) == _outcome(torch, args)


def test_default_tolerances_per_dtype():
    assert galton.testing.default_tolerances(galton.ones(1)) == (1.3e-6, 1e-5)
    assert galton.testing.default_tolerances(galton.ones(1, dtype=galton.float64)) == (1e-7, 1e-7)
    assert galton.testing.default_tolerances(galton.ones(1, dtype=galton.long)) == (0.0, 0.0)
