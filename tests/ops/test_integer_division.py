"""Integer division by zero raises as in PyTorch (NumPy returns 0); true division of integers
gives the default float dtype; float division by zero is inf/nan (issue 14)."""
import numpy as np
import pytest
import torch

import galton

CASES = {
    "floordiv": lambda m, a, b: a // b,
    "mod": lambda m, a, b: a % b,
    "floordiv scalar": lambda m, a, b: a // 0,
    "mod scalar": lambda m, a, b: a % 0,
    "rfloordiv": lambda m, a, b: 7 // b,
    "rmod": lambda m, a, b: 7 % b,
    "floor_divide": lambda m, a, b: m.floor_divide(a, b),
    "remainder": lambda m, a, b: m.remainder(a, b),
    "fmod": lambda m, a, b: m.fmod(a, b),
    "div floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div trunc": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "method remainder": lambda m, a, b: a.remainder(b),
    "method floor_divide": lambda m, a, b: a.floor_divide(b),
    "inplace floordiv": lambda m, a, b: a.__ifloordiv__(b) if hasattr(a, "__ifloordiv__") else (
        a // b),
}


def _run(mod, fn, x, y, dtype):
    a, b = mod.tensor(x, dtype=getattr(mod, dtype)), mod.tensor(y, dtype=getattr(mod, dtype))
    try:
        out = fn(mod, a, b)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e).__name__, str(e)
    return str(out.dtype).split(".")[-1], out.numpy().tolist()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_integer_division_by_zero_raises_like_torch(name, dtype):
    x, y = [5, 6, 7], [2, 0, 3]
    g, t = _run(galton, CASES[name], x, y, dtype), _run(torch, CASES[name], x, y, dtype)
    assert g == t == ("RuntimeError", "ZeroDivisionError")


@pytest.mark.parametrize("name", sorted(n for n in CASES if "scalar" not in n))
def test_integer_division_without_zero_matches_torch(name):
    x, y = [5, -6, 7, -9], [2, 4, -3, -2]
    assert _run(galton, CASES[name], x, y, "int64") == _run(torch, CASES[name], x, y, "int64")


@pytest.mark.parametrize("name", ["floordiv", "mod", "fmod", "div floor", "div trunc"])
def test_float_division_by_zero_is_inf_or_nan_like_torch(name):
    x, y = [5.0, -6.0, 0.0], [0.0, 0.0, 0.0]
    g, t = _run(galton, CASES[name], x, y, "float32"), _run(torch, CASES[name], x, y, "float32")
    assert g[0] == t[0] == "float32"
    np.testing.assert_array_equal(g[1], t[1])


def test_true_division_of_integers_is_float32_like_torch():
    for x, y in (([5], [0]), ([7, 8], [2, 4])):
        g = galton.tensor(x) / galton.tensor(y)
        t = torch.tensor(x) / torch.tensor(y)
        assert g.dtype == galton.float32 and t.dtype == torch.float32
        np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert (5 / galton.tensor([2])).dtype == galton.float32
