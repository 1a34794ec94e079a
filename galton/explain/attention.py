"""Attention maps: the weights of every ``MultiheadAttention`` in a model (Transformer
layers included) from one forward pass, per head."""
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["attention_maps"]


def attention_maps(model, *args, **kwargs):
    """Run ``model(*args, **kwargs)`` once (no graph) and return ``(output, maps)``: maps is
    a dict from each ``MultiheadAttention``'s name (``"encoder.layers.0.self_attn"``) to
    its weights per head, a Tensor (N, num_heads, L, S) — (num_heads, L, S) for unbatched
    inputs — whose rows (queries) sum to 1 over the keys. A module called more than once
    adds ``"name#2"``, ``"name#3"``...

    Transformer layers ask their attention for no weights (``need_weights=False``); for
    this one pass each attention computes them anyway, and hands its caller what it asked
    for, so the model's output is unchanged.

    >>> out, maps = attention_maps(model, tokens)
    >>> maps["encoder.layers.0.self_attn"].shape      # (N, heads, L, L)
    """
    from ..nn import MultiheadAttention
    found = [(name, m) for name, m in model.named_modules()
             if isinstance(m, MultiheadAttention)]
    if not found:
        raise ValueError(f"{type(model).__name__} has no nn.MultiheadAttention layer (nor a "
                         "Transformer layer, which holds them): there is no attention to show")
    maps = {}
    for name, m in found:
        m.__dict__["forward"] = _recording(m, name or type(model).__name__, maps)
    try:
        with no_grad():
            output = model(*args, **kwargs)
    finally:
        for _, m in found:
            m.__dict__.pop("forward", None)
    return output, maps


def _recording(module, name, maps):
    """A forward for ``module`` that always computes the per-head weights and keeps them."""
    original = type(module).forward

    def forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        out, w = original(module, query, key, value, key_padding_mask=key_padding_mask,
                          need_weights=True, attn_mask=attn_mask, average_attn_weights=False,
                          is_causal=is_causal)
        calls = sum(1 for k in maps if k == name or k.startswith(name + "#"))
        maps[name if calls == 0 else f"{name}#{calls + 1}"] = Tensor._wrap(w._data)
        if not need_weights:
            return out, None
        return out, (w.mean(dim=-3) if average_attn_weights else w)
    return forward
