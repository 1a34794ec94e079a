"""galton.finfo / galton.iinfo (galton/type_info.py) against torch's values and errors."""
import pytest
import torch

import galton

FLOATS = ["float16", "float32", "float64", "bfloat16"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_as_torch(name):
    ours, theirs = galton.finfo(getattr(galton, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert type(a) is type(b) and a == b, (attr, a, b)
    assert repr(ours) == repr(theirs)


def test_finfo_of_the_default_dtype():
    assert galton.finfo().dtype == "float32" and galton.finfo().eps == torch.finfo().eps
    galton.set_default_dtype(galton.float64)
    try:
        assert galton.finfo().dtype == "float64"
        assert galton.finfo().max == torch.finfo(torch.float64).max
    finally:
        galton.set_default_dtype(galton.float32)
    assert galton.finfo(galton.float32) == galton.finfo(galton.float32)
    assert galton.finfo(galton.float32) != galton.finfo(galton.float64)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_as_torch(name):
    ours, theirs = galton.iinfo(getattr(galton, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        a, b = getattr(ours, attr), getattr(theirs, attr)
        assert type(a) is type(b) and a == b, (attr, a, b)
    assert repr(ours) == repr(theirs)
    # the idiom: the largest value a tensor of that dtype can hold
    assert galton.full((2,), galton.iinfo(getattr(galton, name)).max,
                       dtype=getattr(galton, name)).tolist() == [theirs.max] * 2


def _error(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the type and message are compared
        return type(exc), str(exc).replace("galton.", "torch.")
    return None


@pytest.mark.parametrize("case", [lambda lib: lib.finfo(lib.int32),
                                  lambda lib: lib.finfo(lib.bool),
                                  lambda lib: lib.iinfo(lib.float32),
                                  lambda lib: lib.iinfo(lib.bool),
                                  lambda lib: lib.finfo(3)])
def test_wrong_kind_as_torch(case):
    theirs = _error(lambda: case(torch))
    assert theirs is not None
    assert _error(lambda: case(galton)) == theirs
