"""NumPy's GEMM (OpenBLAS) against PyTorch's on the shapes the benchmarks' steps spend their
time in, both in this process, alternating, minimum of many calls. Prints one table.

    python benchmarks/gemm_shapes.py [--threads 1]

Why: most rows of RESULTS.md that miss their target are GEMM-bound in galton (PROFILE.md);
this says how much of each gap is the BLAS itself, which no change in galton's Python closes.
Run it on a quiet machine.
"""
import argparse
import os
import time

# (workload, what, M, K, N): C(M, N) = A(M, K) @ B(K, N), float32
SHAPES = [
    ("MLP", "fc1 forward, batch 64", 64, 784, 100),
    ("MLP", "fc1 weight gradient", 100, 64, 784),
    ("LSTM", "recurrent step, batch 32, 4H = 512", 32, 128, 512),
    ("LSTM", "recurrent step backward", 32, 512, 128),
    ("word LM", "decoder 200 -> 10k, 700 rows", 700, 200, 10000),
    ("word LM", "decoder weight gradient", 10000, 700, 200),
    ("seed-000", "conv2 forward 32 -> 64, 11x11 x 64 images", 64, 288, 7744),
    ("seed-000", "fc1 1600 -> 128, batch 64", 64, 1600, 128),
    ("LeNet-5", "conv1 1 -> 6, 5x5, 28x28 x 128 images", 6, 25, 100352),
    ("AlexNet", "conv3 192 -> 384, 13x13 x 8", 384, 1728, 1352),
    ("AlexNet", "fc 9216 -> 4096, batch 8", 8, 9216, 4096),
    ("ResNet-18", "layer4 3x3 512 -> 512, 1x1 maps x 16 images", 512, 4608, 16),
    ("Transformer", "feed-forward 128 -> 512, 2048 tokens", 2048, 128, 512),
]


def best(fn, seconds=0.3):
    fn()
    times, t_end = [], time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(a.threads))
    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(a.threads)
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    print(f"float32 GEMM, {a.threads} thread(s): NumPy {np.__version__} (OpenBLAS) vs "
          f"PyTorch {torch.__version__}\n")
    print("| workload | product | M × K × N | NumPy µs | PyTorch µs | NumPy / PyTorch | "
          "NumPy GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for work, what, m, k, n in SHAPES:
        x = rng.standard_normal((m, k), dtype=np.float32)
        y = rng.standard_normal((k, n), dtype=np.float32)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        t_np = min(best(lambda: x @ y), best(lambda: x @ y))
        t_pt = min(best(lambda: tx @ ty), best(lambda: tx @ ty))
        print(f"| {work} | {what} | {m} × {k} × {n} | {t_np * 1e6:,.0f} | {t_pt * 1e6:,.0f} | "
              f"{t_np / t_pt:.2f} | {2 * m * k * n / t_np / 1e9:.0f} |")


if __name__ == "__main__":
    main()
