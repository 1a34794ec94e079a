"""AlexNet forward + backward, batch 8 at 224x224."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _models import alexnet  # noqa: E402

WORKLOAD = "AlexNet forward+backward, batch 8, 224x224"


def setup(fw):
    fw.manual_seed(0)
    model = alexnet(fw)
    x = fw.from_numpy(np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32))
    y = fw.from_numpy(np.arange(8, dtype=np.int64))
    loss_fn = fw.nn.CrossEntropyLoss()

    def step():
        model.zero_grad()
        loss_fn(model(x), y).backward()
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=3, warmup=1)
