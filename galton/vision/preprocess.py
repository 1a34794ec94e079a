"""Turn a user's image file into a model's input, the way the model's training data looked.

A digit drawn on a phone or scanned from paper is dark ink on a light background, of any size;
MNIST digits are light ink on black, fitted into a 20×20 box and centred by their centre of mass
in 28×28. ``prepare`` does that conversion (style ``"digits"``), keeps an object's aspect ratio
for Fashion-MNIST-like data (style ``"objects"``) or resizes a photo like the training folder's
images (style ``"resize"``), then normalises with the run's mean and std.

>>> img = load_image("seven.png")
>>> x = prepare(img, input_shape=(1, 28, 28), style="digits", mean=(0.5,), std=(0.5,))
>>> x.shape
(1, 28, 28)
"""
import io
import os

import numpy as np

from .io import require_pil

__all__ = ["STYLES", "ImageReadError", "ImageTooLargeError", "load_image", "to_gray", "prepare_digit",
           "digit_layout", "input_placement", "prepare_object", "fit_image", "prepare"]

STYLES = ("digits", "objects", "resize")


class ImageReadError(ValueError):
    """A file (or upload) that Pillow cannot read as an image."""


class ImageTooLargeError(ImageReadError):
    """An image whose header declares more pixels than the caller accepts (refused before
    any pixel is decoded)."""


