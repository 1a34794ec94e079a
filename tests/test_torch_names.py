"""Names PyTorch programs use most, against PyTorch 2.13: constants, torch.compile, printing
options, the default device, new_* constructors, range indices, resize_, pin_memory, and the
keyword spellings (input= / other= / out= / dims= / axis= / keepdims=)."""
import math
import warnings

import numpy as np
import pytest
import torch

import galton

LIBS = (galton, torch)


def _np(t):
    return t.detach().numpy()


def test_constants():
    for name in ("inf", "pi", "e"):
        assert getattr(galton, name) == getattr(torch, name)
    assert math.isnan(galton.nan) and galton.newaxis is None


def test_compile_wraps_the_model_and_accepts_pytorch_keywords():
    m = galton.nn.Linear(2, 2)
    assert galton.compile(m)._orig_mod is m
    assert galton.compile(m, mode="max-autotune", fullgraph=True, dynamic=False)._orig_mod is m
    assert galton.compile(m, disable=True) is m

    @galton.compile
    def f(x):
        return x * 2

    @galton.compile(mode="reduce-overhead")
    def g(x):
        return x + 1
    assert f(galton.ones(1)).item() == 2.0 and g(galton.ones(1)).item() == 2.0
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
            lib.compile(m, mode="fast")
    assert galton.compiler.is_compiling() is False


PRINT_CASES = [dict(precision=2), dict(threshold=5), dict(threshold=5, edgeitems=1),
               dict(sci_mode=True), dict(sci_mode=False), dict(linewidth=30),
               dict(profile="short"), dict(profile="full"), dict(precision=6, profile="short")]


@pytest.mark.parametrize("opts", PRINT_CASES)
def test_set_printoptions_repr_matches_pytorch(opts):
    rng = np.random.default_rng(0)
    arrays = [np.array([1.123456, 2.5, 3.0], np.float32), np.arange(20),
              (rng.standard_normal((7, 8)) * 100).astype(np.float32),
              np.array([1e-6, 1e5], np.float32), np.arange(2000, dtype=np.float32).reshape(40, 50)]
    try:
        for lib in LIBS:
            lib.set_printoptions(**opts)
        for a in arrays:
            assert repr(galton.tensor(a)).replace("galton", "torch") == repr(torch.tensor(a))
    finally:
        for lib in LIBS:
            lib.set_printoptions(profile="default")
    assert galton.get_printoptions()["precision"] == 4


def test_default_device():
    for lib in LIBS:
        assert str(lib.get_default_device()) == "cpu"
        lib.set_default_device("cpu")
        assert lib.ones(1).device.type == "cpu"
        if not galton.cuda.is_available():
            lib.set_default_device("cuda")
            try:
                with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                    lib.get_default_device()
                with pytest.raises((AssertionError, RuntimeError), match="CUDA|CuPy"):
                    lib.zeros(1)
            finally:
                lib.set_default_device(None)
        lib.set_default_device(None)
        assert str(lib.get_default_device()) == "cpu"


NEW = ["x.new_zeros(2, 3)", "x.new_zeros((2, 3))", "x.new_ones([2])", "x.new_full((2,), 7)",
       "x.long().new_full((2,), 7.5)", "x.new_empty(2).shape", "x.new_tensor([1, 2])",
       "x.new_zeros(2, dtype=lib.int64)", "x.new_zeros(2, requires_grad=True)", "x.new()",
       "x.new(2, 3).shape", "x.new([1, 2])", "x.long().new([1.5])", "x.new_tensor(3.5)",
       "x.new_zeros(lib.Size([2]))", "x.new_zeros(size=(1, 2))",
       "x.new_full(size=(1,), fill_value=3)", "x.double().new_ones(2).dtype",
       "lib.ones(2, requires_grad=True).new_zeros(2).requires_grad",
       "x.clone().resize_(3, 2)", "x.clone().resize_(4)", "x.clone().resize_(2, 4)[0]",
       "x.clone().resize_((3, 1))", "x.clone().resize_as_(lib.ones(3))",
       "lib.ones(2, requires_grad=True).resize_(3)", "x.is_pinned()", "x.pin_memory()"]


def _outcome(lib, expr):
    x = lib.arange(6.0).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"lib": lib, "x": x})
        except Exception as e:  # the error is part of the answer compared
            return ("raises", type(e).__name__, str(e))
    return ("returns", repr(r).replace("galton", "torch"))


