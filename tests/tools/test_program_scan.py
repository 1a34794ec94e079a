"""tools/program_scan.py: import resolution, notebooks, guards and missing names, on a small
program tree written here (no network, no mirror of public repositories)."""
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from galton.run import _hook

_PATH = Path(__file__).resolve().parents[2] / "tools" / "program_scan.py"
_spec = importlib.util.spec_from_file_location("program_scan", _PATH)
program_scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(program_scan)


def uses(src):
    return program_scan.torch_uses(program_scan.parse_program(src, False)[0])


def notebook(*cells):
    return json.dumps({"nbformat": 4, "cells": [
        {"cell_type": "markdown", "source": ["import torch.not_in_code\n"]}] + [
        {"cell_type": "code", "source": c.splitlines(True)} for c in cells]})


def test_aliases_are_the_import_hooks():
    assert program_scan.ALIASES is _hook.ALIASES


def test_import_forms_resolve_to_dotted_paths():
    u = uses("import torch\n"
             "import torch.nn as nn\n"
             "import torch.nn.functional as F\n"
             "from torch import optim\n"
             "from torchvision import datasets, transforms as T\n"
             "from torch.utils.data import DataLoader\n"
             "import torchvision.models\n"
             "y = F.relu(torch.zeros(3).view(3))\n"
             "m = nn.Sequential(nn.Linear(2, 3))\n"
             "opt = optim.SGD(m.parameters(), lr=0.1)\n"
             "t = T.Compose([T.ToTensor()])\n"
             "r = torchvision.models.resnet18()\n")
    for name in ("torch", "torch.nn", "torch.nn.functional", "torch.optim", "torch.zeros",
                 "torch.nn.functional.relu", "torch.nn.Sequential", "torch.nn.Linear",
                 "torch.optim.SGD", "torchvision.datasets", "torchvision.transforms.Compose",
                 "torchvision.transforms.ToTensor", "torch.utils.data.DataLoader",
                 "torchvision.models", "torchvision.models.resnet18"):
        assert name in u, name
    # methods of objects are out of reach: no "torch.zeros.view", no "m.parameters"
    assert not any(p.endswith((".view", ".parameters")) for p in u)
    assert all(p.split(".")[0] in ("torch", "torchvision") for p in u)


def test_shadowing_aliases_and_stores():
    u = uses("import torch\nimport torch.nn.functional as F\n"
             "def f(F, torch):\n    return F.anything + torch.whatever\n"
             "nn = torch.nn\nlayer = nn.Conv2d\n"
             "torch.backends.cudnn.benchmark = True\n"
             "xs = [F for F in range(3)]\n"
             "import numpy as F\nF.zeros(2)\n")
    assert "torch.nn.Conv2d" in u
    assert "torch.backends.cudnn" in u and "torch.backends.cudnn.benchmark" not in u
    # the parameters F and torch, and numpy imported as F, shadow the torch names
    for name in ("torch.nn.functional.anything", "torch.whatever", "torch.nn.functional.zeros"):
        assert name not in u


def test_guarded_uses():
    u = uses("import torch\n"
             "try:\n    from torch.nope import thing\nexcept ImportError:\n    thing = None\n"
             "if hasattr(torch.backends, 'mps') and torch.backends.mps.is_available():\n"
             "    pass\n"
             "torch.ones(1)\n")
    assert u["torch.nope.thing"] is True
    assert u["torch.backends.mps.is_available"] is True
    assert u["torch.ones"] is False


def test_notebook_cells_magics_and_bad_cells():
    nb = notebook("!pip install torch\n%matplotlib inline\nimport torch\n",
                  "torch.zeros?\n",                      # IPython help: not Python, dropped
                  "%%time\nx = torch.ones(2)\n")
    module, dropped = program_scan.parse_program(nb, True)
    assert dropped == 1
    u = program_scan.torch_uses(module)
    assert "torch.ones" in u and "torch.not_in_code" not in u


