"""Drawing on tensor images, as ``torchvision.utils``: boxes, segmentation masks, keypoints,
and optical flow as colours. Images are (C, H, W) tensors, uint8 or float in [0, 1]; the
result has the input's dtype. Boxes and keypoints are drawn with Pillow (the same rasteriser
torchvision uses, so the same pixels); masks and flow are NumPy arithmetic.
"""
import warnings

import numpy as np

from ..tensor import Tensor
from .io import require_pil

__all__ = ["draw_bounding_boxes", "draw_segmentation_masks", "draw_keypoints", "flow_to_image"]


def _array(x, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{what} should be a Tensor, got {type(x).__name__}")
    return x._data


def _check_image(image, rgb_only):
    arr = _array(image, "image")
    if not (arr.dtype == np.uint8 or arr.dtype.kind == "f"):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if arr.ndim != 3:
        raise ValueError("Pass individual images, not batches")
    if rgb_only and arr.shape[0] != 3:
        raise ValueError("Pass an RGB image. Other Image formats are not supported")
    if arr.shape[0] not in (1, 3):
        raise ValueError("Only grayscale and RGB images are supported")
    return arr


def _to_uint8(arr):
    # torchvision's float -> uint8 scaling (convert_image_dtype): x * (256 - 1e-3), truncated
    return arr if arr.dtype == np.uint8 else (arr * (255 + 1.0 - 1e-3)).astype(np.uint8)


def _back(arr_uint8, dtype):
    return arr_uint8 if dtype == np.uint8 else (arr_uint8 / 255.0).astype(dtype)


def _palette(n):
    # torchvision's default colours: object i gets (i * (2**25-1, 2**15-1, 2**21-1)) mod 255
    base = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1], dtype=np.int64)
    return [tuple(int(v) for v in (i * base) % 255) for i in range(n)]


def _parse_colors(colors, num_objects, floating=False):
    if colors is None:
        colors = _palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError("Number of colors must be equal or larger than the number of "
                             f"objects, but got {len(colors)} < {num_objects}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError("`colors` must be a tuple or a string, or a list thereof, but got "
                         f"{colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError("If passed as tuple, colors should be an RGB triplet, but got "
                         f"{colors}.")
    else:
        colors = [colors] * num_objects
    colors = [_rgb(c) for c in colors]
    return [tuple(v / 255 for v in c) for c in colors] if floating else colors


def _rgb(color):
    if isinstance(color, str):
        from PIL import ImageColor
        return ImageColor.getrgb(color)[:3]
    return tuple(int(v) for v in color)


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1,
                        font=None, font_size=None, label_colors=None):
    """Draw ``boxes`` ((N, 4) as xmin, ymin, xmax, ymax in pixels) on a (C, H, W) image:
    outlines ``width`` pixels wide, filled at alpha 100/255 with ``fill=True``, each with its
    text label (``labels``) at the top-left corner. Colours are names, RGB triples or a list
    of them (default: torchvision's palette). A grayscale image comes back in RGB.

    >>> out = draw_bounding_boxes(img, galton.tensor([[10, 10, 50, 40]]), labels=["cat"])
    """
    arr = _check_image(image, rgb_only=False)
    box = _array(boxes, "boxes")
    if box.ndim != 2 or (len(box) and box.shape[1] != 4):
        raise ValueError(f"boxes must be of shape (num_boxes, 4), got {tuple(box.shape)}")
    if (box[:, 0] > box[:, 2]).any() or (box[:, 1] > box[:, 3]).any():
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
                         "torchvision.ops.box_convert to convert them")
    n = len(box)
    if n == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * n
    elif len(labels) != n:
        raise ValueError(f"Number of boxes ({n}) and labels ({len(labels)}) mismatch. Please "
                         "specify labels for each box.")
    colors = _parse_colors(colors, n)
    label_colors = _parse_colors(label_colors, n) if label_colors is not None else colors
    pil = require_pil("draw_bounding_boxes")
    from PIL import ImageDraw, ImageFont
    txt_font = ImageFont.load_default() if font is None else ImageFont.truetype(
        font=font, size=font_size or 10)
    if arr.shape[0] == 1:
        arr = np.tile(arr, (3, 1, 1))
    canvas = pil.fromarray(np.ascontiguousarray(_to_uint8(arr).transpose(1, 2, 0)))
    draw = ImageDraw.Draw(canvas, "RGBA" if fill else None)
    for b, color, label, label_color in zip(box.astype(np.int64).tolist(), colors, labels,
                                            label_colors):
        draw.rectangle(b, width=width, outline=color, fill=color + (100,) if fill else None)
        if label is not None:
            margin = width + 1
            draw.text((b[0] + margin, b[1] + margin), label, fill=label_color, font=txt_font)
    out = np.asarray(canvas).transpose(2, 0, 1)
    return Tensor._wrap(np.ascontiguousarray(_back(out, arr.dtype)))


