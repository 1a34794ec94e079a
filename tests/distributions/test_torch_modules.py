"""torch.distributions' per-distribution module names reach galton's classes."""
import importlib

import pytest
import torch

import galton
import galton.distributions as gd
from galton.distributions._torch_modules import TORCH_MODULES


@pytest.mark.parametrize("sub", sorted(TORCH_MODULES))
def test_module_holds_the_classes_torch_puts_there(sub):
    torch_mod = importlib.import_module(f"torch.distributions.{sub}")
    mod = importlib.import_module(f"galton.distributions.{sub}")
    assert getattr(gd, sub) is mod
    for name in TORCH_MODULES[sub]:
        assert getattr(torch_mod, name).__module__ == torch_mod.__name__  # torch defines it there
        assert getattr(mod, name) is getattr(gd, name)


def test_every_torch_module_galton_can_fill_is_there():
    # a torch.distributions module whose classes galton all has must be importable here
    import inspect
    import pkgutil
    for info in pkgutil.iter_modules(torch.distributions.__path__):
        if info.name.startswith("_"):
            continue
        tm = importlib.import_module(f"torch.distributions.{info.name}")
        classes = [n for n, o in vars(tm).items() if inspect.isclass(o) and
                   o.__module__ == tm.__name__ and not n.startswith("_")]
        if classes and all(hasattr(gd, n) for n in classes):
            assert hasattr(gd, info.name), info.name


def test_through_the_hook():
    from galton.run import _hook
    displaced = _hook.install()
    try:
        from torch.distributions.multinomial import Multinomial
        import torch as t
        counts = Multinomial(10, t.tensor([0.2, 0.3, 0.5])).sample()
        assert Multinomial is gd.Multinomial and counts.sum().item() == 10.0
        assert t.distributions.multinomial.Multinomial is Multinomial
    finally:
        _hook.uninstall(displaced)
    assert galton.distributions.poisson.Poisson is gd.Poisson
