"""seed-000 Net inference: latency at batch 1 (200 calls) and throughput at batch 1000 (10 calls)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _models import seed000_net  # noqa: E402

WORKLOAD = "seed-000 Net inference: 200 x batch 1, then 10 x batch 1000"


def setup(fw):
    fw.manual_seed(0)
    model = seed000_net(fw).eval()
    rng = np.random.default_rng(0)
    one = fw.from_numpy(rng.standard_normal((1, 1, 28, 28)).astype(np.float32))
    big = fw.from_numpy(rng.standard_normal((1000, 1, 28, 28)).astype(np.float32))
    state = {}

    def step():
        import time
        with fw.no_grad():
            t0 = time.perf_counter()
            for _ in range(200):
                model(one)
            t1 = time.perf_counter()
            for _ in range(10):
                model(big)
            t2 = time.perf_counter()
        state["latency_ms"] = round((t1 - t0) / 200 * 1000, 3)
        state["images_per_s"] = round(10000 / (t2 - t1))
    state["step"] = step
    return state


def extra(fw, state):
    return {"batch1_latency_ms": state["latency_ms"], "batch1000_images_per_s": state["images_per_s"]}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=3, warmup=1)
