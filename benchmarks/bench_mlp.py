"""MLP 784-100-10, one epoch over 60,000 random images, batch 64, SGD (issue 2's speed check)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402

WORKLOAD = "MLP 784-100-10, 1 epoch of 60,000 random images, batch 64, SGD lr 0.01"


def setup(fw):
    nn = fw.nn
    rng = np.random.default_rng(0)
    X = fw.from_numpy(rng.random((60000, 784), dtype=np.float32))
    y = fw.from_numpy(rng.integers(0, 10, 60000).astype(np.int64))
    fw.manual_seed(0)
    model = maybe_compile(fw, nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10)))
    loss_fn = nn.CrossEntropyLoss()
    opt = fw.optim.SGD(model.parameters(), lr=0.01)
    state = {}

    def step():
        for i in range(0, 60000, 64):
            opt.zero_grad()
            loss = loss_fn(model(X[i:i + 64]), y[i:i + 64])
            loss.backward()
            opt.step()
        state["loss"] = loss.item()
    state["step"] = step
    return state


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=3, reps=2, warmup=1)
