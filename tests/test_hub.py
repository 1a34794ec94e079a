"""galton.hub.load from a local hubconf.py (made here), and the errors PyTorch gives."""
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
