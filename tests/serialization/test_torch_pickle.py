"""Reading torch.save files without PyTorch's unpickler: tensors in, code refused."""
import argparse
import builtins
import collections
import io
import os
import pickle
import re
import zipfile

import numpy as np
import pytest
import torch

import galton
import galton.nn as nn
from galton.cli import convert
from galton.serialization import CheckpointError
from galton.serialization.torch_pickle import UnsafePickleError


def _same(g, t):
    want = t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
    got = g.numpy(force=True)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_a_module_state_dict_loads_into_the_galton_model(tmp_path):
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                             torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3))
    tm(torch.randn(5, 1, 8, 8))  # move the running statistics away from their start
    torch.save(tm.state_dict(), tmp_path / "model.pth")
    sd = galton.load(tmp_path / "model.pth")
    assert list(sd) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        _same(sd[k], v)
    gm = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                       nn.Linear(4 * 6 * 6, 3))
    gm.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32)
    tm.eval(), gm.eval()
    np.testing.assert_allclose(gm(galton.from_numpy(x)).detach().numpy(),
                               tm(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool,
                                   torch.float16, torch.int32, torch.uint8, torch.int8,
                                   torch.int16, torch.bfloat16])
def test_dtypes(tmp_path, dtype):
    t = (torch.randn(3, 4) * 10).to(dtype)
    torch.save({"t": t, "scalar": t[1, 2].clone()}, tmp_path / "d.pt")
    got = galton.load(tmp_path / "d.pt")
    _same(got["t"], t)
    _same(got["scalar"], t[1, 2])
    assert got["scalar"].shape == ()


def test_shared_storages_views_offsets_and_strides(tmp_path):
    base = torch.arange(30, dtype=torch.float64).reshape(5, 6)
    obj = {"base": base, "rows": base[1:4], "cols": base[:, 2:5], "t": base.t(),
           "strided": base[::2, ::3], "expanded": torch.ones(3, 1).expand(3, 4),
           "empty": torch.zeros(0, 3), "same": base}
    torch.save(obj, tmp_path / "v.pt")
    with zipfile.ZipFile(tmp_path / "v.pt") as z:  # one storage for base and its views
        assert sum("/data/" in n for n in z.namelist()) == 3
    got = galton.load(tmp_path / "v.pt")
    for k, v in obj.items():
        _same(got[k], v)
    assert np.shares_memory(got["cols"].numpy(), got["base"].numpy())  # as torch.load
    # an expanded tensor stays a view with stride 0, as torch.load keeps it, and in-place
    # writes to it are refused as PyTorch refuses them
    assert got["expanded"].stride() == obj["expanded"].stride() == (1, 0)
    with pytest.raises(RuntimeError) as theirs:
        torch.load(tmp_path / "v.pt")["expanded"].add_(1)
    with pytest.raises(RuntimeError) as ours:
        got["expanded"].add_(1)
    assert str(ours.value).split(".")[0] == str(theirs.value).split(".")[0]


def test_nested_containers_parameters_and_plain_values(tmp_path):
    opt = torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1, momentum=0.9)
    ckpt = {"epoch": 3, "model": collections.OrderedDict(w=torch.ones(2)),
            "optimizer": opt.state_dict(), "history": [{"loss": 0.5}, {"loss": 0.25}],
            "pair": (torch.zeros(1), None), "p": torch.nn.Parameter(torch.randn(2)),
            "name": "net", "dtype": torch.float16, "shape": torch.Size([2, 3]), "flag": True}
    torch.save(ckpt, tmp_path / "ckpt.pt")
    got = galton.load(tmp_path / "ckpt.pt")
    assert got["epoch"] == 3 and got["name"] == "net" and got["flag"] is True
    assert got["history"] == [{"loss": 0.5}, {"loss": 0.25}]
    assert got["optimizer"]["param_groups"][0]["lr"] == 0.1
    assert got["dtype"] is galton.float16 and got["shape"] == (2, 3)
    assert isinstance(got["p"], nn.Parameter) and got["p"].requires_grad
    assert isinstance(got["pair"], tuple) and got["pair"][1] is None
    _same(got["model"]["w"], torch.ones(2))


def test_map_location_and_file_objects(tmp_path):
    torch.save({"w": torch.arange(3.0)}, tmp_path / "w.pt")
    with open(tmp_path / "w.pt", "rb") as fh:
        got = galton.load(fh, map_location="cpu")
    _same(got["w"], torch.arange(3.0))
    buf = io.BytesIO()
    torch.save(torch.eye(2), buf)
    buf.seek(0)
    _same(galton.load(buf), torch.eye(2))


