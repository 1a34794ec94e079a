"""Transformer encoder forward + backward: 2 layers, d_model 128, 4 heads, seq 64, batch 32."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402

WORKLOAD = "Transformer encoder (2 layers, d_model 128, 4 heads, ff 512) fwd+bwd, seq 64, batch 32"


def setup(fw):
    nn = fw.nn
    fw.manual_seed(0)
    layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.1, batch_first=True)
    model = maybe_compile(fw, nn.TransformerEncoder(layer, 2))
    model.train()
    x = fw.from_numpy(np.random.default_rng(0).standard_normal((32, 64, 128)).astype(np.float32))

    def step():
        for _ in range(5):
            model.zero_grad()
            model(x).pow(2).mean().backward()
    return {"step": step}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=3, warmup=1)
