"""Making tensors (tensor, zeros, arange, rand, ...) against PyTorch: values, dtypes, errors."""
import numpy as np
import pytest
import torch

import galton


def _text(fn, t):
    """repr of fn(t), or the error it raises, in galton's words."""
    try:
        return repr(fn(t)).replace("torch.", "galton.")
    except Exception as exc:  # the error is part of what must match
        return f"{type(exc).__name__}: {exc}".replace("torch.", "galton.")


def same(fn):
    assert _text(fn, galton) == _text(fn, torch)


CASES = {
    "floats -> float32": lambda t: t.tensor([1.5, 2]),
    "ints -> int64": lambda t: t.tensor([1, 2]),
    "bools -> bool": lambda t: t.tensor([True, False]),
    "int and float -> float": lambda t: t.tensor([1, 2.5]),
    "bool and int -> int": lambda t: t.tensor([True, 2]),
    "numpy float64 kept": lambda t: t.tensor(np.array([1.5])),
    "numpy int32 kept": lambda t: t.tensor(np.array([1], dtype=np.int32)),
    "numpy float64 scalar kept": lambda t: t.tensor(np.float64(1.5)),
    "numpy float32 scalar": lambda t: t.tensor(np.float32(1.5)),
    "list of numpy float64": lambda t: t.tensor([np.float64(1.5), np.float64(2)]),
    "list of 0-d tensors": lambda t: t.tensor([t.tensor(1.0), t.tensor(2.0)]),
    "0-d": lambda t: t.tensor(3),
    "empty": lambda t: t.tensor([]),
    "nested": lambda t: t.tensor([[1, 2], [3, 4]]),
    "tuple": lambda t: t.tensor((1.0, 2.0)),
    "ragged": lambda t: t.tensor([[1, 2], [3]]),
    "string": lambda t: t.tensor("a"),
    "dtype=": lambda t: t.tensor([1, 2], dtype=t.float64),
    "requires_grad=": lambda t: t.tensor([1.0, 2], requires_grad=True),
    "requires_grad int": lambda t: t.tensor([1, 2], requires_grad=True),
    "as_tensor list": lambda t: t.as_tensor([1, 2]),
    "zeros": lambda t: t.zeros(2, 3),
    "zeros tuple": lambda t: t.zeros((2, 3)),
    "zeros list": lambda t: t.zeros([2, 1]),
    "zeros Size": lambda t: t.zeros(t.Size([2, 3])),
    "zeros size=": lambda t: t.zeros(size=(2, 3)),
    "zeros ()": lambda t: t.zeros(()),
    "zeros negative": lambda t: t.zeros(2, -1),
    "ones negative": lambda t: t.ones(2, -1),
    "ones int": lambda t: t.ones(2, dtype=t.int64),
    "ones requires_grad": lambda t: t.ones(2, requires_grad=True),
    "full int": lambda t: t.full((2,), 7),
    "full float": lambda t: t.full((2,), 7.0),
    "full bool": lambda t: t.full([2], True),
    "full dtype": lambda t: t.full((2, 2), 7, dtype=t.float32),
    "arange": lambda t: t.arange(5),
    "arange float step": lambda t: t.arange(0, 1, 0.25),
    "arange float end": lambda t: t.arange(5.0),
    "arange negative step": lambda t: t.arange(5, 0, -2),
    "arange dtype": lambda t: t.arange(5, dtype=t.float32),
    "arange tensor": lambda t: t.arange(t.tensor(3)),
    "arange keywords": lambda t: t.arange(start=1, end=4),
    "linspace": lambda t: t.linspace(0, 1, 5),
    "linspace 1": lambda t: t.linspace(0, 1, 1),
    "linspace negative": lambda t: t.linspace(0, 1, -1),
    "logspace": lambda t: t.logspace(0, 2, 3),
    "eye": lambda t: t.eye(3),
    "eye n m": lambda t: t.eye(2, 3),
    "eye long": lambda t: t.eye(2, dtype=t.long),
    "empty shape": lambda t: t.empty(2, 3).shape,
    "rand": lambda t: (t.rand(2, 3).shape, t.rand(2, 3).dtype),
    "rand size=": lambda t: t.rand(size=(2, 3)).shape,
    "randn float64": lambda t: t.randn(2, dtype=t.float64).dtype,
    "randint": lambda t: (t.randint(0, 10, (3,)).dtype, t.randint(10, (3, 2)).shape),
    "randint keywords": lambda t: t.randint(low=2, high=5, size=(4,)).shape,
    "randint dtype": lambda t: t.randint(0, 5, (2,), dtype=t.float32).dtype,
    "randint empty range": lambda t: t.randint(5, 2, (2,)),
    "randperm": lambda t: (sorted(t.randperm(5).tolist()), t.randperm(5).dtype),
    "zeros_like": lambda t: t.zeros_like(t.tensor([1, 2])),
    "ones_like dtype": lambda t: t.ones_like(t.tensor([1, 2]), dtype=t.float32),
    "full_like": lambda t: t.full_like(t.tensor([1.0, 2]), 7),
    "empty_like": lambda t: (t.empty_like(t.ones(2, 3)).shape, t.empty_like(t.ones(2)).dtype),
    "rand_like": lambda t: t.rand_like(t.ones(2, 3)).shape,
    "rand_like int": lambda t: t.rand_like(t.ones(2, dtype=t.long)),
    "randn_like int": lambda t: t.randn_like(t.ones(2, dtype=t.long)),
    "randint_like": lambda t: t.randint_like(t.ones(2, 3), 5).dtype,
    "FloatTensor": lambda t: t.FloatTensor([1, 2]),
    "LongTensor": lambda t: t.LongTensor([1, 2]),
    "FloatTensor size": lambda t: t.FloatTensor(2, 3).shape,
    "isinstance FloatTensor": lambda t: (isinstance(t.ones(2), t.FloatTensor),
                                         isinstance(t.ones(2, dtype=t.long), t.FloatTensor)),
    "Tensor(data)": lambda t: t.Tensor([1, 2]),
    "Tensor(size)": lambda t: t.Tensor(2, 3).shape,
}