@pytest.mark.parametrize("expr", NEW)
def test_new_constructors_and_resize_match_pytorch(expr):
    if "pin_memory" in expr and galton.cuda.is_available():
        pytest.skip("CPU-only answer")
    assert _outcome(galton, expr) == _outcome(torch, expr)


def test_new_tensor_copies_and_warns_for_a_tensor():
    x = galton.ones(2)
    with pytest.warns(UserWarning, match="sourceTensor.detach"):
        y = x.new_tensor(x)
    y.add_(1)
    assert x.sum().item() == 2.0


def test_range_index_get_and_set():
    a = np.arange(12.0).reshape(3, 4)
    out = []
    for lib in LIBS:
        x = lib.tensor(a, requires_grad=True)
        y = x[range(3), lib.tensor([0, 1, 2])]
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        z = lib.zeros(3, 4)
        z[range(3), [1, 2, 3]] = 5
        z[range(0, 3, 2)] += 1
        out.append((_np(y), _np(x.grad), _np(z), tuple(x[range(1)].shape)))
    for u, v in zip(*out):
        np.testing.assert_array_equal(u, v)


KW = ["lib.matmul(input=x, other=w)", "lib.mm(x, mat2=w)", "lib.mm(input=x, other=w)",
      "lib.pow(x, exponent=2)", "lib.dot(input=x[0], tensor=x[1])", "lib.mv(x, vec=x[0])",
      "lib.add(input=x, other=x, alpha=2)", "x.add(other=x)", "lib.mul(input=x, other=2)",
      "lib.sub(x, other=1)", "lib.div(x, other=2)", "lib.flip(x, dims=(0,))",
      "x.flip(dims=[1])", "x.flip(0, 1)", "x.sum(0, keepdims=True)",
      "lib.sum(x, axis=1, keepdims=True)", "lib.mean(x, axis=0)", "x.amax(axis=1)",
      "lib.max(x, axis=1, keepdims=True)[0]", "lib.cat([x, x], axis=0)",
      "lib.add(x, x, out=lib.empty(3, 4))", "lib.matmul(x, w, out=lib.empty(3, 2))",
      "lib.mm(x, w, out=lib.empty(0))", "lib.cat([x, x], dim=1, out=lib.empty(3, 8))",
      "lib.stack([x, x], out=lib.empty(2, 3, 4))", "lib.mul(x, 3, out=lib.empty(3, 4))",
      "lib.exp(x, out=lib.empty(3, 4))", "lib.sum(x, 1, out=lib.empty(3))",
      "lib.max(x, 1, out=(lib.empty(3), lib.empty(3, dtype=lib.long)))",
      "lib.eq(x, x, out=lib.empty(3, 4, dtype=lib.bool))",
      "lib.add(x, x, out=lib.empty(3, 4, dtype=lib.long))",
      "lib.add(lib.ones(2, requires_grad=True), 1, out=lib.empty(2))",
      "lib.add(x, x, input=x)", "lib.sub(x1=x, x2=x)"]


@pytest.mark.parametrize("expr", KW)
def test_keyword_spellings_match_pytorch(expr):
    def run(lib):
        x = lib.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4))
        w = lib.ones(4, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                r = eval(expr, {"lib": lib, "x": x, "w": w})
            except Exception as e:  # the error is part of the answer compared
                return ("raises", type(e).__name__)
        rs = r if isinstance(r, tuple) else (r,)
        return ("returns", [(tuple(t.shape), str(t.dtype).split(".")[-1], _np(t))
                            for t in rs])
    g, t = run(galton), run(torch)
    assert g[0] == t[0] and (g[0] == "raises" and g == t or len(g[1]) == len(t[1]))
    if g[0] == "returns":
        for (gs, gd, ga), (ts, td, ta) in zip(g[1], t[1]):
            assert (gs, gd) == (ts, td)
            np.testing.assert_allclose(ga, ta, rtol=1e-6)


def test_out_writes_into_the_given_storage():
    for lib in LIBS:
        buf = lib.zeros(2, 2)
        view = buf[0]
        r = lib.add(lib.ones(2, 2), 1, out=buf)
        assert r is buf and view.tolist() == [2.0, 2.0] and buf._version > 0
        with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
            lib.add(lib.ones(3), 1, out=lib.zeros(2))
