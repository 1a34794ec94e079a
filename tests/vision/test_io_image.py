"""galton.vision.io's image functions (torchvision.io's): checked against Pillow decoding the
same bytes, and against torchvision's documented shapes, dtypes, modes and errors
(torchvision is not installed)."""
import numpy as np
import pytest

import galton
from galton.vision.io import (ImageReadMode, decode_gif, decode_image, decode_jpeg,
                              decode_png, encode_jpeg, encode_png, read_file, read_image,
                              write_file, write_jpeg, write_png)

Image = pytest.importorskip("PIL.Image")


def _img(mode, h=5, w=7, seed=0):
    rng = np.random.default_rng(seed)
    bands = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}[mode]
    arr = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
    return Image.fromarray(arr[:, :, 0] if bands == 1 else arr, mode)


def _save(img, path, fmt="PNG", **kw):
    img.save(path, format=fmt, **kw)
    return path


def _chw(img):
    arr = np.asarray(img)
    return (arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1))


@pytest.mark.parametrize("mode,channels", [("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4)])
def test_read_png_unchanged_keeps_the_files_channels(tmp_path, mode, channels):
    img = _img(mode)
    t = read_image(_save(img, tmp_path / "a.png"))
    assert t.dtype == galton.uint8 and tuple(t.shape) == (channels, 5, 7)
    np.testing.assert_array_equal(t.numpy(), _chw(img))


@pytest.mark.parametrize("mode,pil", [(ImageReadMode.GRAY, "L"), (ImageReadMode.GRAY_ALPHA, "LA"),
                                      (ImageReadMode.RGB, "RGB"), (ImageReadMode.RGB_ALPHA, "RGBA"),
                                      ("rgb", "RGB"), ("GRAY", "L")])
def test_read_modes_convert_as_pillow(tmp_path, mode, pil):
    img = _img("RGBA", seed=1)
    path = _save(img, tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(path, mode).numpy(), _chw(img.convert(pil)))
    assert ImageReadMode.RGBA is ImageReadMode.RGB_ALPHA


def test_palette_png_expands_to_its_colours(tmp_path):
    img = _img("RGB", seed=2).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    t = read_image(_save(img, tmp_path / "p.png"))
    assert tuple(t.shape) == (3, 5, 7)
    np.testing.assert_array_equal(t.numpy(), _chw(img.convert("RGB")))


@pytest.mark.parametrize("channels", [1, 3])
def test_png_round_trip_is_exact(tmp_path, channels):
    x = galton.randint(0, 256, (channels, 6, 4), dtype=galton.uint8)
    write_png(x, tmp_path / "x.png")
    back = read_image(tmp_path / "x.png")
    assert back.dtype == galton.uint8
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    # and the file is a PNG any reader takes
    np.testing.assert_array_equal(_chw(Image.open(tmp_path / "x.png")), x.numpy())
    # compression changes the size, never the pixels
    small, big = encode_png(x, compression_level=9), encode_png(x, compression_level=0)
    assert small.dtype == galton.uint8 and small.dim() == 1 and small.numel() <= big.numel()
    np.testing.assert_array_equal(decode_png(big).numpy(), x.numpy())


def test_jpeg_decodes_as_pillow_decodes_the_same_bytes(tmp_path):
    img = _img("RGB", 16, 16, seed=3)
    path = _save(img, tmp_path / "a.jpg", "JPEG", quality=90)
    data = read_file(path)
    assert data.dtype == galton.uint8 and data.numel() == path.stat().st_size
    np.testing.assert_array_equal(decode_jpeg(data).numpy(), _chw(Image.open(path)))
    np.testing.assert_array_equal(decode_image(data).numpy(), _chw(Image.open(path)))
    # GRAY: libjpeg's luma plane (Pillow's draft mode asks libjpeg for the same)
    ref = Image.open(path)
    ref.draft("L", ref.size)
    np.testing.assert_array_equal(decode_jpeg(data, ImageReadMode.GRAY).numpy(), _chw(ref))
    # a list in, a list out
    assert [tuple(t.shape) for t in decode_jpeg([data, data])] == [(3, 16, 16)] * 2


def test_jpeg_encode_quality(tmp_path):
    # a smooth picture (JPEG is made for those; noise loses most to chroma subsampling)
    ramp = np.add.outer(np.arange(32), np.arange(32)) * 4
    x = galton.tensor(np.stack([ramp, ramp[::-1], ramp.T]).astype(np.uint8))
    lo, hi = encode_jpeg(x, quality=10), encode_jpeg(x, quality=95)
    assert lo.numel() < hi.numel()
    write_jpeg(x, tmp_path / "x.jpg", quality=95)
    back = read_image(tmp_path / "x.jpg")
    assert tuple(back.shape) == (3, 32, 32)
    assert read_file(tmp_path / "x.jpg").numpy().tobytes() == hi.numpy().tobytes()
    # lossy, but near
    assert np.abs(back.numpy().astype(int) - x.numpy().astype(int)).mean() < 3
    assert len(encode_jpeg([x, x])) == 2


def test_exif_orientation(tmp_path):
    img = _img("RGB", 4, 8, seed=4)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "o.jpg"
    img.save(path, format="JPEG", exif=exif.tobytes())
    assert tuple(read_image(path).shape) == (3, 4, 8)
    assert tuple(read_image(path, apply_exif_orientation=True).shape) == (3, 8, 4)


def test_gif_frames(tmp_path):
    frames = [_img("RGB", 4, 6, seed=s).convert("P") for s in (5, 6)]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    t = decode_gif(read_file(path))
    assert t.dtype == galton.uint8 and tuple(t.shape) == (2, 3, 4, 6)
    np.testing.assert_array_equal(t[0].numpy(), _chw(frames[0].convert("RGB")))
    frames[0].save(tmp_path / "one.gif")
    assert tuple(decode_image(str(tmp_path / "one.gif")).shape) == (3, 4, 6)


def test_read_and_write_file(tmp_path):
    data = galton.tensor(list(b"galton\x00\xff"), dtype=galton.uint8)
    write_file(tmp_path / "b.bin", data)
    assert (tmp_path / "b.bin").read_bytes() == b"galton\x00\xff"
    np.testing.assert_array_equal(read_file(tmp_path / "b.bin").numpy(), data.numpy())


def test_errors_as_torchvision():
    x = galton.zeros(3, 4, 4)
    with pytest.raises(RuntimeError, match="Input tensor dtype should be uint8"):
        encode_png(x)
    with pytest.raises(RuntimeError, match="The number of channels should be 1 or 3, got: 2"):
        encode_png(galton.zeros(2, 4, 4, dtype=galton.uint8))
    with pytest.raises(RuntimeError, match="Input data should be a 3-dimensional tensor"):
        encode_jpeg(galton.zeros(4, 4, dtype=galton.uint8))
    with pytest.raises(ValueError, match="Image quality should be a positive number"):
        encode_jpeg(galton.zeros(3, 4, 4, dtype=galton.uint8), quality=0)
    with pytest.raises(RuntimeError, match="Compression level should be between 0 and 9"):
        encode_png(galton.zeros(3, 4, 4, dtype=galton.uint8), compression_level=10)
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        decode_image(galton.tensor([1, 2, 3, 4], dtype=galton.uint8))
    with pytest.raises(RuntimeError, match="Expected a torch.uint8 tensor"):
        decode_image(galton.zeros(8))
    with pytest.raises(RuntimeError, match="Content is not png"):
        decode_png(galton.tensor(list(b"\xff\xd8\xff\xe0"), dtype=galton.uint8))
    with pytest.raises(ValueError, match="Unknown mode"):
        decode_image(galton.tensor([1, 2], dtype=galton.uint8), mode="CMYK")


def test_torchvision_names_through_the_hook(tmp_path):
    from galton.run import _hook
    displaced = _hook.install()
    try:
        import torchvision
        from torchvision.io import ImageReadMode as M, read_image as ri
        assert M is ImageReadMode and ri is read_image
        # the version checks programs make before using the weights API
        assert torchvision.__version__ >= "0.13"
        assert int(torchvision.__version__.split(".")[1]) >= 13
        assert torchvision.__version__.startswith("0.28.0")
    finally:
        _hook.uninstall(displaced)


def test_idx_names_still_there():
    from galton.vision import io as vio
    for name in ("read_idx", "write_idx", "idx_complete", "require_pil", "IDX_TYPES"):
        assert hasattr(vio, name)
