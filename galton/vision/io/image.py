"""Image files as tensors, as ``torchvision.io``: read, decode, encode and write JPEG and PNG
(and decode WebP and GIF), with Pillow doing the codec work.

Decoded images are ``uint8`` tensors of shape ``(C, H, W)``; ``mode`` picks the channels
(``ImageReadMode.UNCHANGED`` keeps the file's own: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
Encoded images are 1-d ``uint8`` tensors holding the file's bytes.

>>> img = read_image("cat.jpg")                      # uint8 (3, H, W)
>>> gray = read_image("cat.jpg", ImageReadMode.GRAY)  # uint8 (1, H, W)
>>> write_png(img, "cat.png")
"""
import enum
import io
import os

import numpy as np

from ...tensor import Tensor
from ._pillow import require_pil

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_jpeg",
           "decode_png", "decode_webp", "decode_gif", "encode_jpeg", "encode_png",
           "read_image", "write_jpeg", "write_png"]


class ImageReadMode(enum.Enum):
    """Which channels a decoded image gets, as torchvision's enum of the same name."""
    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA  # torchvision's alias


# the Pillow mode each read mode converts to
_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA",
             ImageReadMode.RGB: "RGB", ImageReadMode.RGB_ALPHA: "RGBA"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


def _mode(mode):
    # torchvision also takes the enum's name as a string ("RGB", "gray")
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise ValueError(f"Unknown mode {mode!r}; expected one of "
                             f"{[m.name for m in ImageReadMode]}") from None
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode should be an ImageReadMode or a str, got {type(mode).__name__}")
    return mode


def read_file(path):
    """The bytes of the file at ``path`` as a 1-d ``uint8`` tensor."""
    with open(os.fspath(path), "rb") as f:
        return Tensor._wrap(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data):
    """Write a 1-d ``uint8`` tensor's bytes to ``filename``."""
    with open(os.fspath(filename), "wb") as f:
        f.write(_bytes(data, "write_file"))


def _bytes(data, what):
    if not isinstance(data, Tensor):
        raise TypeError(f"{what}: expected a torch.Tensor of bytes, got {type(data).__name__}")
    arr = data._data
    if hasattr(arr, "get"):  # a CuPy array: the codecs run on the host
        arr = arr.get()
    if arr.dtype != np.uint8:
        raise RuntimeError("Expected a torch.uint8 tensor")
    if arr.ndim != 1 or arr.size == 0:
        raise RuntimeError("Expected a non empty 1-dimensional tensor")
    return arr.tobytes()


def _to_chw(img, mode, apply_exif_orientation):
    """A Pillow image -> uint8 (C, H, W) tensor in the channels ``mode`` asks for."""
    if apply_exif_orientation:
        from PIL import ImageOps
        img = ImageOps.exif_transpose(img)
    if mode is ImageReadMode.UNCHANGED:
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            raise RuntimeError("decode_png: 16-bit images need a uint16 tensor, which galton "
                               "does not have; read with mode=ImageReadMode.GRAY for 8 bits")
        if img.mode == "P":  # a palette expands to its colours, as libpng's png_set_expand
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
        elif img.mode == "1":
            img = img.convert("L")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):  # CMYK, YCbCr JPEGs... -> RGB
            img = img.convert("RGB")
    elif img.mode != _PIL_MODE[mode]:
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):
            # 16-bit gray: keep the high byte, as libpng's png_set_strip_16
            arr = np.asarray(img, dtype=np.uint32) >> 8
            img = require_pil("decode_png").fromarray(arr.astype(np.uint8), "L")
        img = img.convert(_PIL_MODE[mode])
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return Tensor._wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _open(raw, what, draft=None):
    Image = require_pil(what)
    try:
        img = Image.open(io.BytesIO(raw))
        if draft is not None and img.mode != draft:
            img.draft(draft, img.size)
        img.load()
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's "cannot identify" & co.
        raise RuntimeError(f"{what}: the data could not be decoded ({exc})") from None
    return img


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):
    """JPEG bytes (1-d uint8 tensor, or a list of them) -> uint8 (C, H, W) tensor(s)."""
    if isinstance(input, (list, tuple)):
        return [decode_jpeg(i, mode, device, apply_exif_orientation) for i in input]
    raw, mode = _bytes(input, "decode_jpeg"), _mode(mode)
    if not raw.startswith(_JPEG_MAGIC):
        start = " ".join("0x%02x" % b for b in raw[:2])
        raise RuntimeError(f"Not a JPEG file: starts with {start}")
    # GRAY: libjpeg's own gray output (the luma plane), as torchvision asks libjpeg for it
    img = _open(raw, "decode_jpeg", draft="L" if mode is ImageReadMode.GRAY else None)
    out = _to_chw(img, mode, apply_exif_orientation)
    return out.to(device) if str(device) != "cpu" else out


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """PNG bytes (1-d uint8 tensor) -> uint8 (C, H, W) tensor."""
    raw, mode = _bytes(input, "decode_png"), _mode(mode)
    if not raw.startswith(_PNG_MAGIC):
        raise RuntimeError("Content is not png")
    return _to_chw(_open(raw, "decode_png"), mode, apply_exif_orientation)


