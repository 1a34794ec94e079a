"""Lookup tables and attention, as ``torch.nn.functional``: ``embedding``, ``embedding_bag``,
``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

``embedding`` and ``embedding_bag`` are fused ops whose backward adds each output row's gradient
into its table row by sorting the indices once (no ``np.add.at``). Attention is composed of
galton's matmul, softmax and dropout ops, each with its own backward.
"""
import math

import numpy as np

from ...ops.activation import softmax
from ...ops.index_ops import masked_fill
from ...ops.linalg import linear, matmul
from ...ops._util import linear_map
from ...tensor import Tensor, make_result
from .dropout import dropout
from .sparse import record_sparse_rows

__all__ = ["embedding", "embedding_bag", "scaled_dot_product_attention",
           "multi_head_attention_forward"]


# --- embedding --------------------------------------------------------------------------------
def _indices(input, name):
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {_torch_type(a)} instead "
                           f"(while checking arguments for {name})")
    return a


def _torch_type(a):
    names = {"f4": "FloatTensor", "f8": "DoubleTensor", "f2": "HalfTensor", "b1": "BoolTensor"}
    return "torch." + names.get(a.dtype.str[1:], "Tensor")


def _check_range(idx, n):
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")


def _padding_idx(padding_idx, n):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= n:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += n
    return padding_idx


def _renorm_(weight, idx, max_norm, norm_type):
    """Rescale in place (outside autograd, as PyTorch) the looked-up rows whose norm exceeds
    max_norm."""
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
        weight._version += 1


