"""Optimizers racing across the classic 2-D test functions: the pictures of docs/optimizers.md.

    python examples/optimizer_playground.py [output folder, default docs/img]

The same from the command line, one function at a time:
    galton optim-playground --function beale --optimizers SGD Adam Lion --out beale.png
"""
import sys

from galton import playground
from galton.plot.optim import optimizer_paths

PICTURES = {
    "rosenbrock": (["SGD", "Momentum", "Adam", "Lion", "LBFGS"], 300),
    "beale": (["SGD", "Momentum", "RMSprop", "Adam", "Adagrad"], 300),
    "saddle": (["SGD", "Momentum", "RMSprop", "Adam", "Lion"], 100),
    "quadratic": (["SGD", "Momentum", "RMSprop", "Adam", "Lion"], 100),
}


def main(folder="docs/img"):
    for function, (names, steps) in PICTURES.items():
        opts = playground.default_optimizers(function, names)
        runs = playground.optimizer_paths(opts, function, steps=steps)
        path = optimizer_paths(opts, function, steps=steps, path=f"{folder}/optim_{function}.png",
                               runs=runs)
        finals = ", ".join(f"{n} {r['losses'][-1]:.3g}" for n, r in runs.items())
        print(f"{path}: final f after {steps} steps: {finals}")


if __name__ == "__main__":
    main(*sys.argv[1:])
