"""Pictures of images: prediction grids (seed 000), dataset samples, first-layer filters."""
import math

import numpy as np

from ._mpl import finish, pyplot, to_numpy


def _as_image(img, mean=None, std=None):
    """CHW or HW array (or tensor) -> HW or HWC in [0, 1] for imshow, undoing Normalize."""
    a = to_numpy(img).astype(np.float32)
    if a.ndim == 3 and a.shape[0] in (1, 3):
        if mean is not None:
            a = a * np.asarray(std, np.float32).reshape(-1, 1, 1) + np.asarray(
                mean, np.float32).reshape(-1, 1, 1)
        a = a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    elif mean is not None:
        a = a * float(np.ravel(std)[0]) + float(np.ravel(mean)[0])
    if a.max() > 1.5:  # uint8-range images
        a = a / 255.0
    return np.clip(a, 0, 1)


def prediction_grid(images, predicted, labels=None, class_names=None, path=None, cols=8,
                    mean=None, std=None, title=None):
    """Images with their predicted labels: green when right, red when wrong (seeds/000)."""
    plt = pyplot()
    n = len(images)
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = _as_image(images[i], mean, std)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
        p = int(predicted[i])
        name = class_names[p] if class_names else str(p)
        color = "black"
        if labels is not None:
            color = "green" if p == int(labels[i]) else "red"
        ax.set_title(name, color=color, fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)


def image_grid(dataset, n=32, path=None, cols=8, class_names=None, title=None):
    """The first ``n`` items of a dataset of (image, label) pairs."""
    images, labels = [], []
    for i in range(min(n, len(dataset))):
        img, label = dataset[i]
        images.append(np.asarray(img) if not hasattr(img, "numpy") else img)
        labels.append(int(label))
    return prediction_grid(images, labels, None, class_names, path, cols, title=title)


def filters(weight, path=None, cols=8, title="first-layer filters"):
    """Convolution kernels (out, in, kh, kw) as small images (the first input channel, or RGB)."""
    plt = pyplot()
    w = to_numpy(weight)
    if w.ndim != 4:
        raise ValueError(f"filters expects a conv weight of shape (out, in, kh, kw), got {w.shape}")
    n = w.shape[0]
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.1 * cols, 1.1 * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        k = w[i].transpose(1, 2, 0) if w.shape[1] == 3 else w[i, 0]
        k = (k - k.min()) / (k.max() - k.min() + 1e-12)
        ax.imshow(k, cmap="gray" if k.ndim == 2 else None, interpolation="nearest")
    fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, path)