MARKER = ""


class _System:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


class _Eval:
    def __reduce__(self):
        return (builtins.eval, (f"open({MARKER!r}, 'w')",))


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)


@pytest.mark.parametrize("payload,global_name", [
    (lambda: {"w": torch.ones(2), "evil": _System()}, r"global posix\.system"),
    # protocol 2 (torch.save's) spells builtins as Python 2's __builtin__
    (lambda: [_Eval()], r"global (__builtin__|builtins)\.eval"),
    (lambda: _Net(), r"global \S*test_torch_pickle\._Net"),
])
def test_malicious_or_code_carrying_pickles_are_refused_without_running(tmp_path, payload,
                                                                        global_name):
    global MARKER
    MARKER = str(tmp_path / "pwned")
    torch.save(payload(), tmp_path / "evil.pt")
    with pytest.raises(UnsafePickleError) as err:
        galton.load(tmp_path / "evil.pt")
    msg = str(err.value)
    assert str(tmp_path / "evil.pt") in msg and re.search(global_name, msg) and "refused" in msg
    assert not os.path.exists(MARKER)
    assert isinstance(err.value, CheckpointError)


def test_a_hand_made_pickle_in_a_torch_zip_is_refused(tmp_path):
    """A zip whose data.pkl calls os.system directly, as an attacker would write it."""
    global MARKER
    MARKER = str(tmp_path / "pwned")
    with zipfile.ZipFile(tmp_path / "hand.pt", "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(_System(), protocol=2))
        z.writestr("archive/byteorder", "little")
    with pytest.raises(UnsafePickleError, match="system"):
        galton.load(tmp_path / "hand.pt")
    assert not os.path.exists(MARKER)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torchscript_archives_and_other_zips_are_refused(tmp_path):
    scripted = torch.jit.trace(torch.nn.Linear(2, 2), torch.randn(1, 2))
    torch.jit.save(scripted, tmp_path / "ts.pt")
    with pytest.raises(UnsafePickleError, match="TorchScript archive"):
        galton.load(tmp_path / "ts.pt")
    np.savez(tmp_path / "arrays.npz", a=np.ones(2))
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        galton.load(tmp_path / "arrays.npz")
    (tmp_path / "broken.pt").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    with pytest.raises(CheckpointError, match="broken.pt is a corrupt zip"):
        galton.load(tmp_path / "broken.pt")


def test_a_truncated_storage_is_corrupt_not_a_crash(tmp_path):
    torch.save({"w": torch.ones(10)}, tmp_path / "w.pt")
    with zipfile.ZipFile(tmp_path / "w.pt") as src, \
            zipfile.ZipFile(tmp_path / "cut.pt", "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data[:8] if name.endswith("data/0") else data)
    with pytest.raises(CheckpointError, match="declares 40 bytes, the archive entry holds 8"):
        galton.load(tmp_path / "cut.pt")


def _convert(*argv):
    parser = argparse.ArgumentParser()
    convert.add_parser(parser.add_subparsers())
    return convert.run(parser.parse_args(["convert", *argv]))


def test_galton_convert_writes_a_safetensors_file(tmp_path, capsys):
    from safetensors.numpy import load_file
    sd = torch.nn.Linear(3, 2).state_dict()
    torch.save({"model_state_dict": sd, "epoch": 2}, tmp_path / "ckpt.pt")
    assert _convert(str(tmp_path / "ckpt.pt"), str(tmp_path / "m.safetensors"),
                    "--key", "model_state_dict") == 0
    assert "2 tensors, 8 values" in capsys.readouterr().out
    arrays = load_file(str(tmp_path / "m.safetensors"))
    for k, v in sd.items():
        np.testing.assert_array_equal(arrays[k], v.numpy())
    assert _convert(str(tmp_path / "ckpt.pt"), str(tmp_path / "x.safetensors"), "--key",
                    "nope") == 2
    err = capsys.readouterr().err
    assert err.startswith("galton convert: error: ")
    assert "has no entry 'nope' (it has: model_state_dict, epoch)" in err
    torch.save(_Net(), tmp_path / "whole.pt")
    assert _convert(str(tmp_path / "whole.pt"), str(tmp_path / "y.safetensors")) == 2
    assert "refused" in capsys.readouterr().err and not (tmp_path / "y.safetensors").exists()
