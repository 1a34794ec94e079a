"""Vision Transformer (Dosovitskiy et al., 2020) in torchvision's layout and key names
(``conv_proj``, ``class_token``, ``encoder.pos_embedding``,
``encoder.layers.encoder_layer_0.self_attention.in_proj_weight``, ``...mlp.0`` / ``mlp.3``,
``encoder.ln``, ``heads.head``), so torchvision's weights load.

The image is cut into ``patch_size``² patches, each projected to ``hidden_dim`` (one strided
convolution); a learned class token is prepended, learned positions added, and the sequence
goes through pre-norm Transformer encoder blocks; the class token's output is classified.
ViT-B/16 has 86,567,656 parameters, B/32 88,224,232, L/16 304,326,632, L/32 306,535,400,
H/14 632,045,800 (1000 classes, 224×224).
"""
import math
import os
from collections import OrderedDict
from functools import partial

from ... import cat, nn, zeros
from ...nn import functional as F
from ...nn import init
from ._blocks import MLP, Conv2dNormActivation
from ._weights import build
from .weights import _weights, register_weights, weights_enum, weights_enum_of
from ..transforms.functional import InterpolationMode

__all__ = ["VisionTransformer", "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14",
           "ViT_B_16_Weights", "ViT_B_32_Weights", "ViT_L_16_Weights", "ViT_L_32_Weights",
           "ViT_H_14_Weights", "interpolate_embeddings"]

_LayerNorm = partial(nn.LayerNorm, eps=1e-6)


