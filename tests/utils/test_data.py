"""galton.utils.data against torch.utils.data: datasets, samplers, collate and the DataLoader."""
import collections
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import galton
from galton.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                               IterableDataset, RandomSampler, SequentialSampler, StackDataset,
                               Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                               default_collate, default_convert, random_split)

Point = collections.namedtuple("Point", ["x", "y"])


def assert_same(g, t, where="batch"):
    """A galton collate result matches torch's: same containers, shapes, dtypes and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(g, galton.Tensor), f"{where}: {type(g).__name__} vs torch.Tensor"
        assert tuple(g.shape) == tuple(t.shape), f"{where}: {tuple(g.shape)} vs {tuple(t.shape)}"
        assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (where, g.dtype, t.dtype)
        np.testing.assert_array_equal(g.numpy(), t.numpy(), err_msg=where)
    elif isinstance(t, dict):
        assert type(g) is type(t) and list(g) == list(t), where
        for k in t:
            assert_same(g[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(g) is type(t) and len(g) == len(t), (where, type(g), type(t))
        for i, (a, b) in enumerate(zip(g, t)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert g == t and type(g) is type(t), (where, g, t)


def to_torch(x):
    """The same sample with galton tensors replaced by torch tensors."""
    if isinstance(x, galton.Tensor):
        return torch.from_numpy(x.numpy().copy())
    if isinstance(x, dict):
        return type(x)((k, to_torch(v)) for k, v in x.items())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(to_torch(v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    return x


def _samples(kind):
    rng = np.random.default_rng(0)
    make = {
        "tensor_f32": lambda i: galton.tensor(rng.standard_normal((2, 3)).astype(np.float32)),
        "tensor_i64": lambda i: galton.tensor([i, i + 1]),
        "tensor_0d": lambda i: galton.tensor(float(i)),
        "np_f64": lambda i: rng.standard_normal(3),
        "np_i32": lambda i: np.arange(4, dtype=np.int32) + i,
        "np_u8": lambda i: np.full((2, 2), i, dtype=np.uint8),
        "np_bool": lambda i: np.array([i % 2 == 0, True]),
        "np_scalar_f32": lambda i: np.float32(i) / 3,
        "np_scalar_i16": lambda i: np.int16(i),
        "np_scalar_bool": lambda i: np.bool_(i % 2),
        "py_float": lambda i: i / 3,
        "py_int": lambda i: i * 7,
        "py_bool": lambda i: i % 2 == 0,
        "py_int_bool": lambda i: True if i == 0 else i,
        "str": lambda i: f"s{i}",
        "tuple": lambda i: (galton.tensor([float(i)]), i),
        "list": lambda i: [i, float(i), f"x{i}"],
        "dict": lambda i: {"image": np.ones((1, 2, 2), np.float32) * i, "label": i,
                           "meta": {"name": f"n{i}", "pos": (i, i + 1)}},
        "ordered": lambda i: collections.OrderedDict(b=i, a=float(i)),
        "namedtuple": lambda i: Point(galton.tensor([i, i]), float(i)),
        "nested_lists": lambda i: [[i, i + 1], [np.float32(i)]],
    }[kind]
    return [make(i) for i in range(3)]


@pytest.mark.parametrize("kind", ["tensor_f32", "tensor_i64", "tensor_0d", "np_f64", "np_i32",
                                  "np_u8", "np_bool", "np_scalar_f32", "np_scalar_i16",
                                  "np_scalar_bool", "py_float", "py_int", "py_bool", "py_int_bool",
                                  "str", "tuple", "list", "dict", "ordered", "namedtuple",
                                  "nested_lists"])
def test_default_collate_matches_torch(kind):
    batch = _samples(kind)
    assert_same(default_collate(batch), tud.default_collate(to_torch(batch)))


@pytest.mark.parametrize("kind", ["np_f64", "np_scalar_i16", "py_int", "tuple", "dict",
                                  "namedtuple", "str"])
def test_default_convert_matches_torch(kind):
    sample = _samples(kind)[1]
    assert_same(default_convert(sample), tud.default_convert(to_torch(sample)))


def test_collate_mismatched_shapes_names_both():
    with pytest.raises(RuntimeError, match=r"equal size, but got \[3\] at entry 0 and \[4\] at "
                                           r"entry 1"):
        default_collate([galton.zeros(3), galton.zeros(4)])
    with pytest.raises(RuntimeError, match=r"\[2, 2\] at entry 0 and \[2, 3\] at entry 2"):
        default_collate([np.zeros((2, 2)), np.zeros((2, 2)), np.zeros((2, 3))])


def test_collate_bad_inputs():
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers, dicts "
                                        "or lists; found <class 'NoneType'>"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])


def test_collate_mixed_dtypes_promote_like_torch():
    batch = [galton.tensor([1, 2]), galton.tensor([0.5, 1.5])]
    t = torch.stack([torch.tensor([1, 2]), torch.tensor([0.5, 1.5])])
    assert_same(default_collate(batch), t)


def test_collate_keeps_the_graph():
    xs = [galton.tensor([1.0, 2.0], requires_grad=True) for _ in range(3)]
    out = default_collate(xs)
    (out * galton.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])).sum().backward()
    for i, x in enumerate(xs):
        np.testing.assert_array_equal(x.grad.numpy(), [i + 1.0, i + 1.0])


# --- datasets ------------------------------------------------------------------------------
def test_utils_data_is_an_attribute_right_after_import():
    code = "import galton; print(galton.utils.data.DataLoader.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DataLoader"


def test_tensor_dataset():
    x, y = galton.randn(5, 3), galton.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), x.numpy()[2])
    assert yi.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(galton.zeros(5, 2), galton.zeros(4))


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.array([i], dtype=np.float32), i * i


class Stream(IterableDataset):
    def __init__(self, n, with_len=True):
        self.n, self.with_len = n, with_len

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no length")
        return self.n


class TorchStream(tud.IterableDataset):
    __init__, __iter__, __len__ = Stream.__init__, Stream.__iter__, Stream.__len__


def test_subset_concat_stack_chain():
    sq = Squares(5)
    sub = Subset(sq, [4, 0, 2])
    assert len(sub) == 3 and sub[0][1] == 16 and sub[-1][1] == 4
    cat = sq + Squares(3)
    assert isinstance(cat, ConcatDataset) and len(cat) == 8
    assert cat[5][1] == 0 and cat[7][1] == 4 and cat[-1][1] == 4 and cat[4][1] == 16
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        cat[-9]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream(3)])
    st = StackDataset(a=sq, b=Squares(5))
    assert st[3]["a"][1] == 9 and len(st) == 5
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(sq, Squares(4))
    chain = Stream(3) + Stream(2)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 2, 0, 1] and len(chain) == 5


@pytest.mark.parametrize("n,lengths", [(100, [0.7, 0.15, 0.15]), (10, [0.5, 0.5]),
                                       (11, [0.3, 0.3, 0.4]), (7, [3, 4]), (10, [0.25, 0.75])])
def test_random_split_sizes_match_torch(n, lengths):
    parts = random_split(range(n), lengths)
    expected = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in expected]
    everything = sorted(i for p in parts for i in p)
    assert everything == list(range(n))  # disjoint and complete


def test_random_split_reproducible_and_errors():
    a = random_split(range(20), [5, 15], generator=galton.Generator().manual_seed(3))
    b = random_split(range(20), [5, 15], generator=galton.Generator().manual_seed(3))
    assert list(a[0]) == list(b[0])
    galton.manual_seed(1)
    c = list(random_split(range(20), [0.5, 0.5])[0])
    galton.manual_seed(1)
    assert c == list(random_split(range(20), [0.5, 0.5])[0])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(range(10), [3, 4])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(range(10), [0.5, 1.5, -1.0])
    with pytest.warns(UserWarning, match=r"Length of split at index \d is 0"):
        random_split(range(2), [0.9, 0.05, 0.05])


# --- samplers ------------------------------------------------------------------------------
def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = galton.Generator().manual_seed(0)
    order = list(RandomSampler(range(10), generator=g))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    g2 = galton.Generator().manual_seed(0)
    assert list(RandomSampler(range(10), generator=g2)) == order
    rep = list(RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(rep) == 50 and set(rep) <= {0, 1, 2}
    long = list(RandomSampler(range(4), num_samples=10))
    assert len(long) == 10 and sorted(long[:8]) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert len(set(long[8:])) == 2


@pytest.mark.parametrize("kwargs,exc", [({"replacement": 1}, TypeError),
                                        ({"num_samples": 0}, ValueError),
                                        ({"num_samples": 2.5}, ValueError)])
def test_random_sampler_errors_match_torch(kwargs, exc):
    with pytest.raises(exc) as expected:
        tud.RandomSampler(range(3), **kwargs)
    with pytest.raises(exc, match=str(expected.value).replace(".", r"\.")):
        RandomSampler(range(3), **kwargs)


def test_subset_and_weighted_samplers():
    got = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(got) == [10, 20, 30] and len(SubsetRandomSampler([1, 2])) == 2
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200))
    assert set(w) == {1, 3} and w.count(3) > w.count(1)
    no_rep = list(WeightedRandomSampler([1, 2, 3, 4, 5], 5, replacement=False))
    assert sorted(no_rep) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got "
                                         "num_samples=0"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence but given weights have "
                                         r"shape \(2, 2\)"):
        WeightedRandomSampler([[1.0, 2.0], [3.0, 4.0]], 3)
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist"):
        list(WeightedRandomSampler([1.0, 1.0], 3, replacement=False))
    with pytest.raises(RuntimeError, match="invalid multinomial distribution"):
        list(WeightedRandomSampler([1.0, -1.0], 3))


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (2, 5)])
def test_batch_sampler_matches_torch(n, bs, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert [b.tolist() for b in ours._index_batches()] == list(theirs)


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got "
                                         "batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got "
                                         "drop_last=1"):
        BatchSampler(range(3), 2, 1)


# --- DataLoader ----------------------------------------------------------------------------
@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (60000, 50, False),
                                            (10000, 32, False), (10000, 32, True), (4, 4, True)])
def test_loader_len_matches_torch(n, bs, drop_last):
    ours = DataLoader(range(n), batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(range(n), batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)


def test_loader_batches_a_tensor_dataset():
    x = galton.arange(20, dtype=galton.float32).reshape(10, 2)
    y = galton.arange(10)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert isinstance(batches[0], list) and batches[2][1].tolist() == [8, 9]
    assert batches[0][0].dtype == galton.float32 and batches[0][1].dtype == galton.int64
    tx, ty = torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy())
    for ours, theirs in zip(batches, tud.DataLoader(tud.TensorDataset(tx, ty), batch_size=4)):
        assert_same(ours, theirs)


@pytest.mark.parametrize("subset", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_tensor_dataset_fast_path_equals_item_by_item(subset, drop_last):
    ds = TensorDataset(galton.randn(23, 3), galton.randint(0, 5, (23,)), galton.randn(23))
    if subset:
        ds = Subset(Subset(ds, list(range(22, -1, -1))), range(1, 20))
    galton.manual_seed(5)
    fast = list(DataLoader(ds, batch_size=4, shuffle=True, drop_last=drop_last))
    galton.manual_seed(5)
    slow = list(DataLoader(ds, batch_size=4, shuffle=True, drop_last=drop_last,
                           collate_fn=lambda b: default_collate(b)))
    assert len(fast) == len(slow) > 0
    for f, s in zip(fast, slow):
        for a, b in zip(f, s):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_fast_path_keeps_the_graph():
    w = galton.ones(4, 2, requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(w), batch_size=3)))
    xb.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [1, 1], [1, 1], [0, 0]])


def test_shuffle_is_reproducible_with_manual_seed():
    ds = TensorDataset(galton.arange(50))

    def epochs(loader):
        return [[b[0].tolist() for b in loader] for _ in range(2)]
    galton.manual_seed(0)
    first = epochs(DataLoader(ds, batch_size=8, shuffle=True))
    galton.manual_seed(0)
    again = epochs(DataLoader(ds, batch_size=8, shuffle=True))
    assert first == again
    assert first[0] != first[1]  # each epoch draws a new order
    assert sorted(sum(first[0], [])) == list(range(50))
    g = galton.Generator().manual_seed(7)
    a = [b[0].tolist() for b in DataLoader(ds, batch_size=8, shuffle=True, generator=g)]
    g.manual_seed(7)
    assert a == [b[0].tolist() for b in DataLoader(ds, batch_size=8, shuffle=True, generator=g)]


def test_loader_over_a_map_dataset_and_options():
    loader = DataLoader(Squares(7), batch_size=3, num_workers=2, pin_memory=True,
                        persistent_workers=True, prefetch_factor=2)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert_same(batches[0], [torch.tensor([[0.0], [1.0], [4.0]]) ** 0.5, torch.tensor([0, 1, 4])])
    single = list(DataLoader(Squares(3), batch_size=None))
    assert_same(single[2], [torch.tensor([2.0]), 4])
    custom = DataLoader(Squares(6), batch_sampler=[[0, 5], [1]], collate_fn=lambda b: b)
    assert [[s[1] for s in b] for b in custom] == [[0, 25], [1]] and len(custom) == 2
    picked = DataLoader(Squares(6), sampler=[5, 3], batch_size=2)
    assert next(iter(picked))[1].tolist() == [25, 9]


def test_loader_uses_getitems():
    class Batched(Squares):
        calls = 0

        def __getitems__(self, idx):
            Batched.calls += 1
            return [self[i] for i in idx]
    assert len(list(DataLoader(Batched(5), batch_size=2))) == 3 and Batched.calls == 3


@pytest.mark.parametrize("n,bs,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False)])
def test_loader_over_an_iterable_dataset(n, bs, drop_last):
    ours = DataLoader(Stream(n), batch_size=bs, drop_last=drop_last)
    theirs = tud.DataLoader(TorchStream(n), batch_size=bs, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3, with_len=False), batch_size=2))


@pytest.mark.parametrize("kwargs", [
    {"dataset": "stream", "shuffle": True},
    {"dataset": "stream", "sampler": [0, 1]},
    {"dataset": "stream", "batch_sampler": [[0]]},
    {"dataset": range(3), "sampler": [0], "shuffle": True},
    {"dataset": range(3), "batch_sampler": [[0]], "batch_size": 2},
    {"dataset": range(3), "batch_size": None, "drop_last": True},
    {"dataset": range(3), "num_workers": -1},
    {"dataset": range(3), "persistent_workers": True},
    {"dataset": range(3), "prefetch_factor": 2},
    {"dataset": range(3), "timeout": -1},
])
def test_loader_argument_errors_match_torch(kwargs):
    stream = kwargs["dataset"] == "stream"
    with pytest.raises(ValueError) as expected:
        tud.DataLoader(**{**kwargs, "dataset": TorchStream(3)} if stream else kwargs)
    with pytest.raises(ValueError) as got:
        DataLoader(**{**kwargs, "dataset": Stream(3)} if stream else kwargs)
    ours, theirs = str(got.value), str(expected.value)
    if "sampler=" in theirs:  # the sampler's repr differs, the sentence must not
        ours, theirs = ours.split("got")[0], theirs.split("got")[0]
    assert ours == theirs
