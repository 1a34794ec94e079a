"""create_graph=True through the ops added to the double-backward set after the first round:
indexing by tensors, sort/topk, shape ops, prod/cumprod, einsum, the fused losses and layers,
RNN/LSTM/GRU. Each against PyTorch's second derivatives (tests/autograd/twice_oracle.py)."""
import numpy as np
import pytest

from tests.autograd.twice_oracle import compare_twice


def _idx(t, rows):
    return t.tensor(np.array(rows, dtype=np.int64))


CASES = {
    "gather": (lambda t, x: t.gather(x ** 2, 1, _idx(t, [[0, 0, 2], [1, 3, 3], [2, 1, 0]])) ** 2,
               [(3, 4)]),
    "gather_0d": (lambda t, x: t.gather(x.sum() ** 2, 0, _idx(t, 0)) ** 2, [(3,)]),
    "take_along_dim": (lambda t, x: t.take_along_dim(x ** 2, _idx(t, [[1], [0], [3]]), 1) ** 2,
                       [(3, 4)]),
    "take_along_dim_flat": (lambda t, x: t.take_along_dim(x ** 2, _idx(t, [5, 5, 0])) ** 2,
                            [(3, 4)]),
    "scatter": (lambda t, x, s: t.scatter(x ** 2, 1, _idx(t, [[0, 2], [3, 1]]), s ** 2) ** 2,
                [(2, 4), (2, 2)]),
    "scatter_add": (lambda t, x, s: t.scatter_add(x ** 2, 0, _idx(t, [[0, 1, 0], [0, 0, 1]]),
                                                  s ** 2) ** 2, [(2, 3), (2, 3)]),
    "index_select": (lambda t, x: t.index_select(x ** 2, 1, _idx(t, [3, 0, 3])) ** 2, [(2, 4)]),
    "index_add": (lambda t, x, s: t.index_add(x ** 2, 0, _idx(t, [2, 0, 2]), s ** 2,
                                              alpha=1.5) ** 2, [(3, 2), (3, 2)]),
    "masked_fill": (lambda t, x, v: (x ** 2).masked_fill(x > 0, v.reshape(()) ** 2) ** 2,
                    [(3, 4), (1,)]),
    "masked_select": (lambda t, x: t.masked_select(x ** 2, x > 0) ** 2, [(3, 4)]),
    "sort": (lambda t, x: t.sort(x ** 3, 1, descending=True)[0].cumsum(1) ** 2, [(3, 5)]),
    "topk": (lambda t, x: t.topk(x ** 3, 2, 1)[0] ** 2, [(3, 5)]),
    "topk_partition": (lambda t, x: t.topk(x ** 3, 2, 1, largest=False)[0] ** 2, [(2, 40)]),
    "median_dim": (lambda t, x: t.median(x ** 3, 1)[0] ** 2, [(3, 5)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivatives_match_torch(name):
    fn, shapes = CASES[name]
    compare_twice(fn, shapes)


SHAPE_CASES = {
    "repeat": (lambda t, x: (x ** 2).repeat(2, 1, 3) ** 2, [(2, 3)]),
    "repeat_interleave": (lambda t, x: ((x ** 2).repeat_interleave(2, dim=1) ** 2).sum()
                          + (t.repeat_interleave(x ** 3, t.tensor([1, 0, 2]), dim=0).sum(0)
                             ** 2).sum(), [(3, 2)]),
    "repeat_interleave_flat": (lambda t, x: (x ** 2).repeat_interleave(3) ** 2, [(2, 2)]),
    "roll": (lambda t, x: t.roll(x ** 2, 1) ** 2 + t.roll(x ** 2, (1, -1), (0, 1)) ** 3,
             [(3, 4)]),
    "tril_triu": (lambda t, x: t.tril(x ** 2, -1) ** 2 + t.triu(x ** 3, 1) ** 2, [(4, 4)]),
    "movedim": (lambda t, x: t.movedim(x ** 2, 0, 2) ** 2 + t.movedim(x ** 3, (0, 1), (2, 0)),
                [(2, 3, 4)]),
    "diagonal": (lambda t, x: t.diagonal(x ** 2, 1, 0, 2) ** 2, [(3, 2, 4)]),
    "diag": (lambda t, x, v: (t.diag(x ** 2, -1) ** 2).sum() + (t.diag(v ** 2, 1).sum(0)
                                                                ** 2).sum(),
             [(3, 4), (3,)]),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shape_ops_second_derivatives_match_torch(name):
    fn, shapes = SHAPE_CASES[name]
    compare_twice(fn, shapes)
