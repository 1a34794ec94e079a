"""F.pad and the padding layers against torch: every mode, negative (cropping) constant pads."""
import pytest
import torch

import galton
import galton.nn as gnn
import galton.nn.functional as GF
from tests.oracle import compare, gradcheck

CASES = [((1, 2), (2, 3, 5)), ((2, 1, 0, 2), (2, 3, 4, 5)), ((1, 1, 2, 2), (3, 4, 5)),
         ((3, 3), (2, 4)), ((1, 2, 0, 1, 1, 1), (2, 3, 4, 5, 3))]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad, shape", CASES)
def test_pad_modes_against_torch(mode, pad, shape):
    compare(lambda t, x: t.nn.functional.pad(x, pad, mode=mode), [shape])


def test_constant_pad_value_negative_and_many_dims():
    compare(lambda t, x: t.nn.functional.pad(x, (-1, 2, 1, -2), value=2.5), [(2, 3, 4, 5)])
    compare(lambda t, x: t.nn.functional.pad(x, (1, 2, 1, 1, 1, 1, 0, 1)), [(2, 3, 4, 5)])
    compare(lambda t, x: t.nn.functional.pad(x, (1, 2)), [(5,)])


def test_pad_gradcheck():
    for mode in ["reflect", "replicate", "circular"]:
        gradcheck(lambda t, x: GF.pad(x, (2, 1, 1, 2), mode=mode), [(1, 1, 3, 3)])


LAYERS = [("ZeroPad2d", (2,), (2, 3, 4, 4)), ("ZeroPad2d", ((1, 0, 2, 1),), (3, 4, 4)),
          ("ConstantPad2d", (1, 3.5), (2, 3, 4, 4)), ("ConstantPad1d", ((1, 2), -1.0), (2, 3, 4)),
          ("ZeroPad1d", (2,), (2, 5)), ("ReflectionPad2d", ((1, 2, 3, 0),), (2, 2, 4, 5)),
          ("ReflectionPad1d", (2,), (2, 3, 5)), ("ReplicationPad2d", (2,), (1, 2, 3, 3)),
          ("ReplicationPad1d", ((3, 1),), (2, 3, 4)), ("CircularPad2d", (1,), (2, 2, 3, 4)),
          ("CircularPad1d", ((2, 1),), (2, 3, 4))]


@pytest.mark.parametrize("name, args, shape", LAYERS)
def test_layers_against_torch(name, args, shape):
    gm, tm = getattr(gnn, name)(*args), getattr(torch.nn, name)(*args)
    compare(lambda t, x: (gm if t is galton else tm)(x), [shape])
    assert repr(gm) == repr(tm)


def test_errors():
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        GF.pad(galton.ones(1, 1, 3, 3), (1,))
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input"):
        GF.pad(galton.ones(1, 1, 3, 3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding "
                       "input dimension"):
        GF.pad(galton.ones(1, 3, 3), (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        GF.pad(galton.ones(1, 3, 3), (4, 0), mode="circular")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode"):
        GF.pad(galton.ones(1, 3, 3), (1, 1), mode="mirror")
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two "
                       "times the input dimension"):
        GF.pad(galton.ones(3), (1, 1, 1, 1))
