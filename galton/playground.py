"""The optimizer playground: classic 2-D test functions, and the path each optimizer takes
across them. ``galton.plot.optimizer_paths`` draws what ``optimizer_paths`` computes; the
command line ``galton optim-playground`` calls ``main``.

>>> from galton import optim, playground
>>> runs = playground.optimizer_paths({"SGD": (optim.SGD, {"lr": 1e-3}),
...                                    "Adam": (optim.Adam, {"lr": 0.05})}, "rosenbrock")
>>> runs["Adam"]["losses"][-1] < runs["Adam"]["losses"][0]
True
"""
import argparse
import math

import numpy as np

from . import optim
from .creation import tensor

__all__ = ["FUNCTIONS", "TestFunction", "optimizer_paths", "default_optimizers",
           "add_arguments", "run", "main"]


class TestFunction:
    """A 2-D function ``f(x, y)`` written with operators only, so it takes galton tensors
    (for the gradients) and NumPy grids (for the contour plot) alike."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, name, fn, start, minimum, bounds, log_levels, description):
        self.name = name
        self.fn = fn
        self.start = start
        self.minimum = minimum
        self.bounds = bounds  # ((xmin, xmax), (ymin, ymax)) of the picture
        self.log_levels = log_levels  # contours spaced logarithmically (steep valleys)
        self.description = description

    def __call__(self, x, y):
        return self.fn(x, y)

    def __repr__(self):
        return f"TestFunction({self.name!r})"


FUNCTIONS = {
    "rosenbrock": TestFunction(
        "rosenbrock", lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        (-1.5, 2.0), (1.0, 1.0), ((-2.0, 2.0), (-1.0, 3.0)), True,
        "a curved, narrow valley: easy to enter, slow to follow to (1, 1)"),
    "beale": TestFunction(
        "beale", lambda x, y: ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2
                               + (2.625 - x + x * y * y * y) ** 2),
        (1.0, 1.4), (3.0, 0.5), ((-1.0, 4.0), (-1.5, 2.0)), True,
        "flat plateaus and sharp ridges; the minimum (3, 0.5) sits in a flat arm"),
    "saddle": TestFunction(
        "saddle", lambda x, y: x * x - y * y,
        (1.5, 1e-3), None, ((-2.0, 2.0), (-2.0, 2.0)), False,
        "x^2 - y^2: starting almost on the ridge, who escapes the saddle point first"),
    "quadratic": TestFunction(
        "quadratic", lambda x, y: 0.5 * (x * x + 50.0 * y * y),
        (-1.8, 0.3), (0.0, 0.0), ((-2.0, 2.0), (-0.5, 0.5)), True,
        "an ill-conditioned bowl (curvatures 1 and 50): plain SGD zig-zags"),
}

# learning rates that show each optimizer's character on each function (RAdam's first steps
# are plain momentum SGD, lr * m_hat, so on steep functions it needs an SGD-sized lr)
_LR = {
    "rosenbrock": {"SGD": 1e-3, "Momentum": 1e-3, "Nesterov": 1e-3, "Adagrad": 0.5,
                   "RMSprop": 0.01, "Adam": 0.05, "AdamW": 0.05, "NAdam": 0.05, "RAdam": 1e-3,
                   "Adamax": 0.1, "Lion": 0.01, "Adadelta": 1.0, "LBFGS": 0.5},
    "beale": {"SGD": 0.01, "Momentum": 0.005, "Nesterov": 0.005, "Adagrad": 0.5,
              "RMSprop": 0.01, "Adam": 0.05, "AdamW": 0.05, "NAdam": 0.05, "RAdam": 0.01,
              "Adamax": 0.1, "Lion": 0.01, "Adadelta": 1.0, "LBFGS": 0.5},
    "saddle": {"SGD": 0.01, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 0.1,
               "RMSprop": 0.01, "Adam": 0.05, "AdamW": 0.05, "NAdam": 0.05, "RAdam": 0.05,
               "Adamax": 0.05, "Lion": 0.02, "Adadelta": 1.0, "LBFGS": 0.1},
    "quadratic": {"SGD": 0.038, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 0.5,
                  "RMSprop": 0.01, "Adam": 0.05, "AdamW": 0.05, "NAdam": 0.05, "RAdam": 0.05,
                  "Adamax": 0.1, "Lion": 0.01, "Adadelta": 1.0, "LBFGS": 0.5},
}

_KINDS = {"SGD": (optim.SGD, {}), "Momentum": (optim.SGD, {"momentum": 0.9}),
          "Nesterov": (optim.SGD, {"momentum": 0.9, "nesterov": True}),
          "Adagrad": (optim.Adagrad, {}), "RMSprop": (optim.RMSprop, {}),
          "Adam": (optim.Adam, {}), "AdamW": (optim.AdamW, {}), "NAdam": (optim.NAdam, {}),
          "RAdam": (optim.RAdam, {}), "Adamax": (optim.Adamax, {}), "Lion": (optim.Lion, {}),
          "Adadelta": (optim.Adadelta, {}), "LBFGS": (optim.LBFGS, {"max_iter": 1})}


def default_optimizers(function="rosenbrock", names=("SGD", "Momentum", "RMSprop", "Adam",
                                                      "Lion")):
    """``{name: (class, kwargs)}`` with learning rates suited to ``function``."""
    fn = _function(function)
    out = {}
    for name in names:
        if name not in _KINDS:
            raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(_KINDS)}")
        cls, kw = _KINDS[name]
        out[name] = (cls, dict(kw, lr=_LR[fn.name][name]))
    return out


def _function(function):
    if isinstance(function, TestFunction):
        return function
    if function not in FUNCTIONS:
        raise ValueError(f"unknown test function {function!r}; choose from "
                         f"{', '.join(FUNCTIONS)}")
    return FUNCTIONS[function]


def optimizer_paths(optimizers, function="rosenbrock", start=None, steps=200):
    """Run each optimizer from ``start`` for ``steps`` steps on a 2-D test function.

    optimizers: ``{name: (OptimizerClass, kwargs)}`` (or ``{name: OptimizerClass}``).
    Returns ``{name: {"path": (steps + 1, 2) array, "losses": (steps + 1,) array}}``; a run
    that overflows stops early (its arrays are shorter).
    """
    fn = _function(function)
    start = fn.start if start is None else tuple(float(v) for v in start)
    if len(start) != 2:
        raise ValueError(f"start must be a point (x, y), got {start!r}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    runs = {}
    for name, spec in optimizers.items():
        cls, kwargs = spec if isinstance(spec, tuple) else (spec, {})
        p = tensor(np.array(start, dtype=np.float64), requires_grad=True)
        opt = cls([p], **kwargs)

        def closure():
            opt.zero_grad()
            loss = fn(p[0], p[1])
            loss.backward()
            return loss

        path = [np.array(start)]
        losses = [float(fn(*start))]
        for _ in range(steps):
            opt.step(closure)
            xy = p.detach().numpy().copy()
            value = float(fn(*xy))
            if not (np.isfinite(xy).all() and math.isfinite(value)) or abs(value) > 1e12:
                break  # diverged: keep what came before
            path.append(xy)
            losses.append(value)
        runs[name] = {"path": np.array(path), "losses": np.array(losses)}
    return runs


EXAMPLES = [
    "galton optim-playground",
    "galton optim-playground --function beale --optimizers SGD Momentum Adam Lion",
    "galton optim-playground --function saddle --lr Adam=0.1 --steps 100 --out saddle.png",
]


def add_arguments(parser):
    """The options of ``galton optim-playground``, added to an argparse parser."""
    parser.add_argument("--function", default="rosenbrock", choices=sorted(FUNCTIONS))
    parser.add_argument("--optimizers", nargs="+", metavar="NAME",
                        default=["SGD", "Momentum", "RMSprop", "Adam", "Lion"],
                        help=f"from: {', '.join(_KINDS)}")
    parser.add_argument("--lr", nargs="+", default=[], metavar="NAME=LR",
                        help="learning-rate overrides, e.g. Adam=0.1")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--start", nargs=2, type=float, metavar=("X", "Y"))
    parser.add_argument("--out", default="optimizer_paths.png", help="picture to write")
    return parser


def run(args):
    """Race the optimizers named in ``args`` (parsed by ``add_arguments``), print the final
    losses, write the picture; returns 0. Bad names or values raise ValueError."""
    opts = default_optimizers(args.function, args.optimizers)
    for item in args.lr:
        name, _, value = item.partition("=")
        if name not in opts:
            raise ValueError(f"--lr {item}: {name!r} is not among --optimizers")
        opts[name][1]["lr"] = float(value)
    from .plot.optim import optimizer_paths as draw
    runs = optimizer_paths(opts, args.function, args.start, args.steps)
    width = max(len(n) for n in runs)
    for name, r in runs.items():
        x, y = r["path"][-1]
        note = "" if len(r["losses"]) == args.steps + 1 else "  (diverged)"
        print(f"{name:<{width}}  lr={opts[name][1]['lr']:<8g} final loss {r['losses'][-1]:.4g}"
              f" at ({x:.3f}, {y:.3f}){note}")
    draw(opts, args.function, args.start, args.steps, path=args.out, runs=runs)
    print(f"wrote {args.out}")
    return 0


def main(argv=None):
    """``galton optim-playground`` on its own: parse ``argv`` and ``run``; returns the exit
    status (argparse exits with 2 on bad input)."""
    parser = add_arguments(argparse.ArgumentParser(
        prog="galton optim-playground", description="Watch optimizers cross a 2-D test "
        "function.", epilog="examples:\n" + "\n".join(f"  {e}" for e in EXAMPLES),
        formatter_class=argparse.RawDescriptionHelpFormatter))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except ValueError as exc:
        parser.error(str(exc))
