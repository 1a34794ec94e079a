"""create_graph=True through the ops added to the double-backward set after the first round:
indexing by tensors, sort/topk, shape ops, prod/cumprod, einsum, the fused losses and layers,
RNN/LSTM/GRU. Each against PyTorch's second derivatives (tests/autograd/twice_oracle.py)."""
import numpy as np
import pytest
import galton

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


def _with_zero(shape):
    a = np.random.default_rng(3).standard_normal(shape)
    a.reshape(-1)[1] = 0.0  # a zero: the product's gradient must not divide by it
    return a


NONLINEAR_CASES = {
    "prod_all": (lambda t, x: t.prod(x) * x.sum(), [(2, 3)]),
    "prod_dim": (lambda t, x: t.prod(x, 1) ** 2 + t.prod(x, 0, keepdim=True).sum(), [(3, 4)]),
    "cumprod": (lambda t, x: t.cumprod(x, 1) ** 2, [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(NONLINEAR_CASES))
def test_nonlinear_ops_second_derivatives_match_torch(name):
    fn, shapes = NONLINEAR_CASES[name]
    compare_twice(fn, shapes)


@pytest.mark.parametrize("name", ["prod_all", "prod_dim", "cumprod"])
def test_products_with_a_zero(name):
    fn, shapes = NONLINEAR_CASES[name]
    compare_twice(fn, inputs=[_with_zero(shapes[0])])


EINSUM_CASES = {
    "einsum_matmul": (lambda t, a, b: t.einsum("ij,jk->ik", a, b) ** 2, [(2, 3), (3, 4)]),
    "einsum_batch_outer": (lambda t, a, b: t.einsum("bi,bj->bij", a ** 2, b) ** 2,
                           [(2, 3), (2, 4)]),
    "einsum_three": (lambda t, a, b, c: t.einsum("ij,jk,k->i", a, b, c) ** 2,
                     [(2, 3), (3, 4), (4,)]),
    "einsum_summed_letter": (lambda t, a, b: t.einsum("ij,k->ik", a ** 2, b) ** 2,
                             [(2, 3), (4,)]),
    "einsum_diagonal": (lambda t, a: t.einsum("ii->i", a) ** 3, [(3, 3)]),
    "einsum_diagonal_with_other": (lambda t, a, b: t.einsum("ii,ij->ij", a, b ** 2) ** 2,
                                   [(3, 3), (3, 2)]),
    "einsum_diagonal_summed": (lambda t, a, b: t.einsum("iij,k->k", a ** 2, b) ** 2,
                               [(2, 2, 3), (4,)]),
    "einsum_implicit": (lambda t, a, b: t.einsum("ij,jk", a, b ** 2) ** 2, [(2, 3), (3, 2)]),
}


@pytest.mark.parametrize("name", sorted(EINSUM_CASES))
def test_einsum_second_derivatives_match_torch(name):
    fn, shapes = EINSUM_CASES[name]
    compare_twice(fn, shapes)


def _cdist_or_norm(t, a, b, p):
    import galton
    if t is galton:
        return t.cdist(a, b, p=p)
    # PyTorch has no double backward for its cdist kernel (small inputs): its composite form
    return (a.unsqueeze(-2) - b.unsqueeze(-3)).norm(p, dim=-1)


FUSED_CASES = {
    "cdist_p2": (lambda t, a, b: _cdist_or_norm(t, a, b ** 2, 2.0) ** 2, [(3, 4), (2, 4)]),
    "cdist_p1_p3": (lambda t, a, b: _cdist_or_norm(t, a, b, 1.0) ** 2
                    + _cdist_or_norm(t, a ** 2, b, 3.0) ** 2, [(2, 3), (3, 3)]),
    "prelu": (lambda t, x, w: t.nn.functional.prelu(x ** 3, w ** 2) ** 2, [(2, 3, 4), (3,)]),
    "prelu_single": (lambda t, x, w: t.nn.functional.prelu(x, w * x.sum()) ** 2, [(2, 3), (1,)]),
    "glu": (lambda t, x: t.nn.functional.glu(x ** 2, 1) ** 2, [(2, 4, 3)]),
    "kl_div": (lambda t, x, y: t.nn.functional.kl_div(t.log_softmax(x, 1), t.softmax(y, 1),
                                                      reduction="batchmean") ** 2,
               [(3, 4), (3, 4)]),
    "kl_div_log_target": (lambda t, x, y: t.nn.functional.kl_div(
        x ** 2, y * x, reduction="sum", log_target=True) * x.sum(), [(3, 4), (3, 4)]),
    "kl_div_none": (lambda t, x, y: t.nn.functional.kl_div(x, y.abs() * x, reduction="none")
                    ** 2, [(3, 4), (3, 4)]),
    "cosine_embedding_loss": (lambda t, a, b: t.nn.functional.cosine_embedding_loss(
        a ** 2, b, t.tensor([1.0, -1.0, -1.0], dtype=a.dtype), margin=-0.5) ** 2,
        [(3, 4), (3, 4)]),
}


@pytest.mark.parametrize("name", sorted(FUSED_CASES))
def test_fused_ops_second_derivatives_match_torch(name):
    fn, shapes = FUSED_CASES[name]
    compare_twice(fn, shapes)


def test_empty_batch_norm_gives_zero_gradients_under_create_graph():
    import galton
    x = galton.zeros(0, 3, dtype=galton.float64, requires_grad=True)
    w = galton.ones(3, dtype=galton.float64, requires_grad=True)
    out = galton.nn.functional.batch_norm(x, None, None, w, None, training=True)
    gx, gw = galton.autograd.grad((out ** 2).sum() + w.sum(), (x, w), create_graph=True)
    assert tuple(gx.shape) == (0, 3) and gw.tolist() == [1.0, 1.0, 1.0]


def _recurrent_twice(lib, kind, state, x_arr, packed_lengths=None, **kw):
    """First and second derivatives (input and every parameter) of a recurrent layer."""
    layer = getattr(lib.nn, kind)(**kw).double()
    layer.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    x = lib.tensor(x_arr, requires_grad=True)
    params = [p for _, p in sorted(layer.named_parameters())]
    inp = x
    if packed_lengths is not None:
        inp = lib.nn.utils.rnn.pack_padded_sequence(x, packed_lengths, enforce_sorted=False)
    out, hidden = layer(inp)
    if packed_lengths is not None:
        out, _ = lib.nn.utils.rnn.pad_packed_sequence(out)
    states = hidden if isinstance(hidden, tuple) else (hidden,)
    y = (out ** 2).sum() + sum((h ** 3).sum() for h in states)
    firsts = lib.autograd.grad(y, [x] + params, create_graph=True)
    rng = np.random.default_rng(7)
    s = sum((f * lib.tensor(rng.standard_normal(tuple(f.shape)))).sum() for f in firsts)
    seconds = lib.autograd.grad(s, [x] + params)
    return [f.detach().numpy() for f in firsts], [g.numpy() for g in seconds]


RECURRENT = {
    "LSTM": dict(input_size=3, hidden_size=4),
    "LSTM_proj_bidir_2layers": dict(input_size=3, hidden_size=4, proj_size=2,
                                    bidirectional=True, num_layers=2),
    "GRU": dict(input_size=3, hidden_size=4),
    "GRU_bidir_nobias": dict(input_size=3, hidden_size=4, bidirectional=True, bias=False),
    "RNN_tanh": dict(input_size=3, hidden_size=4),
    "RNN_relu_bidir": dict(input_size=3, hidden_size=4, nonlinearity="relu",
                           bidirectional=True),
}


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_recurrent_layers_second_derivatives_match_torch(name, packed):
    import galton
    import torch
    kind, kw = name.split("_")[0], RECURRENT[name]
    torch.manual_seed(0)
    state = {k: v.detach().double().numpy() for k, v in
             getattr(torch.nn, kind)(**kw).state_dict().items()}
    x = np.random.default_rng(1).standard_normal((5, 3, 3)) * 0.8
    lengths = [5, 2, 4] if packed else None
    g1, g2 = _recurrent_twice(galton, kind, state, x, lengths, **kw)
    t1, t2 = _recurrent_twice(torch, kind, state, x, lengths, **kw)
    for order, gs, ts in (("first", g1, t1), ("second", g2, t2)):
        for i, (a, b) in enumerate(zip(gs, ts)):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9,
                                       err_msg=f"{order} derivative {i}")


LAYER_CASES = {
    "embedding": (lambda t, w: t.nn.functional.embedding(t.tensor([[0, 2], [2, 2]]), w ** 2)
                  ** 2, [(3, 4)]),
    "embedding_freq_padding": (lambda t, w: t.nn.functional.embedding(
        t.tensor([[0, 2], [2, 1]]), w ** 2, padding_idx=1, scale_grad_by_freq=True) ** 2,
        [(3, 4)]),
    "pad_constant_crop": (lambda t, x: t.nn.functional.pad(x ** 2, (1, -1, 2, 0)) ** 2,
                          [(2, 3, 4)]),
    "pad_reflect": (lambda t, x: t.nn.functional.pad(x ** 2, (2, 1), mode="reflect") ** 2,
                    [(2, 3, 4)]),
    "pad_replicate_circular": (lambda t, x: t.nn.functional.pad(x ** 2, (1, 2, 1, 1),
                                                                mode="replicate") ** 2
                               + t.nn.functional.pad(x ** 3, (1, 2, 1, 1), mode="circular"),
                               [(1, 2, 3, 4)]),
    "interpolate_bilinear": (lambda t, x: t.nn.functional.interpolate(
        x ** 2, scale_factor=2, mode="bilinear", align_corners=False) ** 2, [(1, 2, 3, 3)]),
    "interpolate_nearest": (lambda t, x: t.nn.functional.interpolate(x ** 2, size=5) ** 2,
                            [(1, 2, 3)]),
    "bilinear": (lambda t, a, b, w, c: _bilinear(t)(a ** 2, b, w, c) ** 2,
                 [(3, 2), (3, 4), (5, 2, 4), (5,)]),
    "dropout_p0_and_eval": (lambda t, x: t.nn.functional.dropout(x ** 2, 0.0) ** 2, [(4,)]),
    "lgamma_digamma_polygamma": (lambda t, x: t.lgamma(x) * t.digamma(x) + t.polygamma(1, x),
                                 [(4,)]),
    "erfinv": (lambda t, x: t.erfinv(t.tanh(x) * 0.9) ** 2, [(4,)]),
    "setitem_and_fill": (lambda t, x, v: _written(t, x, v), [(3, 4), (4,)]),
    "parameters_to_vector": (lambda t, a, b: t.nn.utils.parameters_to_vector([a ** 2, b]) ** 2,
                             [(2, 3), (4,)]),
}


def _bilinear(t):
    import galton
    return galton.nn.linear.bilinear if t is galton else t.nn.functional.bilinear


def _written(t, x, v):
    y = x * 1.0
    y[1] = v ** 2           # CopySlices, the value broadcast into a row
    y[:, 0] = 0.5           # a constant written over a column
    z = y ** 2
    z[0].fill_(3.0)         # a view's fill
    return z * x


@pytest.mark.parametrize("name", sorted(LAYER_CASES))
def test_layers_second_derivatives_match_torch(name):
    fn, shapes = LAYER_CASES[name]
    positive = name == "lgamma_digamma_polygamma"
    compare_twice(fn, shapes, positive=positive)


def _sym(m):
    return m + m.transpose(-1, -2)


def _spd(t, m):
    return m @ m.transpose(-1, -2) + 3 * t.eye(m.shape[-1], dtype=m.dtype)


LINALG_CASES = {
    "inv": (lambda t, a: t.linalg.inv(_spd(t, a)) ** 2, [(3, 3)]),
    "det_slogdet": (lambda t, a: t.linalg.det(_spd(t, a)) ** 2
                    + t.linalg.slogdet(_spd(t, a))[1] ** 3, [(2, 3, 3)]),
    "solve": (lambda t, a, b: t.linalg.solve(_spd(t, a), b ** 2) ** 2, [(3, 3), (3, 2)]),
    "solve_vector_right": (lambda t, a, b: t.linalg.solve(_spd(t, a), b ** 2) ** 2
                           + t.linalg.solve(_spd(t, a), b.unsqueeze(0).expand(2, 3),
                                            left=False).sum(0) ** 2, [(3, 3), (3,)]),
    "cholesky": (lambda t, a: t.linalg.cholesky(_spd(t, a)) ** 2
                 + t.linalg.cholesky(_spd(t, a), upper=True) ** 3, [(3, 3)]),
    "eigvalsh": (lambda t, a: t.linalg.eigvalsh(_spd(t, a)) ** 2, [(3, 3)]),
    "svdvals": (lambda t, a: t.linalg.svdvals(a) ** 2, [(3, 2)]),
    "pinv": (lambda t, a: t.linalg.pinv(a) ** 2, [(3, 2)]),
    # the full decompositions, through functions of the vectors that do not depend on their
    # signs (which are arbitrary)
    "eigh": (lambda t, a: (t.linalg.eigh(_sym(a))[0] ** 2).sum()
             + ((t.linalg.eigh(_sym(a))[1] ** 2) * t.arange(3.0, dtype=a.dtype)).sum() ** 2,
             [(3, 3)]),
    "eigh_upper_batch": (lambda t, a: (t.linalg.eigh(a, UPLO="U")[1] ** 2 * a).sum() ** 2,
                         [(2, 3, 3)]),
    "svd_tall_reduced": (lambda t, a: (t.linalg.svd(a, full_matrices=False)[1] ** 3).sum()
                         + (t.linalg.svd(a, full_matrices=False)[0] ** 2
                            * t.arange(2.0, dtype=a.dtype)).sum() ** 2
                         + (t.linalg.svd(a, full_matrices=False)[2] ** 2
                            * t.arange(2.0, dtype=a.dtype)).sum() ** 2, [(4, 2)]),
    "svd_wide_full": (lambda t, a: (t.linalg.svd(a)[0][:, :2] ** 2
                                    * t.arange(2.0, dtype=a.dtype)).sum() ** 2
                      + t.linalg.svd(a)[1].sum() ** 2, [(2, 4)]),
    "svd_square_batch": (lambda t, a: ((t.linalg.svd(a)[0]
                                        @ t.diag_embed(t.linalg.svd(a)[1] ** 2)
                                        @ t.linalg.svd(a)[2]) ** 2).sum(), [(2, 3, 3)]),
    "qr_tall": (lambda t, a: (t.linalg.qr(a)[0] ** 3).sum() + (t.linalg.qr(a)[1] ** 3).sum(),
                [(4, 3)]),
    "qr_wide": (lambda t, a: (t.linalg.qr(a)[0] ** 3).sum() + (t.linalg.qr(a)[1] ** 3).sum(),
                [(2, 4)]),
    "qr_complete": (lambda t, a: (t.linalg.qr(a, mode="complete")[0] ** 3).sum()
                    + (t.linalg.qr(a, mode="complete")[1] ** 3).sum(), [(2, 3)]),
    "cross": (lambda t, a, b: t.linalg.cross(a ** 2, b) ** 2, [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", sorted(LINALG_CASES))
def test_linalg_second_derivatives_match_torch(name):
    fn, shapes = LINALG_CASES[name]
    compare_twice(fn, shapes, rtol=1e-5, atol=1e-7)


def test_det_of_singular_matrices_differentiates_twice_as_torch():
    # rank 2 of 3: det is 0 (or rounding away from it) and A^-1 has no digits; the SVD form
    rng = np.random.default_rng(3)
    singular = rng.standard_normal((3, 2)) @ rng.standard_normal((2, 3))
    compare_twice(lambda t, a: t.linalg.det(a) ** 2 + t.linalg.det(a),
                  inputs=[np.stack([singular, rng.standard_normal((3, 3))])],
                  rtol=1e-5, atol=1e-7)
    # an exactly zero row: PyTorch 2.13's second derivative fails its own gradgradcheck
    # there; galton's passes (finite differences are the judge)
    zero_row = galton.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 7.0]],
                             dtype=galton.float64, requires_grad=True)
    assert galton.autograd.gradgradcheck(lambda a: galton.linalg.det(a) ** 2
                                         + galton.linalg.det(a), (zero_row,))


def test_decompositions_pass_gradgradcheck():
    rng = np.random.default_rng(4)
    a = galton.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert galton.autograd.gradgradcheck(
        lambda x: (galton.linalg.eigh(x + x.mT)[1] ** 2 * galton.arange(3.0, dtype=x.dtype)).sum(),
        (a,))
    assert galton.autograd.gradgradcheck(lambda x: galton.linalg.svd(x)[1], (a,))
    assert galton.autograd.gradgradcheck(lambda x: galton.linalg.qr(x)[1], (a,))
    assert galton.autograd.gradgradcheck(lambda x: galton.einsum("ii->i", x) ** 2, (a,))


def test_solve_triangular_second_derivatives_match_torch():
    def fn(t, a, b):
        low = t.tril(a) + 3 * t.eye(3, dtype=a.dtype)
        return (t.linalg.solve_triangular(low, b ** 2, upper=False) ** 2).sum() + \
            (t.linalg.solve_triangular(low.transpose(0, 1), b.transpose(0, 1), upper=True,
                                       left=False, unitriangular=True) ** 2).sum()
    compare_twice(fn, [(3, 3), (3, 2)], rtol=1e-5, atol=1e-7)
