"""The data of the summaries ``SummaryWriter`` logs, before any encoding.

Each function turns the user's data (galton or PyTorch tensors, NumPy arrays, numbers) into
what TensorBoard expects, following PyTorch's ``torch.utils.tensorboard.summary`` so that the
messages are the same: images become 3-channel PNG (floats scaled by 255, a batch tiled into a
grid of up to 8 per row), histograms use TensorFlow's bucket layout. Both encoders
(``_library.py`` with tensorboard's protobuf messages, ``_fallback.py`` by hand) build their
messages from these.
"""
import io

import numpy as np


def to_numpy(x):
    """A galton/PyTorch tensor, NumPy array, list or number as a NumPy array on the host."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach()
        if hasattr(x, "cpu"):
            x = x.cpu()
        return x.numpy()
    return np.asarray(x)


def tensorflow_bins():
    """TensorFlow's default histogram bins: 0 and +-1e-12 * 1.1**k up to 1e20."""
    v, pos = 1e-12, []
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return [-b for b in reversed(pos)] + [0] + pos


def scalar_number(tag, number):
    """The one number of ``number`` (a float, or a tensor/array with one element)."""
    arr = to_numpy(number)
    if arr.size != 1:
        raise ValueError(f"add_scalar({tag!r}): expected a single number, got a value of shape "
                         f"{tuple(arr.shape)} (use add_histogram for many values)")
    return float(arr.reshape(-1)[0])


def histogram(values, bins, max_bins):
    """The fields of a HistogramProto in TensorBoard's layout, as a dict: min, max, num, sum,
    sum_squares, bucket_limit, bucket. Each bucket is stored by its
    right edge, so one empty bucket is kept left of the first non-empty one (it carries the
    leftmost edge) and the empty buckets beyond the last non-empty one are dropped."""
    if values.size == 0:
        raise ValueError("add_histogram: the input has no element")
    if not np.isfinite(values).all():
        raise ValueError("add_histogram: the values contain NaN or infinity")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        if len(counts) % group:
            counts = np.pad(counts, (0, group - len(counts) % group))
        counts = counts.reshape(-1, group).sum(axis=-1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    nonzero = np.flatnonzero(counts)
    if nonzero.size == 0:
        raise ValueError(f"add_histogram: no value falls inside the bins "
                         f"[{limits[0]}, {limits[-1]}]")
    first, last = int(nonzero[0]), int(nonzero[-1])
    if first > 0:
        counts = counts[first - 1:last + 1]
    else:
        counts = np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    return {"min": float(values.min()), "max": float(values.max()), "num": float(len(values)),
            "sum": float(values.sum()), "sum_squares": float(values.dot(values)),
            "bucket_limit": [float(v) for v in limits], "bucket": [float(c) for c in counts]}


def to_hwc(arr, dataformats):
    """An image array in ``dataformats`` as HWC with 3 (or 4) channels; a batch (N in the
    format) becomes one grid of up to 8 images per row."""
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW"):
        raise ValueError(f"dataformats {dataformats!r} must be made of distinct letters among "
                         f"N, C, H, W (e.g. 'CHW', 'HWC', 'HW', 'NCHW')")
    if arr.ndim != len(fmt):
        raise ValueError(f"an image in dataformats {dataformats!r} has {len(fmt)} dimensions, "
                         f"got an array of shape {tuple(arr.shape)}")
    if len(fmt) == 4:
        arr = grid(arr.transpose([fmt.index(c) for c in "NCHW"]))
        return arr.transpose(1, 2, 0)
    if len(fmt) == 3:
        if "N" in fmt:
            raise ValueError(f"dataformats {dataformats!r}: a 3-dimensional image is CHW or HWC")
        arr = arr.transpose([fmt.index(c) for c in "HWC"])
        if arr.shape[2] == 1:
            arr = np.concatenate([arr, arr, arr], 2)
        elif arr.shape[2] not in (3, 4):
            raise ValueError(f"an image must have 1, 3 or 4 channels, got {arr.shape[2]} "
                             f"(shape {tuple(arr.shape)}, dataformats {dataformats!r})")
        return arr
    if len(fmt) == 2 and set(fmt) == {"H", "W"}:
        arr = arr.transpose([fmt.index(c) for c in "HW"])
        return np.stack([arr, arr, arr], 2)
    raise ValueError(f"dataformats {dataformats!r} is not an image layout "
                     f"(use 'CHW', 'HWC', 'HW' or 'NCHW')")


def grid(batch, ncols=8):
    """NCHW images (1 or 3 channels) tiled into one CHW image, row by row."""
    if batch.shape[1] == 1:
        batch = np.concatenate([batch, batch, batch], 1)
    if batch.shape[1] != 3:
        raise ValueError(f"add_images: images must have 1 or 3 channels, got {batch.shape[1]} "
                         f"(NCHW shape {tuple(batch.shape)})")
    n, _, h, w = batch.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=batch.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = batch[i]
    return canvas


def encode_png(hwc):
    """``hwc`` as PNG (floats scaled by 255): ``(height, width, channels, png_bytes)``."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("SummaryWriter.add_image needs Pillow to write PNG: "
                          "pip install 'galton[image]' (or pip install pillow)") from None
    scale = 1 if hwc.dtype == np.uint8 else 255
    pixels = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return height, width, channels, buf.getvalue()


def figure_to_chw(figure, close):
    """A matplotlib figure rendered as a uint8 CHW RGB array (closed with ``close``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
    if close:
        import matplotlib.pyplot as plt
        plt.close(figure)
    return np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))


def hparam_entries(hparam_dict, domains):
    """The hyperparameters for the hparams plugin, checked as PyTorch checks them: a list of
    ``(name, kind, value, discrete_domain_or_None)`` with kind "number", "string" or "bool".

    Values are bools, numbers, strings or one-element tensors; None values are skipped.
    (PyTorch's ``hparams`` tests ``int`` before ``bool`` and so logs True as the number 1;
    here a bool is a bool, as its DATA_TYPE_BOOL branch intends.)
    """
    domains = domains or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing "
                        "logged.")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same "
                            f"type as hparam_dict[{k}].")
    out = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, (bool, np.bool_)):
            kind, v = "bool", bool(v)
        elif isinstance(v, (int, float, np.integer, np.floating)):
            kind, v = "number", float(v)
        elif isinstance(v, str):
            kind = "string"
        elif hasattr(v, "detach") and hasattr(v, "numpy"):
            kind, v = "number", float(to_numpy(v).reshape(-1)[0])
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        domain = domains.get(k)
        if domain is not None:
            domain = [bool(d) if kind == "bool" else float(d) if kind == "number" else d
                      for d in domain]
        out.append((k, kind, v, domain))
    return out