class MLPBlock(MLP):
    """The encoder's feed-forward part: Linear → GELU → Dropout → Linear → Dropout, Xavier
    weights and tiny normal biases."""

    def __init__(self, in_dim, mlp_dim, dropout):
        super().__init__(in_dim, [mlp_dim, in_dim], activation_layer=nn.GELU, inplace=None,
                         dropout=dropout)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: x + attention(LN(x)), then + MLP(LN(·))."""

    def __init__(self, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=_LayerNorm):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads,
                                                    dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        if input.dim() != 3:
            raise ValueError("EncoderBlock expected (batch_size, seq_length, hidden_dim), got "
                             f"shape {tuple(input.shape)}")
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x) + input
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """Learned positions (``pos_embedding``, N(0, 0.02) as BERT), ``num_layers`` encoder
    blocks, a final LayerNorm."""

    def __init__(self, seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                 attention_dropout, norm_layer=_LayerNorm):
        super().__init__()
        self.pos_embedding = nn.Parameter(zeros(1, seq_length, hidden_dim))
        init.normal_(self.pos_embedding, std=0.02)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                attention_dropout, norm_layer))
            for i in range(num_layers)))
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        if input.dim() != 3:
            raise ValueError("Encoder expected (batch_size, seq_length, hidden_dim), got shape "
                             f"{tuple(input.shape)}")
        return self.ln(self.layers(self.dropout(input + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """ViT (torchvision's class and arguments). ``image_size`` is fixed at construction (the
    positions are learned per patch); ``representation_size`` adds a tanh pre-logits layer;
    ``conv_stem_configs`` (a list of ConvStemConfig-like tuples: out_channels, kernel_size,
    stride, norm_layer, activation_layer) replaces the patchify convolution by a conv stem."""

    def __init__(self, image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim,
                 dropout=0.0, attention_dropout=0.0, num_classes=1000, representation_size=None,
                 norm_layer=_LayerNorm, conv_stem_configs=None):
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError(f"Input shape indivisible by patch size! image_size {image_size} "
                             f"is not a multiple of patch_size {patch_size}")
        self.image_size, self.patch_size = image_size, patch_size
        self.hidden_dim, self.mlp_dim = hidden_dim, mlp_dim
        self.attention_dropout, self.dropout = attention_dropout, dropout
        self.num_classes, self.representation_size = num_classes, representation_size
        self.norm_layer = norm_layer

        if conv_stem_configs is not None:
            stem, prev = nn.Sequential(), 3
            for i, cfg in enumerate(conv_stem_configs):
                out_channels, kernel_size, stride, *rest = cfg
                norm = rest[0] if len(rest) > 0 else nn.BatchNorm2d
                act = rest[1] if len(rest) > 1 else nn.ReLU
                stem.add_module(f"conv_bn_relu_{i}",
                                Conv2dNormActivation(prev, out_channels, kernel_size, stride,
                                                     norm_layer=norm, activation_layer=act))
                prev = out_channels
            stem.add_module("conv_last", nn.Conv2d(prev, hidden_dim, kernel_size=1))
            self.conv_proj = stem
        else:
            self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)

        seq_length = (image_size // patch_size) ** 2 + 1  # + the class token
        self.class_token = nn.Parameter(zeros(1, 1, hidden_dim))
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout, norm_layer)
        self.seq_length = seq_length

        heads = OrderedDict()
        if representation_size is None:
            heads["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads["act"] = nn.Tanh()
            heads["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads)

        # torchvision's initialisation: LeCun-style truncated normal for the patch projection,
        # the classifier at zero (so a new model starts at uniform probabilities)
        if isinstance(self.conv_proj, nn.Conv2d):
            fan_in = 3 * patch_size * patch_size
            init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
            init.zeros_(self.conv_proj.bias)
        else:
            last = self.conv_proj.conv_last
            init.normal_(last.weight, mean=0.0, std=math.sqrt(2.0 / last.out_channels))
            init.zeros_(last.bias)
        if representation_size is not None:
            init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / hidden_dim))
            init.zeros_(self.heads.pre_logits.bias)
        init.zeros_(self.heads.head.weight)
        init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        n, c, h, w = x.shape
        if h != self.image_size or w != self.image_size:
            raise ValueError(f"VisionTransformer(image_size={self.image_size}) got an image of "
                             f"{h}×{w}: it takes {self.image_size}×{self.image_size} only")
        p = self.patch_size
        x = self.conv_proj(x)  # (n, hidden_dim, h/p, w/p)
        return x.reshape(n, self.hidden_dim, (h // p) * (w // p)).permute(0, 2, 1)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        x = cat([self.class_token.expand(n, -1, -1), x], dim=1)
        x = self.encoder(x)
        return self.heads(x[:, 0])


def interpolate_embeddings(image_size, patch_size, model_state, interpolation_mode="bicubic",
                           reset_heads=False):
    """A state dict whose ``encoder.pos_embedding`` is resized (in 2-D, the class token's
    position kept) for a model of another ``image_size``; ``reset_heads`` drops ``heads.*``."""
    pos = model_state["encoder.pos_embedding"]
    n, seq_length, hidden_dim = pos.shape
    if n != 1:
        raise ValueError(f"Unexpected position embedding shape: {tuple(pos.shape)}")
    new_seq_length = (image_size // patch_size) ** 2 + 1
    if new_seq_length != seq_length:
        side = int(math.sqrt(seq_length - 1))
        if side * side != seq_length - 1:
            raise ValueError(f"seq_length {seq_length - 1} is not a perfect square!")
        token, img = pos[:, :1, :], pos[:, 1:, :].permute(0, 2, 1)
        img = img.reshape(1, hidden_dim, side, side)
        new_side = image_size // patch_size
        img = F.interpolate(img, size=new_side, mode=interpolation_mode, align_corners=True)
        img = img.reshape(1, hidden_dim, new_side * new_side).permute(0, 2, 1)
        pos = cat([token, img], dim=1)
    state = OrderedDict()
    for k, v in model_state.items():
        if reset_heads and k.startswith("heads"):
            continue
        state[k] = pos if k == "encoder.pos_embedding" else v
    return state


# --- weights and constructors ------------------------------------------------------------------
_REC = "https://github.com/pytorch/vision/tree/main/references/classification#"
_SWAG = "https://github.com/facebookresearch/SWAG"
_SWAG_LC = "https://github.com/pytorch/vision/pull/5793"
_BIC = InterpolationMode.BICUBIC


def _w(file, params, acc1, acc5, recipe, size=224, resize=256, interp=None):
    return _weights(file, size, params, acc1, acc5, recipe, resize=resize, interpolation=interp,
                    min_size=(size, size))


def _swag(file, params, acc1, acc5, size):
    return _w(file, params, acc1, acc5, _SWAG, size, size, _BIC)


def _swag_linear(file, params, acc1, acc5):
    return _w(file, params, acc1, acc5, _SWAG_LC, 224, 224, _BIC)


ViT_B_16_Weights = register_weights("vit_b_16", weights_enum("ViT_B_16_Weights", {
    "IMAGENET1K_V1": _w("vit_b_16-c867db91.pth", 86567656, 81.072, 95.318, _REC + "vit_b_16"),
    "IMAGENET1K_SWAG_E2E_V1": _swag("vit_b_16_swag-9ac1b537.pth", 86859496, 85.304, 97.650,
                                    384),
    "IMAGENET1K_SWAG_LINEAR_V1": _swag_linear("vit_b_16_lc_swag-4e70ced5.pth", 86567656,
                                              81.886, 96.180)}, "IMAGENET1K_V1"))
ViT_B_32_Weights = register_weights("vit_b_32", weights_enum("ViT_B_32_Weights", {
    "IMAGENET1K_V1": _w("vit_b_32-d86f8d99.pth", 88224232, 75.912, 92.466, _REC + "vit_b_32")},
    "IMAGENET1K_V1"))
ViT_L_16_Weights = register_weights("vit_l_16", weights_enum("ViT_L_16_Weights", {
    "IMAGENET1K_V1": _w("vit_l_16-852ce7e3.pth", 304326632, 79.662, 94.638, _REC + "vit_l_16",
                        resize=242),
    "IMAGENET1K_SWAG_E2E_V1": _swag("vit_l_16_swag-4f3808c9.pth", 305174504, 88.064, 98.512,
                                    512),
    "IMAGENET1K_SWAG_LINEAR_V1": _swag_linear("vit_l_16_lc_swag-4d563306.pth", 304326632,
                                              85.146, 97.422)}, "IMAGENET1K_V1"))
ViT_L_32_Weights = register_weights("vit_l_32", weights_enum("ViT_L_32_Weights", {
    "IMAGENET1K_V1": _w("vit_l_32-c7638314.pth", 306535400, 76.972, 93.07, _REC + "vit_l_32")},
    "IMAGENET1K_V1"))
ViT_H_14_Weights = register_weights("vit_h_14", weights_enum("ViT_H_14_Weights", {
    "IMAGENET1K_SWAG_E2E_V1": _swag("vit_h_14_swag-80465313.pth", 633470440, 88.552, 98.694,
                                    518),
    "IMAGENET1K_SWAG_LINEAR_V1": _swag_linear("vit_h_14_lc_swag-c1eb923e.pth", 632045800,
                                              85.708, 97.730)}, "IMAGENET1K_SWAG_E2E_V1"))


def _vit(arch, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, weights, kwargs):
    pretrained = kwargs.pop("pretrained", None)
    image_size = kwargs.pop("image_size", 224)
    enum_cls = weights_enum_of(arch)
    named = "DEFAULT" if pretrained else weights
    if isinstance(named, str) and not os.path.exists(named) and (
            named.isupper() or "_Weights." in named) or isinstance(named, enum_cls):
        # torchvision builds the model at the size its weights were trained at (SWAG: 384+)
        try:
            image_size = enum_cls.verify(named).meta["min_size"][0]
        except ValueError:
            pass  # not one of its weights: read_weights says so
    return build(lambda: VisionTransformer(image_size, patch_size, num_layers, num_heads,
                                           hidden_dim, mlp_dim, **kwargs),
                 weights, arch, pretrained)


def vit_b_16(*, weights=None, progress=True, **kwargs):
    """ViT-B/16: 12 layers, 12 heads, width 768, MLP 3072; 86,567,656 parameters."""
    return _vit("vit_b_16", 16, 12, 12, 768, 3072, weights, kwargs)


def vit_b_32(*, weights=None, progress=True, **kwargs):
    """ViT-B/32: as B/16 with 32×32 patches; 88,224,232 parameters."""
    return _vit("vit_b_32", 32, 12, 12, 768, 3072, weights, kwargs)


def vit_l_16(*, weights=None, progress=True, **kwargs):
    """ViT-L/16: 24 layers, 16 heads, width 1024, MLP 4096; 304,326,632 parameters."""
    return _vit("vit_l_16", 16, 24, 16, 1024, 4096, weights, kwargs)


def vit_l_32(*, weights=None, progress=True, **kwargs):
    """ViT-L/32: as L/16 with 32×32 patches; 306,535,400 parameters."""
    return _vit("vit_l_32", 32, 24, 16, 1024, 4096, weights, kwargs)


def vit_h_14(*, weights=None, progress=True, **kwargs):
    """ViT-H/14: 32 layers, 16 heads, width 1280, MLP 5120; 632,045,800 parameters at 224×224
    (its only weights, SWAG, are for 518×518)."""
    return _vit("vit_h_14", 14, 32, 16, 1280, 5120, weights, kwargs)
