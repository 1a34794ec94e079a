"""galton.hub.load from a local hubconf.py (made here), and the errors PyTorch gives."""
import numpy as np
import pytest

import galton


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "helper_mod.py").write_text("SCALE = 3\n")
    (tmp_path / "hubconf.py").write_text(
        "dependencies = ['numpy']\n"
        "import helper_mod  # the repository's own modules import, as in PyTorch\n"
        "def tiny(n=3, *, bias=True):\n"
        "    '''A tiny linear model.'''\n"
        "    import galton\n"
        "    return galton.nn.Linear(n, helper_mod.SCALE, bias=bias)\n"
        "def _helper():\n"
        "    pass\n"
        "not_callable = 5\n")
    return tmp_path


def test_load_list_help_from_a_local_directory(repo):
    m = galton.hub.load(str(repo), "tiny", 4, bias=False, source="local")
    assert isinstance(m, galton.nn.Linear) and tuple(m.weight.shape) == (3, 4) and m.bias is None
    assert galton.hub.list(str(repo), source="local") == ["tiny"]
    assert galton.hub.help(str(repo), "tiny", source="local") == "A tiny linear model."


def test_errors(repo, tmp_path_factory):
    with pytest.raises(RuntimeError, match="Cannot find callable not_callable in hubconf"):
        galton.hub.load(str(repo), "not_callable", source="local")
    with pytest.raises(ValueError, match='Unknown source: "ftp". Allowed values: "github" \\| '
                                         '"local".'):
        galton.hub.load(str(repo), "tiny", source="ftp")
    (repo / "hubconf.py").write_text("dependencies = ['surely_not_a_module_x']\ndef f():\n"
                                     "    return 1\n")
    with pytest.raises(RuntimeError, match="Missing dependencies: surely_not_a_module_x"):
        galton.hub.load(str(repo), "f", source="local")
    galton.hub.set_dir(str(tmp_path_factory.mktemp("hub")))
    try:
        with pytest.raises(RuntimeError, match="downloads no code; clone it"):
            galton.hub.load("pytorch/vision", "resnet18")
    finally:
        galton.hub._hub_dir = None


def test_github_repo_already_in_the_cache(repo, tmp_path_factory):
    hub = tmp_path_factory.mktemp("hub")
    cached = hub / "someone_models_main"
    cached.mkdir()
    (cached / "hubconf.py").write_text("def one():\n    return 1\n")
    galton.hub.set_dir(str(hub))
    try:
        assert galton.hub.get_dir() == str(hub)
        assert galton.hub.load("someone/models", "one") == 1
    finally:
        galton.hub._hub_dir = None


def test_load_state_dict_from_url_reads_the_checkpoints_folder(tmp_path, monkeypatch):
    import hashlib

    import torch

    from galton.utils import model_zoo
    ref = torch.nn.Linear(3, 2).state_dict()
    data = tmp_path / "blob.pth"
    torch.save(ref, data)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    name = f"linear-{digest[:8]}.pth"
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    data.rename(folder / name)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    url = f"https://download.example.org/models/{name}"
    sd = galton.hub.load_state_dict_from_url(url, model_dir=str(folder), check_hash=True)
    assert sorted(sd) == sorted(ref)
    for k in ref:
        np.testing.assert_array_equal(sd[k].numpy(), ref[k].numpy())
    # the hub's own folder by default, and PyTorch's cache as a second place to look
    monkeypatch.setattr(galton.hub, "_hub_dir", str(tmp_path))
    assert sorted(model_zoo.load_url(url)) == sorted(ref)
    other = tmp_path / "torch_home" / "hub" / "checkpoints"
    other.mkdir(parents=True)
    (folder / name).rename(other / "renamed.pth")
    assert sorted(galton.hub.load_state_dict_from_url(url, file_name="renamed.pth")) == \
        sorted(ref)
    wrong = other / "linear-00000000.pth"
    (other / "renamed.pth").rename(wrong)
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000"'):
        galton.hub.load_state_dict_from_url("http://x/linear-00000000.pth", check_hash=True)
    with pytest.raises(FileNotFoundError, match="galton downloads nothing"):
        galton.hub.load_state_dict_from_url("http://x/absent-1234.pth")
