"""``galton.vision.io``, as ``torchvision.io``: image files as tensors (``read_image``,
``decode_image``, ``write_png``...), plus the IDX format of MNIST and its relatives, which
galton's datasets read and write."""
from ._pillow import require_pil
from .idx import IDX_TYPES, idx_complete, read_idx, write_idx
from .image import (ImageReadMode, decode_gif, decode_image, decode_jpeg, decode_png,
                    decode_webp, encode_jpeg, encode_png, read_file, read_image, write_file,
                    write_jpeg, write_png)

__all__ = ["ImageReadMode", "read_file", "write_file", "decode_image", "decode_jpeg",
           "decode_png", "decode_webp", "decode_gif", "encode_jpeg", "encode_png",
           "read_image", "write_jpeg", "write_png",
           "read_idx", "write_idx", "idx_complete", "IDX_TYPES", "require_pil"]