def test_missing_names_in_galton_and_pytorch():
    resolver = program_scan.Resolver()
    assert resolver.missing("torch.nn.functional.relu") is None
    assert resolver.missing("torch.utils.data.DataLoader") is None
    assert resolver.missing("torchvision.transforms.ToTensor") is None
    # the first part that fails is the missing name
    assert resolver.missing("torch.no_such_module_xyz.thing") == "torch.no_such_module_xyz"
    assert resolver.missing("torchvision.transforms.NoSuchTransform") == \
        "torchvision.transforms.NoSuchTransform"
    assert resolver.in_pytorch("torch.no_such_module_xyz") is False
    assert resolver.in_pytorch("torch.nn.Linear") is True
    # torchvision is not installed: its transform and dataset classes are checked against
    # api_coverage's lists, its other names not at all
    assert resolver.in_pytorch("torchvision.transforms.NoSuchTransform") is False
    assert resolver.in_pytorch("torchvision.transforms.ToTensor") is True
    assert resolver.in_pytorch("torchvision.io.no_such_reader") is None


def _tree(root):
    (root / "course").mkdir()
    (root / "book").mkdir()
    (root / "course" / "ok.py").write_text(
        "import torch\nfrom torch import nn\nmodel = nn.Linear(2, 1)\nprint(torch.ones(2))\n")
    (root / "course" / "gap.py").write_text(
        "import torch\nx = torch.no_such_function_xyz(3)\n")
    (root / "course" / "py2.py").write_text("import torch\nprint 'hello'\n")
    (root / "course" / "plain.py").write_text("import numpy as np\nprint(np.ones(2))\n")
    (root / "book" / "nb.ipynb").write_text(notebook(
        "import torchvision\nfrom torchvision import transforms\n",
        "t = transforms.ToTensor()\nimg = torchvision.io.no_such_reader_xyz('a.png')\n"))


def test_scan_report(tmp_path):
    _tree(tmp_path)
    report = program_scan.scan(program_scan.iter_dir(tmp_path))
    assert report["sources"]["course"] == {"kind": "", "programs": 2, "unparsed": 1, "ok": 1,
                                           "ok_pytorch": 2}
    assert report["sources"]["book"]["programs"] == 1 and report["sources"]["book"]["ok"] == 0
    assert report["total"]["programs"] == 3 and report["share_ok"] == pytest.approx(1 / 3)
    names = {m["name"]: m for m in report["missing"]}
    assert names["torch.no_such_function_xyz"] == {
        "name": "torch.no_such_function_xyz", "programs": 1, "in_pytorch": False}
    assert names["torchvision.io.no_such_reader_xyz"]["in_pytorch"] is None


def test_corpus_from_a_bare_clone(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    _tree(work)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(git + ["init", "-q", str(work)], check=True)
    subprocess.run(git + ["-C", str(work), "add", "."], check=True)
    subprocess.run(git + ["-C", str(work), "commit", "-qm", "programs"], check=True)
    mirror = tmp_path / "mirror"
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "someone+course" /
                                                                  "repo")], check=True)
    corpus_path = tmp_path / "corpus.json"
    corpus_path.write_text(json.dumps({"sources": [
        {"repo": "someone/course", "kind": "course"},
        {"repo": "someone/absent", "kind": "book", "commit": "0" * 40, "paths": ["a.py"]}]}))
    corpus = program_scan.build_corpus(mirror, corpus_path)
    src = corpus["sources"][0]
    # the candidates: files with a torch import (the Python 2 one too), not plain.py
    assert src["paths"] == ["book/nb.ipynb", "course/gap.py", "course/ok.py", "course/py2.py"]
    assert len(src["commit"]) == 40
    assert json.loads(corpus_path.read_text()) == corpus
    report = program_scan.scan(program_scan.iter_corpus(corpus, mirror))
    assert list(report["sources"]) == ["someone/course"]   # the absent mirror is skipped
    assert report["total"] == {"programs": 3, "unparsed": 1, "ok": 1, "ok_pytorch": 2}


def test_command_line_table_and_json(tmp_path, capsys):
    _tree(tmp_path)
    assert program_scan.main(["--dir", str(tmp_path), "--programs"]) == 0
    out = capsys.readouterr().out
    assert "2 sources, 3 programs (1 more do not parse as Python 3" in out
    assert "torch.no_such_function_xyz" in out and "course: course/gap.py" in out
    total = next(line for line in out.splitlines() if line.startswith("total"))
    assert "1  33.3 %" in total
    assert program_scan.main(["--dir", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"]["programs"] == 3 and report["missing"][0]["programs"] == 1
