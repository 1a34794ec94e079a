"""Save or load a 100 MB state dict (20 float32 1000x1250 tensors) in a fresh process: wall time,
tracemalloc peak, ru_maxrss. Usage: python benchmarks/checkpoint_io.py save|load PATH"""
import sys, time, resource, tracemalloc, os
import numpy as np
import galton
mode, path = sys.argv[1], sys.argv[2]
if mode == "save":
    rng = np.random.default_rng(0)
    sd = {f"layer{i}.weight": galton.from_numpy(rng.standard_normal((1000, 1250), dtype=np.float32)) for i in range(20)}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start(); t = time.perf_counter()
    galton.save(sd, path)
    dt = time.perf_counter() - t
else:
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start(); t = time.perf_counter()
    sd = galton.load(path)
    dt = time.perf_counter() - t
    assert len(sd) == 20
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{mode}: {dt*1000:.0f} ms, tracemalloc peak {peak/2**20:.0f} MiB, maxrss {rss/1024:.0f} MiB (before {rss0/1024:.0f} MiB), file {os.path.getsize(path)/2**20:.0f} MiB")