def _scatter_rows(flat_idx, rows_grad, n, dtype, scale_by_freq=False, skip=None):
    """Sum rows of ``rows_grad`` into an (n, D) table at ``flat_idx``: one stable sort, one
    ``add.reduceat`` over runs of equal indices."""
    out = np.zeros((n,) + rows_grad.shape[1:], dtype)
    if flat_idx.size == 0:
        return out
    order = np.argsort(flat_idx, kind="stable")
    s = flat_idx[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    sums = np.add.reduceat(rows_grad[order], starts, axis=0)
    if scale_by_freq:
        counts = np.diff(np.r_[starts, s.size])
        sums /= counts.reshape((-1,) + (1,) * (sums.ndim - 1))
    out[s[starts]] = sums
    if skip is not None:
        out[skip] = 0
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` picked by the integer ``input``: output shape ``input.shape + (D,)``.

    padding_idx: that row gets no gradient. max_norm: looked-up rows whose norm exceeds it are
    rescaled in place first. sparse=True: the gradient is still a dense array, and the rows
    looked up are recorded for ``optim.SparseAdam`` (see functional/sparse.py).

    >>> F.embedding(galton.tensor([[0, 2]]), galton.eye(3))
    tensor([[[1., 0., 0.],
             [0., 0., 1.]]])
    """
    idx = _indices(input, "embedding")
    w = weight._data
    n = w.shape[0]
    padding_idx = _padding_idx(padding_idx, n)
    _check_range(idx, n)
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
        w = weight._data
    out = w.take(idx, axis=0)
    if sparse:
        record_sparse_rows(weight, idx, padding_idx)

    flat = idx.reshape(-1)

    def scatter(g):
        return _scatter_rows(flat, g.reshape((flat.size,) + w.shape[1:]), n, g.dtype,
                             scale_grad_by_freq, padding_idx)

    def pick(v):  # scatter's adjoint: the rows again, the skipped row zero. As PyTorch's
        # embedding_dense_double_backward, without scale_grad_by_freq's factor (that scaled
        # "gradient" is no derivative, so there is no exact second one to match instead)
        rows = v.take(idx, axis=0)
        if padding_idx is not None:
            rows = rows * (idx != padding_idx)[..., None]
        return rows

    def backward(g, xp=np):
        return (scatter(g) if xp is np else linear_map(scatter, pick, g, "EmbeddingBackward0"),)
    # the indices are not differentiable: next_functions hold the weight alone, as PyTorch's
    return make_result(out, (weight,), backward, "EmbeddingBackward0")


def _bags(idx, offsets, include_last_offset):
    """Flat indices, the bag of each, and the number of bags."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets).__name__}")
        b, m = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(b), m), b
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = np.asarray(offsets._data if isinstance(offsets, Tensor) else offsets, dtype=np.int64)
    if off.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {int(off[0])}")
    n_bags = off.size - 1 if include_last_offset else off.size
    end = int(off[-1]) if include_last_offset and off.size else idx.size
    idx = idx[:end]
    bag = np.searchsorted(off[:n_bags], np.arange(idx.size), side="right") - 1
    return idx, bag, n_bags


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sum, mean or max of the embeddings of each bag, without materialising the lookups.

    Bags are the rows of a 2-D ``input``, or the slices of a 1-D ``input`` starting at
    ``offsets``. Indices equal to ``padding_idx`` are left out (and not counted by the mean);
    an empty bag gives zeros. ``per_sample_weights`` scales each lookup (mode='sum' only).
    """
    idx = _indices(input, "embedding_bag")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != idx.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights "
                         f"({tuple(per_sample_weights.shape)}) is not None, then it must have "
                         f"the same shape as the input ({tuple(idx.shape)})")
    w = weight._data
    n, d = w.shape
    padding_idx = _padding_idx(padding_idx, n)
    flat, bag, n_bags = _bags(idx, offsets, include_last_offset)
    _check_range(flat, n)
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
        w = weight._data
    if sparse:
        record_sparse_rows(weight, flat, padding_idx)
    keep = np.ones(flat.size, bool) if padding_idx is None else flat != padding_idx
    counts = np.bincount(bag[keep], minlength=n_bags).astype(w.dtype)
    rows = w.take(flat, axis=0)
    psw = None
    if per_sample_weights is not None:
        psw = per_sample_weights._data.reshape(-1)[:flat.size]
    if mode == "max":
        rows = np.where(keep[:, None], rows, -np.inf)
    else:
        rows = rows * (keep if psw is None else keep * psw)[:, None].astype(w.dtype)
    out = np.zeros((n_bags, d), w.dtype)
    starts = np.searchsorted(bag, np.arange(n_bags))
    nonempty = np.flatnonzero(np.bincount(bag, minlength=n_bags) > 0)
    if nonempty.size:
        reduce = np.maximum if mode == "max" else np.add
        out[nonempty] = reduce.reduceat(rows, starts[nonempty], axis=0)
    if mode == "max":
        out[counts == 0] = 0
        # the first element of each bag that reached the max takes the gradient
        hit = (rows == out[bag]) & keep[:, None]
        run = np.cumsum(hit, axis=0)
        before = np.zeros((n_bags, d), run.dtype)  # hits counted before each bag starts
        later = starts > 0
        before[later] = run[starts[later] - 1]
        winner = hit & (run - before[bag] == 1)
    elif mode == "mean":
        out /= np.maximum(counts, 1)[:, None]

    def backward(g):
        gw = gp = None
        if mode == "max":
            per_row = np.where(winner, g[bag], 0)
        else:
            scale = keep.astype(g.dtype)
            if mode == "mean":
                scale = scale / np.maximum(counts, 1)[bag]
            if psw is not None:
                if per_sample_weights._rg:
                    gp = ((g[bag] * w.take(flat, axis=0)).sum(axis=1) * keep).astype(g.dtype)
                    gp = np.concatenate([gp, np.zeros(psw.size - gp.size, g.dtype)]).reshape(
                        per_sample_weights.shape)
                scale = scale * psw
            per_row = g[bag] * scale[:, None]
        if weight._rg:
            gw = _scatter_rows(flat, per_row.astype(g.dtype, copy=False), n, g.dtype,
                               scale_grad_by_freq, padding_idx)
        return None, gw, gp
    return make_result(out, (None, weight, per_sample_weights), backward,
                       "EmbeddingBagBackward0")


# --- attention --------------------------------------------------------------------------------
def _float_mask(mask, dtype, name="attn_mask"):
    """A bool mask (True = masked out) as an additive float array; float masks pass through."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, -np.inf, 0).astype(dtype)
    if m.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return m.astype(dtype, copy=False)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(Q K^T * scale + mask) V`` over the last two dims (..., L, E) x (..., S, E).

    attn_mask: bool (True = may attend, PyTorch's SDPA convention) or float (added);
    is_causal: query i sees keys 0..i. scale defaults to 1/sqrt(E).
    """
    L, E = query.shape[-2], query.shape[-1]
    S = key.shape[-2]
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, dim=-3)
        value = value.repeat_interleave(rep, dim=-3)
    s = 1.0 / math.sqrt(E) if scale is None else scale
    scores = matmul(query * s, key.transpose(-2, -1))
    if is_causal:
        scores = masked_fill(scores, Tensor._wrap(~np.tril(np.ones((L, S), bool))), float("-inf"))
    elif attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if m.dtype == np.bool_:
            scores = masked_fill(scores, Tensor._wrap(~m), float("-inf"))
        else:
            scores = scores + attn_mask
    attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return matmul(attn, value)


def _in_projection_packed(q, k, v, w, b):
    E = q.shape[-1]
    if k is v:
        if q is k:  # self-attention: one GEMM for all three
            return linear(q, w, b).chunk(3, dim=-1)
        q_ = linear(q, w[:E], b[:E] if b is not None else None)
        kv = linear(k, w[E:], b[E:] if b is not None else None).chunk(2, dim=-1)
        return q_, kv[0], kv[1]
    bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
    return linear(q, w[:E], bq), linear(k, w[E:2 * E], bk), linear(v, w[2 * E:], bv)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                                 f" but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 "respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """PyTorch's multi-head attention on (L, N, E) query and (S, N, E) key/value (or unbatched
    (L, E)); returns ``(output, weights)`` with weights (N, L, S) averaged over heads, or
    (N, heads, L, S), or None when ``need_weights=False``.

    Masks: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N*heads, L, S); bool ones mark
    positions that may NOT be attended, float ones are added to the scores.
    """
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k / static_v are not "
                                  "supported by galton")
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    dtype = query._data.dtype
    kpm = _float_mask(key_padding_mask, dtype, "key_padding_mask")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    am = _float_mask(attn_mask, dtype)  # the mask itself encodes causality when given
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
        b = in_proj_bias
        e = embed_dim
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        q, k, v = (linear(query, q_proj_weight, bq), linear(key, k_proj_weight, bk),
                   linear(value, v_proj_weight, bv))
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                                 f"{tuple(value.shape)}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if am is not None:
        if am.ndim == 2:
            if am.shape != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(am.shape)}, but "
                                   f"should be {(tgt_len, src_len)}.")
            am = am[None]
        elif am.shape != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(am.shape)}, but should "
                               f"be {(bsz * num_heads, tgt_len, src_len)}.")
    if bias_k is not None and bias_v is not None:
        from ...ops.joining import cat
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        am = None if am is None else np.pad(am, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else np.pad(kpm, ((0, 0), (0, 1)))
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        from ...ops.joining import cat
        zeros = Tensor._wrap(np.zeros((bsz * num_heads, 1, head_dim), dtype))
        k, v = cat([k, zeros], dim=1), cat([v, zeros], dim=1)
        am = None if am is None else np.pad(am, ((0, 0), (0, 0), (0, 1)))
        kpm = None if kpm is None else np.pad(kpm, ((0, 0), (0, 1)))
    src_len = k.shape[1]
    if kpm is not None:
        if kpm.shape != (bsz, src_len):
            dim = 0 if kpm.shape[0] != bsz else 1
            raise AssertionError(f"Expected key_padded_mask.shape[{dim}] to be "
                                 f"{(bsz, src_len)[dim]}, but got {kpm.shape[dim]}")
        kpm = np.repeat(kpm[:, None, None, :], num_heads, axis=1).reshape(bsz * num_heads, 1,
                                                                         src_len)
        am = kpm if am is None else am + kpm
    if not training:
        dropout_p = 0.0
    scores = matmul(q * math.sqrt(1.0 / head_dim), k.transpose(-2, -1))
    if am is not None:
        scores = scores + Tensor._wrap(am)
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    out = matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        weights = weights.squeeze(0)
    return out, weights