def decode_webp(input, mode=ImageReadMode.UNCHANGED):
    """WebP bytes (1-d uint8 tensor) -> uint8 (C, H, W) tensor."""
    raw, mode = _bytes(input, "decode_webp"), _mode(mode)
    if not (raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"):
        raise RuntimeError("Not a WEBP file")
    return _to_chw(_open(raw, "decode_webp"), mode, False)


def decode_gif(input):
    """GIF bytes -> uint8 RGB tensor, (3, H, W) for one frame or (N, 3, H, W) for N frames,
    as torchvision's ``decode_gif``."""
    raw = _bytes(input, "decode_gif")
    if raw[:3] != b"GIF":
        raise RuntimeError("Not a GIF file")
    img = _open(raw, "decode_gif")
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB"), dtype=np.uint8).transpose(2, 0, 1))
    arr = frames[0] if len(frames) == 1 else np.stack(frames)
    return Tensor._wrap(np.ascontiguousarray(arr))


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Image bytes (1-d uint8 tensor) or a path -> uint8 (C, H, W) tensor; the format (JPEG,
    PNG, WebP, GIF) is found from the content."""
    mode = _mode(mode)
    if not isinstance(input, Tensor):
        input = read_file(str(input))
    raw = _bytes(input, "decode_image")
    if raw.startswith(_JPEG_MAGIC):
        return decode_jpeg(input, mode, apply_exif_orientation=apply_exif_orientation)
    if raw.startswith(_PNG_MAGIC):
        return decode_png(input, mode, apply_exif_orientation)
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return decode_webp(input, mode)
    if raw[:3] == b"GIF":
        return decode_gif(input)
    raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently "
                       "supported.")


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """The image file at ``path`` as a uint8 (C, H, W) tensor."""
    return decode_image(read_file(path), mode, apply_exif_orientation)


def _image_array(input, what):
    if not isinstance(input, Tensor):
        raise TypeError(f"{what}: expected a torch.Tensor, got {type(input).__name__}")
    arr = input._data
    if hasattr(arr, "get"):
        arr = arr.get()
    if arr.dtype != np.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if arr.ndim != 3:
        raise RuntimeError("Input data should be a 3-dimensional tensor")
    if arr.shape[0] not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {arr.shape[0]}")
    hwc = np.ascontiguousarray(arr.transpose(1, 2, 0))
    return hwc[:, :, 0] if hwc.shape[2] == 1 else hwc


def _encode(arr, fmt, **options):
    buf = io.BytesIO()
    require_pil(f"encode_{fmt.lower()}").fromarray(arr).save(buf, format=fmt, **options)
    return Tensor._wrap(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_png(input, compression_level=6):
    """uint8 (C, H, W) tensor, C = 1 or 3 -> the bytes of a PNG file (1-d uint8 tensor)."""
    if not 0 <= compression_level <= 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    return _encode(_image_array(input, "encode_png"), "PNG", compress_level=compression_level)


def encode_jpeg(input, quality=75):
    """uint8 (C, H, W) tensor (or a list of them), C = 1 or 3 -> the bytes of a JPEG file."""
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, (list, tuple)):
        return [encode_jpeg(i, quality) for i in input]
    return _encode(_image_array(input, "encode_jpeg"), "JPEG", quality=quality)


def write_png(input, filename, compression_level=6):
    """Write a uint8 (C, H, W) tensor as a PNG file."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality=75):
    """Write a uint8 (C, H, W) tensor as a JPEG file."""
    write_file(filename, encode_jpeg(input, quality))
