"""Where one benchmark's galton step spends its time: cProfile over its timed repetition,
the functions with the most time of their own, and the share of NumPy/BLAS calls.

    python benchmarks/profile_workload.py lstm [--reps 3] [--top 20]

The name is a benchmark file's (bench_<name>.py). Run it on a quiet machine; cProfile adds
about 1 µs per Python call, so per-op overhead reads a little high.
"""
import argparse
import cProfile
import importlib
import io
import os
import pstats
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args()
    import galton
    mod = importlib.import_module(f"bench_{a.name}")
    state = mod.setup(galton)
    state["step"]()                       # warm-up: kernels compiled, buffers allocated
    t0 = time.perf_counter()
    for _ in range(a.reps):
        state["step"]()
    plain = (time.perf_counter() - t0) / a.reps
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(a.reps):
        state["step"]()
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(a.top)
    total = sum(v[2] for v in stats.stats.values()) / a.reps
    calls = sum(v[1] for v in stats.stats.values()) / a.reps
    # operators (a @ b, a * b) are not calls to cProfile: their time is their caller's own
    print(f"{mod.WORKLOAD}\none repetition: {plain * 1e3:.1f} ms without the profiler, "
          f"{total * 1e3:.1f} ms under it; {calls:,.0f} function calls")
    print(out.getvalue())


if __name__ == "__main__":
    main()
