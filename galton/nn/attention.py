"""Attention layers: ``MultiheadAttention`` (PyTorch's) and galton's ``PositionalEncoding``.

MultiheadAttention keeps PyTorch's parameters and state-dict keys (``in_proj_weight``,
``in_proj_bias``, ``out_proj.weight``, or ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``
when kdim/vdim differ) and initialisation (Xavier-uniform projections, zero biases).
"""
import math

import numpy as np

from ..creation import empty
from ..tensor import Tensor
from . import init
from .functional.attention import multi_head_attention_forward
from .functional.dropout import dropout as _dropout
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "PositionalEncoding"]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under another name, as PyTorch's ``out_proj`` (the name only matters there for
    quantisation; here it keeps ``repr`` identical)."""


class MultiheadAttention(Module):
    """Attention from ``num_heads`` heads of size embed_dim / num_heads, as ``torch.nn``.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None).

    >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = galton.randn(2, 5, 16)
    >>> out, w = mha(x, x, x)          # out (2, 5, 16), w (2, 5, 5)
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = query.dim() == 3
        if self.batch_first and batched:
            # (N, L, E) -> (L, N, E); self-attention keeps q, k, v the same object so the
            # three projections stay one GEMM
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights


class PositionalEncoding(Module):
    """Adds the sinusoidal position code of "Attention Is All You Need" to a sequence:
    ``pe[pos, 2i] = sin(pos / 10000^(2i/d_model))``, ``pe[pos, 2i+1] = cos(...)``, then dropout.

    Input (T, N, d_model), or (N, T, d_model) with ``batch_first=True``. The table is a
    non-persistent buffer: it is recomputed, never saved in a state dict.

    >>> pe = nn.PositionalEncoding(16, batch_first=True)
    >>> pe(galton.zeros(2, 5, 16)).shape
    galton.Size([2, 5, 16])
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        self.d_model = d_model
        self.max_len = max_len
        self.p = dropout
        self.batch_first = batch_first
        position = np.arange(max_len, dtype=np.float64)[:, None]
        div = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
        pe = np.zeros((max_len, d_model))
        pe[:, 0::2] = np.sin(position * div)
        pe[:, 1::2] = np.cos(position * div[:d_model // 2])
        table = Tensor._wrap(pe.astype(dtype.np if dtype is not None else np.float32))
        if device is not None:
            table = table.to(device)
        self.register_buffer("pe", table, persistent=False)

    def forward(self, x):
        n = x.shape[1] if self.batch_first and x.dim() == 3 else x.shape[0]
        if x.shape[-1] != self.d_model:
            raise RuntimeError(f"PositionalEncoding(d_model={self.d_model}) got input of shape "
                               f"{tuple(x.shape)}: last dimension must be {self.d_model}")
        if n > self.max_len:
            raise RuntimeError(f"PositionalEncoding(max_len={self.max_len}) got a sequence of "
                               f"{n} steps; raise max_len")
        pe = self.pe[:n]
        x = x + (pe if self.batch_first or x.dim() == 2 else pe.unsqueeze(1))
        return _dropout(x, self.p, self.training) if self.p > 0 else x

    def extra_repr(self):
        s = f"{self.d_model}, max_len={self.max_len}"
        if self.p:
            s += f", dropout={self.p}"
        if self.batch_first:
            s += ", batch_first=True"
        return s
