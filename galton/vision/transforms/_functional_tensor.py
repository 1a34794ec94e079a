"""The tensor side of the functional transforms, on the NumPy arrays inside tensors.

Arrays are images of shape (..., C, H, W). Float images hold values in [0, 1], integer images
in [0, max of the dtype], as in torchvision; results keep the input's dtype.
"""
import math

import numpy as np


def max_value(dtype):
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max)


def cast_like(out, dtype):
    """Back to an integer dtype by rounding (as torchvision does after float math)."""
    if dtype.kind == "f":
        return out.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    return np.clip(np.rint(out), info.min, info.max).astype(dtype)


def crop(arr, top, left, height, width):
    """Crop, padding with zeros where the box leaves the image (as PIL's crop does)."""
    h, w = arr.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pads = [(0, 0)] * (arr.ndim - 2) + [(max(-top, 0), max(bottom - h, 0)),
                                            (max(-left, 0), max(right - w, 0))]
        arr = np.pad(arr[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)], pads)
        return arr
    return arr[..., top:bottom, left:right].copy()


def pad(arr, left, top, right, bottom, fill, padding_mode):
    """Pad the last two axes (negative values crop)."""
    h, w = arr.shape[-2:]
    arr = arr[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = [(0, 0)] * (arr.ndim - 2) + [(max(top, 0), max(bottom, 0)),
                                          (max(left, 0), max(right, 0))]
    if padding_mode == "constant":
        if isinstance(fill, (list, tuple)):
            if arr.ndim < 3 or len(fill) not in (1, arr.shape[-3]):
                raise ValueError(f"fill has {len(fill)} values for an image of shape "
                                 f"{tuple(arr.shape)}")
            return np.stack([np.pad(arr[..., c, :, :], widths[:-3] + widths[-2:],
                                    constant_values=fill[c if len(fill) > 1 else 0])
                             for c in range(arr.shape[-3])], axis=-3)
        return np.pad(arr, widths, mode="constant", constant_values=fill or 0)
    return np.pad(arr, widths, mode=padding_mode)


def blend(img1, img2, ratio):
    """ratio·img1 + (1-ratio)·img2, clamped to the image range, in img1's dtype."""
    bound = max_value(img1.dtype)
    out = ratio * img1.astype(np.float32) + (1.0 - ratio) * np.asarray(img2, np.float32)
    out = np.clip(out, 0, bound)
    # torchvision truncates here (.to(dtype)), it does not round
    return out.astype(img1.dtype)


def rgb_to_grayscale(arr, num_output_channels=1):
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), as torchvision's tensor version."""
    c = arr.shape[-3]
    if c == 1:
        gray = arr
    elif c == 3:
        r, g, b = (arr[..., i, :, :].astype(np.float32) for i in range(3))
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(arr.dtype)[..., None, :, :]
    else:
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if num_output_channels == 3:
        return np.repeat(gray, 3, axis=-3) if gray.shape[-3] == 1 else gray
    return gray.copy() if gray is arr else gray


def adjust_brightness(arr, factor):
    return blend(arr, 0.0, factor)


def adjust_contrast(arr, factor):
    gray = rgb_to_grayscale(arr) if arr.shape[-3] == 3 else arr
    mean = gray.astype(np.float32).mean(axis=(-3, -2, -1), keepdims=True)
    return blend(arr, mean, factor)


def adjust_saturation(arr, factor):
    if arr.shape[-3] == 1:  # a grey image has no saturation to change
        return arr.copy()
    return blend(arr, rgb_to_grayscale(arr), factor)


def _rgb_to_hsv(img):
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_div = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv_to_rgb(img):
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.select([i == k for k in range(6)], [c[ch] for c in choices]) for ch in range(3)]
    return np.stack(out, axis=-3)


def adjust_hue(arr, factor):
    if arr.shape[-3] == 1:  # hue of a grey image is undefined: unchanged, as torchvision
        return arr.copy()
    bound = max_value(arr.dtype)
    img = arr.astype(np.float32) / bound
    hsv = _rgb_to_hsv(img)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + factor, 1.0)
    return cast_like(_hsv_to_rgb(hsv) * bound, arr.dtype)


def gaussian_kernel1d(kernel_size, sigma):
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size)
    pdf = np.exp(-0.5 * (x / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(arr, kernel_size, sigma):
    """Separable Gaussian blur with reflect padding (torchvision's tensor blur)."""
    kx, ky = kernel_size
    wx, wy = gaussian_kernel1d(kx, sigma[0]), gaussian_kernel1d(ky, sigma[1])
    h, w = arr.shape[-2:]
    if kx // 2 >= w or ky // 2 >= h:
        raise ValueError(f"gaussian_blur: kernel size {list(kernel_size)} needs an image "
                         f"larger than half of it for reflect padding, got {h}x{w}")
    img = arr.astype(np.float32)
    widths = [(0, 0)] * (arr.ndim - 2) + [(ky // 2, ky // 2), (kx // 2, kx // 2)]
    padded = np.pad(img, widths, mode="reflect")
    # rows then columns: each pass is kernel_size shifted slices, never a per-pixel loop
    rows = sum(np.float32(wy[i]) * padded[..., i:i + h, :] for i in range(ky))
    out = sum(np.float32(wx[i]) * rows[..., :, i:i + w] for i in range(kx))
    return cast_like(out, arr.dtype)


def erase(arr, i, j, h, w, v, inplace=False):
    out = arr if inplace else arr.copy()
    out[..., i:i + h, j:j + w] = v
    return out


def perspective_coeffs(startpoints, endpoints):
    """The 8 coefficients of the map from ``endpoints`` back to ``startpoints`` (PIL's
    PERSPECTIVE data), by least squares on the 4 point pairs."""
    a = np.zeros((8, 8))
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    return np.linalg.lstsq(a, b, rcond=None)[0].tolist()


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """The output-to-input affine map (PIL's AFFINE data) of rotation by ``angle`` degrees
    about ``center``, then ``scale``, ``shear`` (degrees, x and y), then ``translate``."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # the forward matrix is T(translate) · C · R·S·Sh · C^-1; invert its linear part
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m
