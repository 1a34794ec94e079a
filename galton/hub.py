"""``galton.hub``: load a model from a directory holding a ``hubconf.py``, as ``torch.hub``.

``galton.hub.load(path, 'resnet18', source='local', ...)`` imports ``path/hubconf.py`` and calls
its entry point ``resnet18(...)``. Importing a hubconf runs the code in it: load only from
directories you trust, as with PyTorch. galton downloads no code: ``source='github'`` uses a
copy already in the hub cache (``get_dir()/owner_repo_branch``, PyTorch's layout) and otherwise
says how to clone one.
"""
import contextlib
import hashlib
import importlib.util
import os
import re
import sys
import urllib.parse

__all__ = ["load", "list", "help", "get_dir", "set_dir", "load_state_dict_from_url"]

_hub_dir = None


def get_dir():
    """Where hub repositories are cached: ``set_dir``'s folder, else $GALTON_HOME/hub
    (``~/.cache/galton/hub``)."""
    if _hub_dir is not None:
        return _hub_dir
    home = os.getenv("GALTON_HOME", os.path.join(
        os.getenv("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "galton"))
    return os.path.join(os.path.expanduser(home), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


@contextlib.contextmanager
def _on_sys_path(path):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _hubconf(repo_dir):
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"galton.hub: no hubconf.py in {repo_dir}")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    with _on_sys_path(repo_dir):
        spec.loader.exec_module(module)
    return module


def _entry(module, model):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    deps = getattr(module, "dependencies", None)
    if deps is not None:
        missing = [p for p in deps if importlib.util.find_spec(p) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def _repo_dir(repo_or_dir, source):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return repo_or_dir
    owner_repo, _, ref = repo_or_dir.partition(":")
    if owner_repo.count("/") != 1:
        raise ValueError(f'Invalid input: github should be in the format "repo_owner/repo_name'
                         f'[:ref]", got {repo_or_dir}')
    owner, repo = owner_repo.split("/")
    for branch in ([ref] if ref else ["main", "master"]):
        cached = os.path.join(get_dir(), f"{owner}_{repo}_{branch.replace('/', '_')}")
        if os.path.isfile(os.path.join(cached, "hubconf.py")):
            return cached
    raise RuntimeError(f"galton.hub: {repo_or_dir} is on GitHub and galton downloads no code; "
                       f"clone it (git clone https://github.com/{owner_repo}) and call "
                       f"galton.hub.load(<that folder>, ..., source='local')")


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False,
         verbose=True, skip_validation=False, **kwargs):
    """Call entry point ``model`` of ``repo_or_dir``'s hubconf.py with ``args`` and ``kwargs``
    (this runs that file's code)."""
    repo_dir = _repo_dir(repo_or_dir, source)
    with _on_sys_path(repo_dir):
        return _entry(_hubconf(repo_dir), model)(*args, **kwargs)


def list(github, force_reload=False, skip_validation=False, trust_repo=None, verbose=True,  # noqa: A001
         *, source="github"):
    """The public entry points of a hubconf.py (``github`` may be a local folder with
    ``source='local'``)."""
    module = _hubconf(_repo_dir(github, source))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo=None, *,  # noqa: A001
         source="github"):
    """The docstring of entry point ``model``."""
    return _entry(_hubconf(_repo_dir(github, source)), model).__doc__


# the hash prefix torch.hub reads from a weights file's name: resnet18-f37072fd.pth
_HASH = re.compile(r"-([a-f0-9]*)\.")


def _torch_checkpoints():
    # where PyTorch keeps what torch.hub downloaded: $TORCH_HOME/hub/checkpoints
    home = os.getenv("TORCH_HOME") or os.path.join(
        os.getenv("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return os.path.join(os.path.expanduser(home), "hub", "checkpoints")


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True,
                             check_hash=False, file_name=None, weights_only=False):
    """The object (a state dict) in the ``torch.save`` file ``url`` names, read from the hub's
    checkpoints folder (``model_dir``, by default ``get_dir()/checkpoints``) or from PyTorch's own
    cache ($TORCH_HOME/hub/checkpoints), never unpickled (see galton.serialization). galton
    downloads nothing: a missing file is an error saying where to put it. With ``check_hash``,
    the file's SHA-256 must begin with the hex digits after the last ``-`` of its name."""
    name = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    folders = [model_dir or os.path.join(get_dir(), "checkpoints"), _torch_checkpoints()]
    path = next((os.path.join(d, name) for d in folders
                 if os.path.isfile(os.path.join(d, name))), None)
    if path is None:
        raise FileNotFoundError(f"galton.hub: {name} is not in {folders[0]} (nor in "
                                f"{folders[1]}); download {url} where the internet is "
                                f"reachable and put it there (galton downloads nothing)")
    if check_hash:
        prefix = _HASH.search(name)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if prefix is not None and not digest.startswith(prefix.group(1)):
            raise RuntimeError(f'invalid hash value (expected "{prefix.group(1)}", got '
                               f'"{digest}")')
    from .serialization import load as _load
    return _load(path, map_location=map_location)
