"""Pictures of optimizers: their paths across a 2-D test function, and their losses."""
import numpy as np

from ._mpl import finish, pyplot
from .training import lr_schedule

__all__ = ["optimizer_paths", "lr_schedule"]


def optimizer_paths(optimizers, function="rosenbrock", start=None, steps=200, path=None,
                    title=None, runs=None):
    """Each optimizer's path over the contour plot of ``function``, and its loss per step.

    optimizers: ``{name: (OptimizerClass, kwargs)}``, e.g.
    ``{"SGD": (galton.optim.SGD, {"lr": 1e-3}), "Adam": (galton.optim.Adam, {"lr": 0.05})}``;
    function: "rosenbrock", "beale", "saddle" or "quadratic" (see ``galton.playground``);
    runs: results of ``galton.playground.optimizer_paths`` to draw instead of running again.
    """
    from .. import playground
    fn = playground._function(function)
    if runs is None:
        runs = playground.optimizer_paths(optimizers, fn, start, steps)
    plt = pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4.2),
                                  gridspec_kw={"width_ratios": [1.15, 1]})
    (x0, x1), (y0, y1) = fn.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    z = fn(gx, gy)
    if fn.log_levels:
        lo = max(float(z.min()), 1e-3)
        levels = np.logspace(np.log10(lo), np.log10(float(z.max())), 25)
        ax.contour(gx, gy, z, levels=levels, cmap="Greys", linewidths=0.6, alpha=0.7)
    else:
        ax.contour(gx, gy, z, levels=25, cmap="Greys", linewidths=0.6, alpha=0.7)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, run) in enumerate(runs.items()):
        c = colors[i % len(colors)]
        pts = run["path"]
        ax.plot(pts[:, 0], pts[:, 1], "-", color=c, lw=1.4, label=name)
        ax.plot(pts[-1, 0], pts[-1, 1], "o", color=c, ms=4)
        ax2.plot(np.arange(len(run["losses"])), run["losses"], color=c, lw=1.4, label=name)
    first = next(iter(runs.values()))["path"][0]
    ax.plot(*first, "k^", ms=7, label="start")
    if fn.minimum is not None:
        ax.plot(*fn.minimum, "k*", ms=11, label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title or f"{fn.name}: {fn.description}", fontsize=9)
    ax.legend(fontsize=8, loc="best")
    all_losses = np.concatenate([r["losses"] for r in runs.values()])
    if (all_losses > 0).all():
        ax2.set_yscale("log")
    else:
        ax2.set_yscale("symlog", linthresh=1e-2)
    ax2.set_xlabel("step")
    ax2.set_ylabel("f(x, y)")
    ax2.set_title("loss per step", fontsize=9)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return finish(fig, path, dpi=80)