def draw_segmentation_masks(image, masks, alpha=0.8, colors=None):
    """Colour each boolean mask ((N, H, W) or (H, W)) over an RGB image: ``image * (1 -
    alpha) + coloured * alpha``, where pixels under two or more masks are coloured black."""
    arr = _check_image(image, rgb_only=True)
    m = _array(masks, "masks")
    if m.ndim == 2:
        m = m[None]
    if m.ndim != 3:
        raise ValueError("masks must be of shape (H, W) or (batch_size, H, W)")
    if m.dtype != np.bool_:
        raise ValueError("The masks must be of dtype bool")
    if m.shape[-2:] != arr.shape[-2:]:
        raise ValueError("The image and the masks must have the same height and width")
    if len(m) == 0:
        warnings.warn("masks doesn't contain any mask. No mask was drawn", stacklevel=2)
        return image
    floating = arr.dtype.kind == "f"
    colored = arr.copy()
    for mask, color in zip(m, _parse_colors(colors, len(m), floating)):
        colored[:, mask] = np.asarray(color, dtype=arr.dtype)[:, None]
    colored[:, m.sum(0) > 1] = 0
    # in float32, as torchvision's uint8 tensor times a Python float; then truncated
    f32 = np.float32
    out = arr.astype(f32) * f32(1 - alpha) + colored.astype(f32) * f32(alpha)
    return Tensor._wrap(out.astype(arr.dtype))


def draw_keypoints(image, keypoints, connectivity=None, colors=None, radius=2, width=3,
                   visibility=None):
    """Draw each instance's keypoints ((num_instances, K, 2) as x, y) as discs of ``radius``
    in ``colors`` and, for each (i, j) of ``connectivity``, a white line ``width`` wide
    between visible keypoints i and j; ``visibility`` ((num_instances, K) booleans) hides
    some."""
    arr = _check_image(image, rgb_only=True)
    kp = _array(keypoints, "keypoints")
    if kp.ndim != 3:
        raise ValueError("keypoints must be of shape (num_instances, K, 2)")
    vis = np.ones(kp.shape[:-1], bool) if visibility is None else np.asarray(
        _array(visibility, "visibility"), bool)
    if vis.ndim == 3:
        vis = vis.squeeze(-1)
    if vis.ndim != 2:
        raise ValueError(f"visibility must be of shape (num_instances, K). Got ndim={vis.ndim}")
    if vis.shape != kp.shape[:-1]:
        raise ValueError("keypoints and visibility must have the same dimensionality for "
                         f"num_instances and K. Got visibility.shape = {vis.shape} and "
                         f"keypoints.shape = {kp.shape}")
    from PIL import ImageDraw
    canvas = require_pil("draw_keypoints").fromarray(
        np.ascontiguousarray(_to_uint8(arr).transpose(1, 2, 0)))
    draw = ImageDraw.Draw(canvas)
    fill = colors if colors is None or isinstance(colors, str) else tuple(colors)
    for inst, v in zip(kp.astype(np.int64).tolist(), vis.tolist()):
        for (x, y), shown in zip(inst, v):
            if shown:
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill,
                             outline=None, width=0)
        for i, j in connectivity or ():
            if v[i] and v[j]:
                draw.line((tuple(inst[i]), tuple(inst[j])), width=width)
    out = np.asarray(canvas).transpose(2, 0, 1)
    return Tensor._wrap(np.ascontiguousarray(_back(out, arr.dtype)))


def _colorwheel():
    # the Middlebury optical-flow colour wheel (Baker et al., 2007): 55 hues in six ramps,
    # red→yellow (15), →green (6), →cyan (4), →blue (11), →magenta (13), →red (6)
    ramps = [(15, 0, 1, True), (6, 1, 0, False), (4, 1, 2, True), (11, 2, 1, False),
             (13, 2, 0, True), (6, 0, 2, False)]
    rows = []
    for n, full, other, rising in ramps:
        block = np.zeros((n, 3), np.float32)
        ramp = np.floor(255 * np.arange(n, dtype=np.float32) / n)
        block[:, full] = 255
        block[:, other] = ramp if rising else 255 - ramp
        rows.append(block)
    return np.concatenate(rows)


def flow_to_image(flow):
    """An optical flow ((2, H, W) or (N, 2, H, W), float32) as uint8 RGB images: the direction
    is the hue on the Middlebury colour wheel, the length (relative to the largest in the
    input) the saturation, zero motion white."""
    arr = _array(flow, "flow")
    if arr.dtype != np.float32:
        raise ValueError(f"Flow should be of dtype torch.float, got {flow.dtype}.")
    shape = arr.shape
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[1] != 2:
        raise ValueError(f"Input flow should have shape (2, H, W) or (N, 2, H, W), got "
                         f"{tuple(shape)}.")
    max_norm = np.sqrt((arr ** 2).sum(1)).max()
    flow_n = arr / (max_norm + np.finfo(np.float32).eps)
    wheel = _colorwheel()
    ncols = len(wheel)
    norm = np.sqrt((flow_n ** 2).sum(1))
    a = np.arctan2(-flow_n[:, 1], -flow_n[:, 0]) / np.float32(np.pi)
    fk = (a + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(np.int64)
    k1 = np.where(k0 + 1 == ncols, 0, k0 + 1)
    f = fk - k0
    img = np.zeros((arr.shape[0], 3, arr.shape[2], arr.shape[3]), np.uint8)
    for c in range(3):
        col = (1 - f) * (wheel[k0, c] / 255.0) + f * (wheel[k1, c] / 255.0)
        col = 1 - norm * (1 - col)  # shorter motion fades towards white
        img[:, c] = np.floor(255 * col.astype(np.float32))
    return Tensor._wrap(img[0] if len(shape) == 3 else img)
