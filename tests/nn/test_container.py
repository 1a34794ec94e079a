"""Containers against torch.nn: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import galton
import galton.nn as gnn


def lins(nn, *sizes):
    return [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]


def keys(m):
    return list(m.state_dict().keys())


# --- Sequential -------------------------------------------------------------------------------
def test_sequential_forward_matches_torch():
    t = torch.nn.Sequential(*lins(torch.nn, 4, 3, 2))
    g = gnn.Sequential(*lins(gnn, 4, 3, 2))
    g.load_state_dict({k: galton.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(g(galton.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert keys(g) == keys(t) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_sequential_ordered_dict_names():
    mk = lambda nn: nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("out", nn.Linear(3, 1))]))
    g, t = mk(gnn), mk(torch.nn)
    assert keys(g) == keys(t) == ["fc1.weight", "fc1.bias", "out.weight", "out.bias"]
    assert g.fc1 is g[0] and g.out is g[-1]
    assert repr(g) == repr(t)


def test_sequential_int_and_slice_indexing():
    layers = lins(gnn, 1, 2, 3, 4, 5)
    s = gnn.Sequential(*layers)
    assert len(s) == 4
    assert s[0] is layers[0] and s[-1] is layers[3] and s[-4] is layers[0]
    sub = s[1:3]
    assert isinstance(sub, gnn.Sequential) and list(sub) == layers[1:3]
    assert keys(sub) == ["1.weight", "1.bias", "2.weight", "2.bias"]  # names kept, as PyTorch
    assert list(s[::-1]) == layers[::-1]
    assert s[np.int64(1)] is layers[1]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        s[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        s[-5]
    with pytest.raises(TypeError):
        s["0"]


def test_sequential_setitem_delitem_pop_renumber():
    layers = lins(gnn, 1, 2, 3, 4)
    s = gnn.Sequential(*layers)
    new = gnn.Linear(2, 3)
    s[1] = new
    assert s[1] is new
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[0] is new
    t = torch.nn.Sequential(*lins(torch.nn, 1, 2, 3, 4, 5))
    g = gnn.Sequential(*lins(gnn, 1, 2, 3, 4, 5))
    del t[1:3]
    del g[1:3]
    assert keys(g) == keys(t)
    popped = g.pop(0)
    assert isinstance(popped, gnn.Linear) and len(g) == 1 and list(g._modules) == ["0"]


def test_sequential_append_insert_extend_match_torch():
    def build(nn):
        s = nn.Sequential(nn.Linear(1, 2))
        assert s.append(nn.Linear(2, 3)) is s
        s.insert(0, nn.Linear(5, 1))
        s.insert(-1, nn.Linear(6, 6))
        s.insert(len(s), nn.Linear(3, 7))
        s.extend([nn.Linear(7, 8), nn.Linear(8, 9)])
        return s
    g, t = build(gnn), build(torch.nn)
    assert repr(g) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in g.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


def test_sequential_insert_errors():
    s = gnn.Sequential(gnn.Linear(1, 1))
    with pytest.raises(IndexError, match="Index out of range: 3"):
        s.insert(3, gnn.Linear(1, 1))
    with pytest.raises(AssertionError, match="module should be of type"):
        s.insert(0, "not a module")


def test_sequential_add_mul():
    a, b = gnn.Sequential(gnn.Linear(1, 2)), gnn.Sequential(gnn.Linear(2, 3))
    c = a + b
    assert len(c) == 2 and c[0] is a[0] and c[1] is b[0]
    a += b
    assert len(a) == 2 and a[1] is b[0]
    with pytest.raises(ValueError, match="only objects of Sequential"):
        a + [gnn.Linear(1, 1)]
    d = b * 3
    assert len(d) == 3 and all(m is b[0] for m in d)
    assert len(2 * b) == 2
    b *= 2
    assert len(b) == 2
    with pytest.raises(ValueError, match="Non-positive"):
        b * 0
    with pytest.raises(TypeError):
        b * 1.5


def test_sequential_iteration_dir_and_empty():
    layers = lins(gnn, 1, 2, 3)
    s = gnn.Sequential(*layers)
    assert list(iter(s)) == layers
    assert "0" not in dir(s) and "forward" in dir(s)
    e = gnn.Sequential()
    x = galton.ones(2)
    assert e(x) is x and len(e) == 0
    assert repr(e) == repr(torch.nn.Sequential())


def test_nested_sequential_state_dict_and_backward():
    mk = lambda nn: nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 4)), nn.Linear(4, 2))
    t, g = mk(torch.nn), mk(gnn)
    assert keys(g) == keys(t)
    g.load_state_dict({k: galton.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((3, 3)).astype(np.float32)
    t(torch.tensor(x)).pow(2).sum().backward()
    (g(galton.tensor(x)) ** 2).sum().backward()
    for (n, tp), (_, gp) in zip(t.named_parameters(), g.named_parameters()):
        np.testing.assert_allclose(gp.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=n)


# --- ModuleList --------------------------------------------------------------------------------
def test_module_list_basics_match_torch():
    def build(nn):
        ml = nn.ModuleList(lins(nn, 1, 2, 3))
        ml.append(nn.Linear(3, 4))
        ml.extend([nn.Linear(4, 5)])
        ml += [nn.Linear(5, 6)]
        ml.insert(1, nn.Linear(9, 9))
        del ml[0]
        ml[0] = nn.Linear(8, 8)
        return ml
    g, t = build(gnn), build(torch.nn)
    assert repr(g) == repr(t)
    assert keys(g) == keys(t)
    assert [tuple(m.weight.shape) for m in g] == [tuple(m.weight.shape) for m in t]
    assert len(g) == len(t) == 5
    assert isinstance(g[1:3], gnn.ModuleList) and len(g[1:3]) == 2
    assert g[-1] is list(g)[-1]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        g[5]


def test_module_list_repeated_repr_and_add():
    g = gnn.ModuleList([gnn.Linear(2, 2) for _ in range(3)] + [gnn.Identity()])
    t = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.Identity()])
    assert repr(g) == repr(t)
    assert repr(gnn.ModuleList()) == repr(torch.nn.ModuleList())
    both = g + gnn.ModuleList([gnn.Identity()])
    assert len(both) == 5 and list(both._modules) == [str(i) for i in range(5)]
    del g[1:3]
    assert list(g._modules) == ["0", "1"]
    assert isinstance(g.pop(-1), gnn.Identity)


def test_module_list_params_registered_and_errors():
    class Net(gnn.Module):
        def __init__(self):
            super().__init__()
            self.layers = gnn.ModuleList([gnn.Linear(2, 2) for _ in range(2)])
    assert [n for n, _ in Net().named_parameters()] == \
        ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        gnn.ModuleList().extend(5)
    with pytest.raises(NotImplementedError):
        gnn.ModuleList([gnn.Identity()])(galton.zeros(1))


# --- ModuleDict --------------------------------------------------------------------------------
def test_module_dict_matches_torch():
    def build(nn):
        md = nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.Linear(2, 3)})
        md["c"] = nn.Linear(3, 4)
        md.update([("d", nn.Linear(4, 5))])
        md.update(OrderedDict([("e", nn.Identity())]))
        del md["b"]
        return md
    g, t = build(gnn), build(torch.nn)
    assert list(g.keys()) == list(t.keys()) == ["a", "c", "d", "e"]
    assert keys(g) == keys(t)
    assert repr(g) == repr(t)
    assert "a" in g and "b" not in g and len(g) == 4
    assert list(iter(g)) == list(g.keys())
    assert [k for k, _ in g.items()] == list(g.keys()) and len(list(g.values())) == 4
    assert isinstance(g.pop("e"), gnn.Identity) and "e" not in g
    g.clear()
    assert len(g) == 0


def test_module_dict_update_errors():
    with pytest.raises(TypeError, match="ModuleDict.update should be called with an iterable"):
        gnn.ModuleDict(5)
    with pytest.raises(ValueError, match="element #0 has length 3; 2 is required"):
        gnn.ModuleDict([("a", gnn.Identity(), 1)])
    with pytest.raises(TypeError, match="element #0 should be Iterable"):
        gnn.ModuleDict([5])


# --- ParameterList -----------------------------------------------------------------------------
def test_parameter_list_matches_torch():
    def build(nn, t):
        pl = nn.ParameterList([nn.Parameter(t.ones(2, 3)), t.zeros(4)])  # tensor -> Parameter
        pl.append(nn.Parameter(t.ones(1)))
        pl.extend([t.ones(5)])
        return pl
    g, t = build(gnn, galton), build(torch.nn, torch)
    assert len(g) == len(t) == 4
    assert all(isinstance(p, gnn.Parameter) for p in g)
    assert keys(g) == keys(t) == ["0", "1", "2", "3"]
    assert repr(g).replace("galton.", "torch.") == repr(t)
    assert isinstance(g[1:3], gnn.ParameterList) and len(g[1:3]) == 2
    assert g[-1] is list(g)[-1]
    g[0] = galton.zeros(7)
    assert isinstance(g[0], gnn.Parameter) and tuple(g[0].shape) == (7,)
    with pytest.raises(IndexError):
        g[4]


def test_parameter_list_in_module_and_errors():
    class Net(gnn.Module):
        def __init__(self):
            super().__init__()
            self.ws = gnn.ParameterList([gnn.Parameter(galton.ones(2)) for _ in range(3)])
    assert [n for n, _ in Net().named_parameters()] == ["ws.0", "ws.1", "ws.2"]
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        gnn.ParameterList().extend(galton.ones(3))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        gnn.ParameterList()(1)


# --- ParameterDict -----------------------------------------------------------------------------
def test_parameter_dict_matches_torch():
    def build(nn, t):
        pd = nn.ParameterDict({"b": nn.Parameter(t.ones(2)), "a": t.zeros(3)})  # dict: sorted
        pd["c"] = nn.Parameter(t.ones(1))
        pd.update([("e", t.ones(2)), ("d", t.ones(2))])  # pairs: order kept
        return pd
    g, t = build(gnn, galton), build(torch.nn, torch)
    assert list(g.keys()) == list(t.keys()) == ["a", "b", "c", "e", "d"]
    assert keys(g) == keys(t)
    assert repr(g).replace("galton.", "torch.") == repr(t)
    assert all(isinstance(v, gnn.Parameter) for v in g.values())
    assert "a" in g and g.get("zz") is None and g.get("a") is g["a"]
    assert g.pop("e") is not None and "e" not in g
    k, v = g.popitem()
    assert k == "d" and "d" not in g
    assert g.setdefault("z", galton.ones(1)) is g["z"]
    assert list(reversed(g))[0] == "z"
    c = g.copy()
    assert list(c.keys()) == list(g.keys()) and c["a"] is g["a"]
    merged = g | gnn.ParameterDict({"new": galton.ones(1)})
    assert "new" in merged and "new" not in g
    g |= gnn.ParameterDict({"new": galton.ones(1)})
    assert "new" in g
    g.clear()
    assert len(g) == 0 and list(g.parameters()) == []


def test_parameter_dict_errors():
    with pytest.raises(TypeError, match="not a string"):
        gnn.ParameterDict()[3]
    with pytest.raises(TypeError, match="ParametersDict.update should be called"):
        gnn.ParameterDict(5)
    with pytest.raises(ValueError, match="has length 1; 2 is required"):
        gnn.ParameterDict([("a",)])
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        gnn.ParameterDict()(1)
