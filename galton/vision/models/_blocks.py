"""The building blocks torchvision keeps in ``torchvision.ops.misc`` and ``torchvision.ops``:
convolution + norm + activation, squeeze-and-excitation, stochastic depth, the MLP stack, and
the channel rounding of the MobileNet/EfficientNet families. Module names inside each block
are torchvision's (``fc1``/``fc2`` of the SE block; the MLP's layers numbered 0, 1, 2...), so
the state-dict keys of the networks built from them are torchvision's too.
"""
from ... import nn, rand

__all__ = ["make_divisible", "Conv2dNormActivation", "SqueezeExcitation", "StochasticDepth",
           "stochastic_depth", "MLP"]


def make_divisible(v, divisor, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never
    more than 10 % below ``v`` (the rule of the TensorFlow MobileNet code that torchvision
    follows; the published channel counts depend on it)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class Conv2dNormActivation(nn.Sequential):
    """``Conv2d`` → ``norm_layer`` → ``activation_layer`` as a Sequential (keys ``0``, ``1``).

    The padding keeps the size at stride 1 (``(kernel_size - 1) // 2 * dilation``); the
    convolution has a bias only when there is no norm layer (a batch norm's shift makes it
    redundant). ``norm_layer=None`` or ``activation_layer=None`` leaves that step out.
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                            dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer() if inplace is None
                          else activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation (Hu et al., 2017): each channel is scaled by a gate computed
    from the whole image's channel means, through a bottleneck of ``squeeze_channels``
    (1×1 convolutions ``fc1`` and ``fc2``)."""

    def __init__(self, input_channels, squeeze_channels, activation=nn.ReLU,
                 scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x):
        scale = self.activation(self.fc1(self.avgpool(x)))
        return self.scale_activation(self.fc2(scale))

    def forward(self, x):
        return self._scale(x) * x


def stochastic_depth(input, p, mode, training=True):
    """Drop whole residual branches (Huang et al., 2016): in training, each sample's branch
    (``mode="row"``) or the whole batch's (``mode="batch"``) is zeroed with probability ``p``
    and the survivors scaled by ``1 / (1 - p)``, so the expectation is unchanged."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival = 1.0 - p
    size = [input.shape[0]] + [1] * (input.dim() - 1) if mode == "row" else [1] * input.dim()
    noise = (rand(*size) < survival).to(input.dtype)
    if survival > 0.0:
        noise = noise / survival
    return input * noise


class StochasticDepth(nn.Module):
    """:func:`stochastic_depth` as a layer (``torchvision.ops.StochasticDepth``)."""

    def __init__(self, p, mode):
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, input):
        return stochastic_depth(input, self.p, self.mode, self.training)

    def extra_repr(self):
        return f"p={self.p}, mode={self.mode}"


class MLP(nn.Sequential):
    """Linear → (norm) → activation → Dropout for each hidden width, the last width a Linear
    followed by Dropout (``torchvision.ops.MLP``): ``MLP(768, [3072, 768])`` holds layers
    0 (Linear), 1 (activation), 2 (Dropout), 3 (Linear), 4 (Dropout)."""

    def __init__(self, in_channels, hidden_channels, norm_layer=None, activation_layer=nn.ReLU,
                 inplace=None, bias=True, dropout=0.0):
        act_kw = {} if inplace is None else {"inplace": inplace}
        layers, in_dim = [], in_channels
        for hidden_dim in hidden_channels[:-1]:
            layers.append(nn.Linear(in_dim, hidden_dim, bias=bias))
            if norm_layer is not None:
                layers.append(norm_layer(hidden_dim))
            layers += [activation_layer(**act_kw), nn.Dropout(dropout, **act_kw)]
            in_dim = hidden_dim
        layers += [nn.Linear(in_dim, hidden_channels[-1], bias=bias),
                   nn.Dropout(dropout, **act_kw)]
        super().__init__(*layers)