def load_image(source, name=None, formats=None, max_pixels=None):
    """Open an image from a path, bytes or a binary file object and decode it fully.

    formats: the Pillow format names to accept (e.g. ``("PNG", "JPEG")``; None: every format
    Pillow reads); max_pixels: refuse an image whose header declares more pixels than this,
    before decoding it (a small compressed file can declare a huge picture).
    Raises ImageReadError naming the file when it is missing or not an image (of an accepted
    format), ImageTooLargeError when it is over ``max_pixels``.
    """
    image = require_pil("galton.vision.preprocess")
    if isinstance(source, (bytes, bytearray)):
        name = name or "uploaded data"
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        name = name or os.fspath(source)
        if not os.path.isfile(source):
            raise ImageReadError(f"cannot read image {name}: no such file")
    else:
        name = name or getattr(source, "name", "image data")
    try:
        # Image.open reads the header only; the pixels are decoded by load()
        img = image.open(source, formats=None if formats is None else list(formats))
    except image.DecompressionBombError as exc:
        raise ImageTooLargeError(f"image {name} is too large to decode: {exc}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if formats is not None and isinstance(exc, image.UnidentifiedImageError):
            raise ImageReadError(f"cannot read image {name}: not an image in an accepted "
                                 f"format ({', '.join(formats)})") from None
        raise ImageReadError(f"cannot read image {name}: not a readable image file "
                             f"({exc.__class__.__name__}: {exc})") from None
    width, height = img.size
    if max_pixels is not None and width * height > max_pixels:
        img.close()
        raise ImageTooLargeError(
            f"image {name} is {width}x{height} ({width * height / 1e6:.1f} megapixels); at "
            f"most {max_pixels / 1e6:.1f} megapixels are accepted: scale it down")
    try:
        img.load()  # decode now, so a truncated file fails here and not later
    except (OSError, SyntaxError, ValueError, image.DecompressionBombError) as exc:
        raise ImageReadError(f"cannot read image {name}: not a readable image file "
                             f"({exc.__class__.__name__}: {exc})") from None
    return img


def _alpha_background(img):
    """Composite an image with transparency onto a background that contrasts with its ink.

    Drawing canvases often export strokes on a transparent background; white strokes pasted on
    white (or black on black) would vanish, so the background takes the opposite tone.
    """
    rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
    alpha = rgba[..., 3:]
    if alpha.min() >= 1.0:
        return rgba[..., :3]
    lum = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    weight = alpha[..., 0]
    ink = float((lum * weight).sum() / max(weight.sum(), 1e-6))
    background = 1.0 if ink < 0.5 else 0.0
    return rgba[..., :3] * alpha + background * (1.0 - alpha)


def to_gray(img):
    """A Pillow image of any mode as a float32 H×W array in [0, 1] (transparency resolved)."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgb = _alpha_background(img)
        return rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        a = np.asarray(img, dtype=np.float32)
        lo, hi = float(a.min()), float(a.max())
        return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return np.asarray(img.convert("L"), dtype=np.float32) / 255.0


def _light_on_dark(gray):
    """Invert when the background (the border's median) is light; then stretch the contrast
    so the background is 0 and the brightest ink is 1 (paper is never pure white)."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:
        gray = 1.0 - gray
        border = 1.0 - border
    background = float(np.median(border))
    top = float(gray.max())
    if top - background > 1e-3:
        gray = np.clip((gray - background) / (top - background), 0.0, 1.0)
    return gray.astype(np.float32)


def _resize_array(a, size):
    """Resize a float [0, 1] H×W array to (height, width) with antialiasing."""
    image = require_pil("galton.vision.preprocess")
    h, w = size
    pil = image.fromarray(a.astype(np.float32), mode="F")
    return np.asarray(pil.resize((w, h), image.Resampling.LANCZOS), dtype=np.float32).clip(0, 1)


def _ink_box(gray, threshold=0.1):
    rows = np.flatnonzero(gray.max(axis=1) > threshold)
    cols = np.flatnonzero(gray.max(axis=0) > threshold)
    if rows.size == 0:
        return None
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def prepare_digit(img, size=28, box=20):
    """An image of a handwritten digit as MNIST shows one: light ink on black, the ink's
    bounding box scaled (aspect kept) to fit ``box``×``box`` and placed so that its centre of
    mass is the centre of a ``size``×``size`` image. A float32 array in [0, 1].

    A blank image gives an all-zero array.
    """
    return digit_layout(img, size, box)[0]


def digit_layout(img, size=28, box=20):
    """``prepare_digit``'s array and where the ink went: ``(array, image_box, input_box)``,
    image_box (top, left, height, width) of the ink in ``img``'s pixels and input_box the
    same rectangle in the array (both None for a blank image). A map over the model's input
    (an explanation) is put back over the picture by resizing input_box onto image_box."""
    gray = _light_on_dark(to_gray(img))
    found = _ink_box(gray)
    out = np.zeros((size, size), np.float32)
    if found is None:
        return out, None, None
    r0, r1, c0, c1 = found
    ink = gray[r0:r1, c0:c1]
    scale = box / max(ink.shape)
    h, w = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    ink = _resize_array(ink, (h, w))
    total = ink.sum()
    if total <= 0:
        return out, None, None
    ys, xs = np.indices(ink.shape)
    cy, cx = (ys * ink).sum() / total, (xs * ink).sum() / total
    # place the centre of mass at the centre, staying inside the frame
    top = int(np.clip(round(size / 2 - cy - 0.5), 0, size - h))
    left = int(np.clip(round(size / 2 - cx - 0.5), 0, size - w))
    out[top:top + h, left:left + w] = ink
    return out, (int(r0), int(c0), int(r1 - r0), int(c1 - c0)), (top, left, h, w)


def prepare_object(img, size=(28, 28)):
    """A photo of an object as Fashion-MNIST shows one: light on black, the whole picture
    scaled (aspect kept) to fit ``size`` and padded with black. A float32 array in [0, 1]."""
    gray = _light_on_dark(to_gray(img))
    h, w = size
    scale = min(h / gray.shape[0], w / gray.shape[1])
    nh, nw = max(1, round(gray.shape[0] * scale)), max(1, round(gray.shape[1] * scale))
    small = _resize_array(gray, (nh, nw))
    out = np.zeros((h, w), np.float32)
    top, left = (h - nh) // 2, (w - nw) // 2
    out[top:top + nh, left:left + nw] = small
    return out


def fit_image(img, size, channels):
    """Centre-crop ``img`` to the aspect of ``size`` (height, width), resize it there and give a
    float32 C×H×W array in [0, 1] with ``channels`` 1 (grey) or 3 (RGB).

    Training on an image folder prepares every image with this, so prediction matches it.
    """
    image = require_pil("galton.vision.preprocess")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = image.fromarray((_alpha_background(img) * 255).round().astype(np.uint8), "RGB")
    img = img.convert("L" if channels == 1 else "RGB")
    h, w = size
    iw, ih = img.size
    if iw * h > ih * w:  # too wide: crop the sides
        cw = max(1, round(ih * w / h))
        left = (iw - cw) // 2
        img = img.crop((left, 0, left + cw, ih))
    elif iw * h < ih * w:  # too tall: crop top and bottom
        ch = max(1, round(iw * h / w))
        top = (ih - ch) // 2
        img = img.crop((0, top, iw, top + ch))
    if img.size != (w, h):
        img = img.resize((w, h), image.Resampling.BILINEAR)
    a = np.asarray(img, dtype=np.float32) / 255.0
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


def _digit_sizes(h, w):
    """(size, box) of a digit for an H×W input: MNIST's 20-pixel box in 28, scaled."""
    return min(h, w), max(1, round(min(h, w) * 20 / 28))


def input_placement(img, input_shape, style):
    """Where ``prepare`` put the picture's content in the model's input: ``(image_box,
    input_box)``, each (top, left, height, width), for the "digits" style (the ink's box);
    None for the other styles (the whole picture fills the input) and for a blank picture."""
    if style != "digits":
        return None
    _, image_box, input_box = digit_layout(img, *_digit_sizes(int(input_shape[1]),
                                                                 int(input_shape[2])))
    return None if image_box is None else (image_box, input_box)


def prepare(img, input_shape, style="resize", mean=None, std=None):
    """A Pillow image as the model's input: a float32 C×H×W array, normalised.

    input_shape: (C, H, W) of the training images; style: ``"digits"`` (MNIST-like
    handwriting), ``"objects"`` (Fashion-MNIST-like) or ``"resize"`` (photos, image folders);
    mean, std: the per-channel normalisation of the training data (None: none).
    """
    if len(input_shape) != 3:
        raise ValueError(f"prepare: images need an input shape (C, H, W), got {tuple(input_shape)}")
    c, h, w = (int(v) for v in input_shape)
    if style not in STYLES:
        raise ValueError(f"prepare: unknown style {style!r}; choose from {', '.join(STYLES)}")
    if style == "digits":
        a = prepare_digit(img, *_digit_sizes(h, w))
        a = np.pad(a, ((0, h - a.shape[0]), (0, w - a.shape[1])))[None]
    elif style == "objects":
        a = prepare_object(img, (h, w))[None]
    else:
        a = fit_image(img, (h, w), 1 if c == 1 else 3)
    if c not in (1, 3):
        raise ValueError(f"prepare: images have 1 or 3 channels, the model takes {c}")
    if a.shape[0] != c:  # a grey style for an RGB model: repeat the channel
        a = np.repeat(a, c, axis=0)
    if mean is not None:
        m = np.asarray(mean, np.float32).reshape(-1, 1, 1)
        s = np.asarray(std if std is not None else 1.0, np.float32).reshape(-1, 1, 1)
        if not (np.all(np.isfinite(s)) and np.all(s != 0) and np.all(np.isfinite(m))):
            raise ValueError(f"prepare: the normalisation must be finite with a non-zero std, "
                             f"got mean {np.asarray(mean).tolist()}, std "
                             f"{np.asarray(std).tolist()}")
        a = (a - m) / s
    return np.ascontiguousarray(a, dtype=np.float32)
