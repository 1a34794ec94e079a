"""galton.playground: the test functions, the optimizer paths, the CLI entry and the picture."""
import numpy as np
import pytest
import torch

import galton
from galton import optim, playground


@pytest.mark.parametrize("name", sorted(playground.FUNCTIONS))
def test_functions_match_torch_value_and_gradient(name):
    fn = playground.FUNCTIONS[name]
    xy = np.array([0.7, -0.3])
    g = galton.tensor(xy, requires_grad=True)
    t = torch.tensor(xy, requires_grad=True)
    gv, tv = fn(g[0], g[1]), fn(t[0], t[1])
    gv.backward()
    tv.backward()
    np.testing.assert_allclose(gv.item(), tv.item(), rtol=1e-12)
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    if fn.minimum is not None:  # the stated minimum is a stationary point with value 0
        m = galton.tensor(np.array(fn.minimum), requires_grad=True)
        v = fn(m[0], m[1])
        v.backward()
        assert abs(v.item()) < 1e-12 and np.abs(m.grad.numpy()).max() < 1e-9


def test_paths_follow_the_optimizer_exactly():
    """The path is what the optimizer does on f: checked against torch's SGD by hand."""
    runs = playground.optimizer_paths({"SGD": (optim.SGD, {"lr": 1e-3})}, "rosenbrock",
                                      start=(-1.5, 2.0), steps=20)
    p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1e-3)
    for _ in range(20):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
    path = runs["SGD"]["path"]
    assert path.shape == (21, 2) and runs["SGD"]["losses"].shape == (21,)
    np.testing.assert_allclose(path[0], [-1.5, 2.0])
    np.testing.assert_allclose(path[-1], p.detach().numpy(), rtol=1e-12)


def test_lbfgs_and_adaptive_optimizers_reach_the_minimum():
    opts = playground.default_optimizers("quadratic", ["Momentum", "Adam", "LBFGS"])
    runs = playground.optimizer_paths(opts, "quadratic", steps=200)
    for name, run in runs.items():
        assert run["losses"][-1] < 1e-3 * run["losses"][0], name
    ill = playground.optimizer_paths({"SGD": (optim.SGD, {"lr": 0.05})}, "quadratic", steps=50)
    assert len(ill["SGD"]["losses"]) < 51  # lr above 2 / 50: SGD diverges, the run stops early


def test_bad_input():
    with pytest.raises(ValueError, match="unknown test function 'himmelblau'"):
        playground.optimizer_paths({"SGD": optim.SGD}, "himmelblau")
    with pytest.raises(ValueError, match="start must be a point"):
        playground.optimizer_paths({"SGD": (optim.SGD, {"lr": 0.1})}, start=(1.0,))
    with pytest.raises(ValueError, match="unknown optimizer 'Sophia'"):
        playground.default_optimizers("beale", ["Sophia"])


def test_main_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "paths.png"
    assert playground.main(["--function", "saddle", "--optimizers", "SGD", "Adam",
                            "--lr", "Adam=0.1", "--steps", "15", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Adam  lr=0.1" in text and "final loss" in text and out.stat().st_size > 1000
    with pytest.raises(SystemExit):
        playground.main(["--optimizers", "SGD", "--lr", "Adam=0.1"])


def test_plot_optimizer_paths_returns_a_figure():
    fig = galton.plot.optim.optimizer_paths(
        {"SGD": (optim.SGD, {"lr": 1e-3}), "Lion": (optim.Lion, {"lr": 0.01})},
        function="beale", steps=10)
    ax, ax2 = fig.axes[:2]
    assert [line.get_label() for line in ax2.get_lines()] == ["SGD", "Lion"]
    assert len(ax2.get_lines()[0].get_xdata()) == 11
    import matplotlib.pyplot as plt
    plt.close(fig)
