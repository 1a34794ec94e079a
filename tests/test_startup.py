"""Start-up cost: `import galton` and `galton --help` import none of the optional extras.

ml_dtypes alone costs about half a second to import (issue 18); Numba's LLVM, matplotlib and
onnx cost more. Each is imported where first used (galton.bfloat16, a compiled kernel, a plot,
an export), so a program or CLI command that does not use them does not pay for them. This
checks which modules got imported, never a time.
"""
import os
import subprocess
import sys

import pytest

EXTRAS = ("ml_dtypes", "numba", "llvmlite", "matplotlib", "onnx", "onnxruntime")
_REPORT = "import sys; print(' '.join(m for m in {extras!r} if m in sys.modules))"


def _imported_extras(code):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", code + "\n" + _REPORT.format(extras=EXTRAS)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1].split() if out.stdout.strip() else []


def test_import_galton_imports_no_optional_extra():
    assert _imported_extras("import galton") == []


def test_galton_help_imports_no_optional_extra():
    code = ("import sys, contextlib, io\n"
            "sys.argv = ['galton', '--help']\n"
            "from galton.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        main()\n"
            "    except SystemExit as e:\n"
            "        assert e.code in (0, None), e.code\n")
    assert _imported_extras(code) == []


def test_common_names_import_no_optional_extra():
    # the names a training script touches first: nn, optim, data, a forward/backward step
    code = ("import galton, galton.nn as nn, galton.optim as optim\n"
            "from galton.utils.data import DataLoader, TensorDataset\n"
            "m = nn.Linear(3, 2); opt = optim.SGD(m.parameters(), lr=0.1)\n"
            "m(galton.ones(4, 3)).sum().backward(); opt.step()\n"
            "galton.float16, galton.HalfTensor\n")
    assert _imported_extras(code) == []


def test_bfloat16_still_there_on_first_use():
    pytest.importorskip("ml_dtypes")
    code = ("import galton, sys\n"
            "assert 'ml_dtypes' not in sys.modules\n"
            "x = galton.ones(3).to(galton.bfloat16)\n"
            "assert x.dtype is galton.bfloat16 and str(x.dtype) == 'galton.bfloat16'\n"
            "assert isinstance(x, galton.BFloat16Tensor)\n"
            "assert galton.cuda.BFloat16Tensor.dtype is galton.bfloat16\n"
            "from galton.amp import autocast_mode\n"
            "assert autocast_mode.bfloat16 is galton.bfloat16\n"
            "assert galton.autocast('cpu').fast_dtype is galton.bfloat16\n")
    assert "ml_dtypes" in _imported_extras(code)


def test_bfloat16_array_from_ml_dtypes_before_galton_bfloat16():
    # a NumPy bfloat16 array made before galton.bfloat16 was ever named still maps to it
    pytest.importorskip("ml_dtypes")
    code = ("import numpy as np, ml_dtypes, galton\n"
            "t = galton.from_numpy(np.ones(2, dtype=ml_dtypes.bfloat16))\n"
            "assert t.dtype is galton.bfloat16, t.dtype\n")
    assert "ml_dtypes" in _imported_extras(code)
