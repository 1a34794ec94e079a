"""The import hook of ``galton run``: torch and torchvision names resolve to galton's modules,
and what a program reaches that galton lacks is named the way the program wrote it."""
import io
import sys
import textwrap

import pytest

import galton
from galton.run import _hook
from galton.run._report import missing_api, public_name, report


@pytest.fixture
def hooked():
    """The hook installed for one test; the real PyTorch (imported by other tests) is back
    in sys.modules afterwards."""
    displaced = _hook.install()
    try:
        yield
    finally:
        _hook.uninstall(displaced)


def test_names_translate_both_ways():
    assert _hook.to_galton("torch") == "galton"
    assert _hook.to_galton("torch.nn.functional") == "galton.nn.functional"
    assert _hook.to_galton("torchvision.transforms") == "galton.vision.transforms"
    assert _hook.to_galton("torchaudio") is None and _hook.to_galton("torchx.y") is None
    assert _hook.to_torch("galton.vision.utils") == "torchvision.utils"
    assert _hook.to_torch("galton.nn") == "torch.nn" and _hook.to_torch("numpy") == "numpy"


def test_torch_and_torchvision_modules_are_galtons(hooked):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.utils.data
    import torchvision
    from torchvision import datasets, transforms
    from torchvision.utils import save_image
    assert torch is galton and nn is galton.nn and F is galton.nn.functional
    assert torch.utils.data is galton.utils.data
    assert sys.modules["torch.utils.data"] is galton.utils.data
    assert torchvision is galton.vision and datasets is galton.vision.datasets
    assert transforms is galton.vision.transforms
    assert save_image is galton.vision.utils.save_image
    # the import system's bookkeeping leaves galton's own identity alone
    assert galton.nn.__name__ == "galton.nn" and galton.nn.__spec__.name == "galton.nn"


def test_a_missing_torch_module_is_an_import_error_the_program_can_catch(hooked):
    with pytest.raises(ModuleNotFoundError) as info:
        import torch.no_such_module  # noqa: F401
    assert info.value.name == "torch.no_such_module"
    try:
        import torchvision.no_such_module  # noqa: F401
        fallback = False
    except ImportError:
        fallback = True
    assert fallback


def test_uninstall_gives_the_real_pytorch_back():
    import torch as real
    displaced = _hook.install()
    import torch
    assert torch is galton
    _hook.uninstall(displaced)
    import torch
    assert torch is real and torch is not galton


def test_public_names():
    assert public_name(galton.nn.LSTM) == "torch.nn.LSTM"
    assert public_name(galton.Tensor) == "torch.Tensor"
    assert public_name(galton.vision.utils) == "torchvision.utils"


def _stop(tmp_path, body):
    """Run a program under the hook in this process; return the exception it stopped with."""
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(body))
    code = compile(path.read_text(), str(path), "exec")
    with pytest.raises(BaseException) as info:
        exec(code, {"__name__": "__main__"})
    return info.value


@pytest.mark.parametrize("body, line, api", [
    ("import torch\nx = 1\ntorch.no_such_function(x)\n", 3, "torch.no_such_function"),
    ("import torch.no_such_module\n", 1, "torch.no_such_module"),
    ("import torch\nimport torch.nn\n\ntorch.nn.no_such_layer(3)\n", 4, "torch.nn.no_such_layer"),
    ("from torchvision.utils import no_such_picture\n", 1, "torchvision.utils.no_such_picture"),
    ("import torch\nt = torch.ones(2)\nt.no_such_method()\n", 3, "torch.Tensor.no_such_method"),
    ("import torch.nn as nn\nm = nn.LSTM(2, 3)\nm.no_such_method()\n", 3,
     "torch.nn.LSTM.no_such_method"),
    ("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n\nNet().no_such_method()\n", 5,
     "torch.nn.Module.no_such_method"),
])
def test_missing_apis_are_named_at_the_program_line(hooked, tmp_path, body, line, api):
    exc = _stop(tmp_path, body)
    what, (filename, lineno) = missing_api(exc)
    assert what == f"{api} is not in galton"
    assert filename == str(tmp_path / "prog.py") and lineno == line
    out = io.StringIO()
    assert report(exc, out) == 3
    assert out.getvalue().count("\n") == 1 and f"prog.py:{line}: {api} is not in galton" \
        in out.getvalue()


@pytest.mark.parametrize("body", [
    "raise ValueError('mine')\n",                           # the program's own error
    "import torch\ntorch.ones(2, 3) @ torch.ones(2, 3)\n",  # galton's error about the input
    "class A:\n    pass\nA().missing\n",                    # the program's own attribute
    "import no_such_top_level_module_xyz\n",                # not a torch module
])
def test_other_errors_are_not_called_missing(hooked, tmp_path, body):
    exc = _stop(tmp_path, body)
    assert missing_api(exc) is None
    out = io.StringIO()
    assert report(exc, out) == 1
    text = out.getvalue()
    assert text.startswith("Traceback (most recent call last):") and "prog.py" in text
    assert "galton" + ("/" if sys.platform != "win32" else "\\") not in text  # no galton frame
    assert text.rstrip().splitlines()[-1].startswith(type(exc).__name__)
