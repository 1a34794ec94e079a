"""tools/api_coverage.py: the public-name rule, the categories and the table."""
import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "tools" / "api_coverage.py"
_spec = importlib.util.spec_from_file_location("api_coverage", _PATH)
api_coverage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_coverage)


@pytest.fixture(scope="module")
def rows():
    return {r["namespace"]: r for r in api_coverage.coverage()}


def test_public_name_rule():
    funcs = api_coverage.public_names("torch", "functions")
    assert "add" in funcs and "abs_" in funcs
    # submodules, dtypes, constants and classes are not functions
    for name in ("nn", "float32", "pi", "strided", "Tensor", "Size"):
        assert name not in funcs
    assert "Tensor" in api_coverage.public_names("torch (classes)", "classes")
    nn_classes = api_coverage.public_names("torch.nn", "classes")
    assert "Linear" in nn_classes and "functional" not in nn_classes
    fn = api_coverage.public_names("torch.nn.functional", "functions")
    assert "relu" in fn and "Callable" not in fn and "math" not in fn
    assert "shape" in api_coverage.public_names("torch.Tensor", "attributes")


@pytest.mark.parametrize("name, cat", [
    ("sparse_coo_tensor", "sparse"), ("to_sparse_csr", "sparse"), ("q_scale", "quantised"),
    ("quantize_per_tensor", "quantised"), ("view_as_real", "complex"), ("conj", "complex"),
    ("cudnn_convolution", "device-internal"), ("untyped_storage", "device-internal"),
    ("ScriptModule", "device-internal"), ("QMNIST", "other"), ("lerp", "other")])
def test_categories(name, cat):
    assert api_coverage.category(name) == cat


def test_rows_count_what_galton_has(rows):
    assert set(rows) == {ns for ns, _, _ in api_coverage.NAMESPACES}
    t = rows["torch.Tensor"]
    missing = [n for names in t["missing"].values() for n in names]
    assert t["has"] + len(missing) == t["public"]
    assert "backward" not in missing and "sum" not in missing
    assert rows["torchvision.datasets"]["public"] == len(set(
        api_coverage.TORCHVISION["datasets"]))


def test_table_and_markdown(rows, capsys):
    assert api_coverage.main(["--markdown", "--namespace", "torch.linalg"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| namespace") and out[2].startswith("| `torch.linalg` |")
    assert api_coverage.main(["--missing", "--namespace", "torch.optim"]) == 0
    assert "torch.optim missing" in capsys.readouterr().out or rows["torch.optim"]["share"] == 1
    with pytest.raises(SystemExit):
        api_coverage.main(["--namespace", "torch.nope"])
