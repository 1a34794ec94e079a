"""Pictures of explanations: an attribution as a heat map over its image, grids of methods
or of inputs, feature maps of a layer, attention weights over tokens."""
import math

import numpy as np

from ._mpl import finish, pyplot, to_numpy
from .images import _as_image


def attribution_map(attr, sign="absolute", percentile=99.0):
    """An attribution (C, H, W), (1, H, W) or (H, W) as one (H, W) map scaled for display:
    channels summed; sign "absolute" (|a|, in [0, 1]), "positive" (a > 0, in [0, 1]) or
    "all" (in [-1, 1]); scaled by the ``percentile`` of |a| so one extreme value does not
    wash out the rest."""
    a = to_numpy(attr).astype(np.float64)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3:
        a = a.sum(axis=0)
    if a.ndim != 2:
        raise ValueError(f"an attribution map must be (C, H, W) or (H, W), got shape {a.shape}")
    if sign == "absolute":
        a = np.abs(a)
    elif sign == "positive":
        a = np.maximum(a, 0)
    elif sign != "all":
        raise ValueError(f"sign must be 'absolute', 'positive' or 'all', got {sign!r}")
    scale = np.percentile(np.abs(a), percentile) if a.size else 0
    if not scale > 0:
        scale = np.abs(a).max() or 1.0
    return np.clip(a / scale, -1 if sign == "all" else 0, 1)


def _overlay(ax, image, attr, cmap, alpha, sign, mean, std):
    img = _as_image(image, mean, std)
    heat = attribution_map(attr, sign)
    if heat.shape != img.shape[:2]:
        raise ValueError(f"attribution of shape {heat.shape} does not match the image "
                         f"{img.shape[:2]}")
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
    plt = pyplot()
    if sign == "all" and cmap == "jet":
        cmap = "bwr"  # signed values need a colour map with a neutral middle
    lo = -1 if sign == "all" else 0
    norm = plt.Normalize(lo, 1)
    rgba = plt.get_cmap(cmap)(norm(heat))
    # opacity grows with the attribution: where the model did not look, the image shows
    rgba[..., 3] = alpha * np.sqrt(np.abs(heat))
    ax.imshow(rgba)
    return plt.cm.ScalarMappable(norm=norm, cmap=cmap)


def heatmap(image, attribution, path=None, cmap="jet", alpha=0.7, sign="absolute",
            mean=None, std=None, title=None, colorbar=True):
    """One image with its attribution drawn over it in colour map ``cmap``, opaque up to
    ``alpha`` where the attribution is largest and clear where it is zero; ``mean``/``std`` undo the image's normalisation. See ``attribution_map``
    for ``sign``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3.4, 3))
    im = _overlay(ax, image, attribution, cmap, alpha, sign, mean, std)
    ax.axis("off")
    if colorbar:
        fig.colorbar(im, ax=ax, fraction=0.046)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, path)


def methods_grid(image, attributions, path=None, cmap="jet", alpha=0.7, sign="absolute",
                 mean=None, std=None, title=None):
    """One input, several methods side by side: the image, then each ``{name: attribution}``
    over it."""
    plt = pyplot()
    names = list(attributions)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(2.1 * (len(names) + 1), 2.4),
                             squeeze=False)
    img = _as_image(image, mean, std)
    axes[0, 0].imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
    axes[0, 0].set_title("input", fontsize=10)
    for ax, name in zip(axes[0, 1:], names):
        _overlay(ax, image, attributions[name], cmap, alpha, sign, mean, std)
        ax.set_title(name, fontsize=10)
    for ax in axes.flat:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)


def inputs_grid(images, attributions, path=None, titles=None, cols=6, cmap="jet", alpha=0.7,
                sign="absolute", mean=None, std=None, title=None, title_colors=None):
    """Several inputs, one method: each image with its attribution over it, captioned by
    ``titles`` (coloured by ``title_colors``)."""
    plt = pyplot()
    n = len(images)
    if len(attributions) != n:
        raise ValueError(f"{n} images but {len(attributions)} attributions")
    cols = max(1, min(cols, n))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 2.3 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        _overlay(ax, images[i], attributions[i], cmap, alpha, sign, mean, std)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9,
                         color=title_colors[i] if title_colors is not None else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)


def feature_maps(model, x, layer, path=None, cols=8, max_maps=32, title=None):
    """The output channels of the layer named ``layer`` for one input ``x`` (C, H, W) or
    (1, C, H, W): what each filter of that layer responds to."""
    from ..autograd import no_grad
    from ..tensor import Tensor
    a = to_numpy(x).astype(np.float32)
    a = a[None] if a.ndim == 3 else a[:1]
    try:
        module = model.get_submodule(layer)
    except AttributeError:
        names = ", ".join(n for n, _ in model.named_modules() if n)
        raise ValueError(f"{type(model).__name__} has no layer named {layer!r}; its layers: "
                         f"{names}") from None
    seen = []
    handle = module.register_forward_hook(lambda m, args, out: seen.append(out))
    try:
        with no_grad():
            model(Tensor._wrap(a))
    finally:
        handle.remove()
    if not seen or getattr(seen[0], "ndim", 0) != 4:
        raise ValueError(f"layer {layer!r} gives no (N, C, H, W) feature maps")
    maps = to_numpy(seen[0])[0][:max_maps]
    plt = pyplot()
    n = len(maps)
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.25 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(maps[i], cmap="viridis")
            ax.set_title(str(i), fontsize=7)
    fig.suptitle(title or f"feature maps of {layer} ({seen[0].shape[1]} channels)")
    fig.tight_layout()
    return finish(fig, path)


def first_filters(model, path=None, cols=8, title=None):
    """The kernels of the model's first convolutional layer, as small images."""
    from .images import filters
    for name, m in model.named_modules():
        w = getattr(m, "weight", None)
        if type(m).__name__.startswith("Conv") and w is not None and w.ndim == 4:
            return filters(w, path, cols, title or f"filters of the first layer ({name})")
    raise ValueError(f"{type(model).__name__} has no 2-D convolutional layer to show filters of")


def attention_heatmap(weights, tokens=None, keys=None, path=None, cols=4, title=None):
    """Attention weights (heads, L, S) or (L, S) as heat maps, queries down and keys across,
    labelled with the ``tokens`` (queries) and ``keys`` (default: the same tokens)."""
    plt = pyplot()
    w = to_numpy(weights).astype(np.float64)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"attention weights must be (heads, L, S) or (L, S), got {w.shape}; "
                         "take one input of a batch first")
    heads, L, S = w.shape
    keys = tokens if keys is None else keys
    cols = max(1, min(cols, heads))
    rows = math.ceil(heads / cols)
    size = 0.32 * max(L, S) + 1.2
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= heads:
            ax.axis("off")
            continue
        ax.imshow(w[i], cmap="viridis", vmin=0, vmax=max(w.max(), 1e-12))
        ax.set_title(f"head {i}" if heads > 1 else "attention", fontsize=9)
        if tokens is not None:
            ax.set_yticks(range(L), [str(t) for t in tokens], fontsize=7)
        if keys is not None:
            ax.set_xticks(range(S), [str(t) for t in keys], fontsize=7, rotation=90)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)
