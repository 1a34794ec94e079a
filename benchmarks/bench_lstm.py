"""LSTM forward + backward: hidden 128, sequence 50, batch 32, input 64."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402

WORKLOAD = "LSTM(64 -> 128) forward+backward, seq 50, batch 32"


def setup(fw):
    fw.manual_seed(0)
    lstm = maybe_compile(fw, fw.nn.LSTM(64, 128))
    x = fw.from_numpy(np.random.default_rng(0).standard_normal((50, 32, 64)).astype(np.float32))

    def step():
        for _ in range(10):
            lstm.zero_grad()
            out, (h, c) = lstm(x)
            (out.sum() + h.sum()).backward()
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=3, warmup=1)
