"""galton.metadata: model files that carry their version, classes, normalisation and hash."""
import json
import struct

import numpy as np
import pytest

import galton
from galton.metadata import content_hash, load_model_metadata, save_model
from galton.serialization import CheckpointError
from galton.vision import models, transforms

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


@pytest.fixture
def model():
    galton.manual_seed(0)
    return models.fashion_cnn()


def test_save_and_read_back_the_metadata(tmp_path, model):
    path = tmp_path / "fashion_cnn_v2.1.safetensors"
    meta = save_model(model, path, class_names=CLASSES, input_shape=(1, 28, 28),
                      normalization={"mean": (0.2860,), "std": (0.3530,)},
                      metrics={"test_accuracy": np.float64(0.912), "epochs": 5},
                      spec="fashion_cnn", description="lesson 20 CNN")
    read = load_model_metadata(path)
    assert read == meta
    assert read["model_name"] == "FashionCNN" and read["classes"] == CLASSES
    assert read["input_shape"] == [1, 28, 28] and read["mean"] == [0.286]
    assert read["std"] == [0.353] and read["metrics"] == {"test_accuracy": 0.912, "epochs": 5}
    assert read["galton_version"] == galton.__version__ and read["num_parameters"] == 125_610
    assert read["content_hash"].startswith("sha256:") and len(read["content_hash"]) == 71
    assert read["description"] == "lesson 20 CNN" and read["created"].endswith("+00:00")


def test_the_weights_load_and_the_file_is_a_galton_model_file(tmp_path, model):
    path = tmp_path / "m.safetensors"
    save_model(model, path, spec="fashion_cnn", class_names=CLASSES, input_shape=(1, 28, 28))
    fresh = models.fashion_cnn()
    fresh.load_state_dict(galton.load(path)["state_dict"])
    x = galton.randn(2, 1, 28, 28)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    from galton.train.models import load_model  # the format galton train writes
    rebuilt, meta = load_model(path)
    np.testing.assert_array_equal(rebuilt(x).detach().numpy(), model.eval()(x).detach().numpy())
    assert meta["classes"] == CLASSES


def test_the_hash_depends_on_the_weights_only(tmp_path, model):
    a = save_model(model, tmp_path / "a.safetensors", metrics={"acc": 0.5})
    b = save_model(model, tmp_path / "b.safetensors", metrics={"acc": 0.9}, name="other")
    assert a["content_hash"] == b["content_hash"] == content_hash(model.state_dict())
    with galton.no_grad():
        model.net[0].bias[0] += 1
    assert content_hash(model.state_dict()) != a["content_hash"]
    renamed = {("x" + k): v for k, v in model.state_dict().items()}
    assert content_hash(renamed) != content_hash(model.state_dict())


def test_verify_catches_a_changed_file(tmp_path, model):
    path = tmp_path / "m.safetensors"
    save_model(model, path)
    assert load_model_metadata(path, verify=True)["model_name"] == "FashionCNN"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF  # one byte of the last tensor
    path.write_bytes(bytes(raw))
    load_model_metadata(path)  # the header alone is fine
    with pytest.raises(CheckpointError, match="do not match its content_hash"):
        load_model_metadata(path, verify=True)


def test_the_header_alone_is_read(tmp_path, model):
    path = tmp_path / "m.safetensors"
    save_model(model, path, class_names=CLASSES)
    with open(path, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        head = fh.read(n)
    (tmp_path / "head.safetensors").write_bytes(struct.pack("<Q", n) + head)  # no tensors
    assert load_model_metadata(tmp_path / "head.safetensors")["classes"] == CLASSES
    assert "FashionCNN" in json.loads(head)["__metadata__"]["galton.structure"]


def test_normalize_transform_and_mean_std_keywords(tmp_path, model):
    meta = save_model(model, tmp_path / "a.safetensors",
                      normalization=transforms.Normalize((0.5,), (0.25,)))
    assert (meta["mean"], meta["std"]) == ([0.5], [0.25])
    meta = save_model(model, tmp_path / "b.safetensors", mean=[0.1], std=[0.2])
    assert (meta["mean"], meta["std"]) == ([0.1], [0.2])


def test_bad_metadata_and_files(tmp_path, model):
    with pytest.raises(TypeError, match="metrics\\['f'\\] is a builtin_function"):
        save_model(model, tmp_path / "a.safetensors", metrics={"f": print})
    with pytest.raises(ValueError, match="must be finite"):
        save_model(model, tmp_path / "a.safetensors", metrics={"loss": float("nan")})
    with pytest.raises(TypeError, match="'content_hash' is set by save_model"):
        save_model(model, tmp_path / "a.safetensors", content_hash="x")
    with pytest.raises(TypeError, match="expected a model"):
        save_model({"w": galton.ones(2)}, tmp_path / "a.safetensors")
    assert not (tmp_path / "a.safetensors").exists()
    galton.save(model.state_dict(), tmp_path / "sd.safetensors")
    with pytest.raises(CheckpointError, match="not a model file"):
        load_model_metadata(tmp_path / "sd.safetensors")
    (tmp_path / "junk.bin").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="junk.bin is not a galton model file"):
        load_model_metadata(tmp_path / "junk.bin")
