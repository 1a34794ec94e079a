"""ResNet-18 forward + backward, batch 16 at 32x32 (CIFAR-sized)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _models import resnet18  # noqa: E402

WORKLOAD = "ResNet-18 forward+backward, batch 16, 32x32"


def setup(fw):
    fw.manual_seed(0)
    model = resnet18(fw)
    x = fw.from_numpy(np.random.default_rng(0).standard_normal((16, 3, 32, 32)).astype(np.float32))
    y = fw.from_numpy(np.arange(16, dtype=np.int64) % 10)
    loss_fn = fw.nn.CrossEntropyLoss()

    def step():
        model.zero_grad()
        loss_fn(model(x), y).backward()
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=5, warmup=1)
