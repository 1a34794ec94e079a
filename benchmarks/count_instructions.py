"""Instruction counts of the first-order path, for comparisons on a busy machine.

Run under callgrind twice, with N and 2N steps; the difference is the cost of N steps with
the import and the set-up taken out:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python benchmarks/count_instructions.py xor 200
    (the "Collected" line of valgrind's summary is the total instruction count)

``xor``: the seed-003 XOR net (Linear(2,3)-Tanh-Linear(3,1)-Tanh, MSE, SGD 0.1), one sample
per step. ``cnn``: one SGD step of the seed-000 Net on a batch of 8 random 28x28 images.
"""
import sys

import numpy as np

import galton
import galton.nn as nn


def xor(steps):
    galton.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())
    opt = galton.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    xs = galton.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
    ys = galton.tensor([[0.], [1.], [1.], [0.]])
    for i in range(steps):
        x, y = xs[i % 4:i % 4 + 1], ys[i % 4:i % 4 + 1]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()


def cnn(steps):
    galton.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128),
                          nn.ReLU(), nn.Linear(128, 10))
    opt = galton.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = galton.tensor(rng.standard_normal((8, 1, 28, 28)).astype(np.float32))
    y = galton.tensor(rng.integers(0, 10, 8))
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()


if __name__ == "__main__":
    {"xor": xor, "cnn": cnn}[sys.argv[1]](int(sys.argv[2]))
