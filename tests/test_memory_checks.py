"""Work that cannot fit in memory is refused up front, in one line with the estimate and the
memory available, instead of an OOM kill or "internal error: MemoryError" (issue 14)."""
import pytest
from PIL import Image

import galton
from galton import _memory
from galton.cli import main


def test_summary_of_a_huge_input_is_refused_with_the_figures(capsys):
    assert main(["summary", "resnet18", "--input-size", "3", "100000", "100000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "input 111.8 GiB" in err and "needs about" in err and "is available" in err
    assert "internal error" not in err


def test_summary_of_an_ordinary_input_still_runs():
    result = galton.summary(galton.vision.models.resnet18(), (3, 64, 64), verbose=False)
    assert result.total_params > 0


def test_train_on_images_resized_beyond_memory_is_refused(tmp_path, capsys):
    for c in "ab":
        (tmp_path / "imgs" / c).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(tmp_path / "imgs" / c / f"{i}.png")
    rc = main(["train", "--model", "mlp", "--data", str(tmp_path / "imgs"), "--image-size",
               "100000", "100000", "--epochs", "1", "--no-progress", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "6 images of 3 x 100000 x 100000 needs about 1.3 TiB" in err
    assert "choose a smaller --image-size" in err


def test_check_fits_compares_with_the_available_memory(monkeypatch):
    monkeypatch.setattr(_memory, "available_bytes", lambda: 2 ** 30)
    _memory.check_fits("x", 2 ** 29, "hint")
    with pytest.raises(MemoryError, match=r"x needs about 1.0 GiB of memory, but only 1.0 GiB "
                                          r"is available; hint"):
        _memory.check_fits("x", 2 ** 30, "hint")
    monkeypatch.setattr(_memory, "available_bytes", lambda: None)  # unknown: no refusal
    _memory.check_fits("x", 2 ** 60, "hint")
    assert _memory.format_bytes(1536) == "1.5 KiB" and _memory.format_bytes(5) == "5 B"