@pytest.mark.parametrize("name", list(CASES))
def test_like_torch(name):
    same(CASES[name])


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    galton.from_numpy(a).add_(1)
    galton.as_tensor(a).add_(1)
    assert a.tolist() == [2.0, 2.0, 2.0]
    t = galton.from_numpy(a)
    a[0] = 7
    assert t[0].item() == 7 and t.dtype == galton.float64
    assert galton.as_tensor(t) is t


def test_tensor_and_as_tensor_with_new_dtype_copy():
    a = np.zeros(2)
    galton.tensor(a).add_(1)
    galton.as_tensor(a, dtype=galton.float32).add_(1)
    assert a.tolist() == [0.0, 0.0]
    x = galton.ones(2)
    y = galton.tensor(x)
    y.add_(1)
    assert x.tolist() == [1.0, 1.0]


def test_from_numpy_errors():
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        galton.from_numpy([1, 2])


def test_size_keyword_rejects_unknown():
    with pytest.raises(TypeError, match="unexpected keyword argument 'shape'"):
        galton.zeros(shape=(2, 3))


def test_manual_seed_reproducible():
    def draw():
        return (galton.rand(3).tolist(), galton.randn(2, 2).tolist(),
                galton.randint(0, 100, (4,)).tolist(), galton.randperm(6).tolist(),
                galton.empty(3).normal_().tolist())
    galton.manual_seed(123)
    a = draw()
    galton.manual_seed(123)
    assert draw() == a
    galton.manual_seed(124)
    assert draw() != a


def test_generator_objects():
    g1 = galton.Generator().manual_seed(7)
    g2 = galton.Generator()
    g2.manual_seed(7)
    assert g1.initial_seed() == 7
    galton.manual_seed(0)
    a = galton.rand(4, generator=g1)
    galton.manual_seed(99)  # the global seed does not affect an explicit generator
    b = galton.rand(4, generator=g2)
    assert a.tolist() == b.tolist()
    assert galton.randn(3, generator=g1).tolist() == galton.randn(3, generator=g2).tolist()
    assert galton.randint(0, 9, (5,), generator=g1).tolist() == \
        galton.randint(0, 9, (5,), generator=g2).tolist()
    assert galton.randperm(8, generator=g1).tolist() == galton.randperm(8, generator=g2).tolist()
    state = g1.get_state()
    c = galton.rand(2, generator=g1)
    g1.set_state(state)
    assert galton.rand(2, generator=g1).tolist() == c.tolist()


def test_rng_state_round_trip():
    state = galton.get_rng_state()
    a = galton.rand(3)
    galton.set_rng_state(state)
    assert galton.rand(3).tolist() == a.tolist()


def test_random_distributions():
    galton.manual_seed(0)
    u = galton.rand(10000)
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.02
    n = galton.randn(10000)
    assert abs(n.mean().item()) < 0.05 and abs(float(n.numpy().std()) - 1) < 0.05
    r = galton.randint(3, 6, (1000,))
    assert set(r.tolist()) == {3, 4, 5}


def test_default_dtype_follows_set_default_dtype():
    galton.set_default_dtype(galton.float64)
    try:
        assert galton.tensor([1.5]).dtype == galton.float64
        assert galton.zeros(2).dtype == galton.float64
        assert galton.arange(0, 1, 0.5).dtype == galton.float64
        assert galton.tensor([1]).dtype == galton.int64
    finally:
        galton.set_default_dtype(galton.float32)


def test_python_floats_keep_their_digits_in_the_dtype_asked_for():
    # through the default float32 first, 0.7 would become 0.699999988
    import torch
    for value in (0.7, [0.1, 0.7], [[1e-9, 3.3]]):
        g = galton.tensor(value, dtype=galton.float64)
        np.testing.assert_array_equal(g.numpy(), torch.tensor(value, dtype=torch.float64).numpy())
        np.testing.assert_array_equal(galton.as_tensor(value, dtype=galton.float64).numpy(),
                                      np.asarray(value, np.float64))
    assert galton.tensor(0.7).dtype == galton.float32
