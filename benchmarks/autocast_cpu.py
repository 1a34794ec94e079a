"""Cost of galton.autocast on the CPU: python benchmarks/autocast_cpu.py fp32|fp16|bf16 (one
process per mode; the table is in docs/optimizers.md)."""
import resource
import sys
import time

import galton
import galton.nn as nn

mode = sys.argv[1]
galton.manual_seed(0)
m = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
x = galton.randn(256, 784); y = galton.randint(0, 10, (256,))
lf = nn.CrossEntropyLoss()
def step():
    m.zero_grad()
    if mode == "fp32":
        loss = lf(m(x), y)
    else:
        with galton.autocast("cpu", dtype=galton.bfloat16 if mode == "bf16" else galton.float16):
            loss = lf(m(x), y)
    loss.backward()
step()
t = time.perf_counter()
for _ in range(20): step()
print(mode, f"{(time.perf_counter() - t) / 20 * 1e3:.2f} ms/step", f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MB")
