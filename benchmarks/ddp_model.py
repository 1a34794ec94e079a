"""The step-time model of docs/distributed.md, fitted to what benchmarks/ddp_scaling.py measured,
and its predicted speed-ups for P = 2..64 machines at 10 and 100 Gbit/s. Prints two tables.

    python benchmarks/ddp_model.py [--step1 14.8] [--step2 8.35] [--waited2 0.36]

Model, one process per machine, gradients of B bytes all-reduced by a ring:
    step(P) = a + c / P + 2 (P-1)/P * B / bandwidth + 2 (P-1) * latency
a is the per-step cost that does not shrink with the batch (Python, per-op overhead), c the
part that does. Two measurements fit them: step(1) = a + c; step(2) = a + c/2 + waited(2),
waited(2) being the time backward's last hook waited for the all-reduce at P = 2.
"""
import argparse

GBIT = 1e9 / 8                   # bytes per second in one Gbit/s
LATENCY = 20e-6                  # per hop: TCP on Ethernet, assumed (not measured here)
SEED000_GFLOP = 947 / 937.5      # one batch-64 training step (issue 18: 947 GFLOP per epoch)
# (name, parameters, GFLOP of one training step per machine, what that step is)
MODELS = [
    ("seed-000 Net", 225_034, None, "batch 64 per machine"),
    ("ResNet-18", 11_689_512, 3 * 3.64 * 32, "ImageNet 224², batch 32 per machine"),
    ("Transformer 100M", 100_000_000, 6 * 100e6 * 8 * 512 / 1e9, "8 × 512 tokens per machine"),
]


def allreduce_s(nbytes, p, gbit):
    return 2 * (p - 1) / p * nbytes / (gbit * GBIT) + 2 * (p - 1) * LATENCY


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step1", type=float, default=14.8, help="ms per step, 1 process")
    ap.add_argument("--step2", type=float, default=8.35, help="ms per step, 2 processes")
    ap.add_argument("--waited2", type=float, default=0.36, help="ms waited for the all-reduce")
    a_ = ap.parse_args()
    c = 2 * (a_.step1 - (a_.step2 - a_.waited2))
    a = a_.step1 - c
    rate = SEED000_GFLOP / (c / 1e3)
    print(f"fit: a = {a:.2f} ms fixed per step, c = {c:.2f} ms that divides with the batch; "
          f"{rate:.0f} GFLOP/s effective on one core\n")
    ps = (2, 8, 64)
    print("Weak scaling (each machine keeps its batch; throughput speed-up "
          "P·step(1)/step(P), no overlap of communication):\n")
    print("| model (step on one machine) | " + " | ".join(
        f"{g} Gbit/s, P={p}" for g in (10, 100) for p in ps) + " |")
    print("|---|" + "---|" * 6)
    for name, n, gflop, what in MODELS:
        step1 = a_.step1 / 1e3 if gflop is None else gflop / rate
        cells = [P * step1 / (step1 + allreduce_s(4 * n, P, g)) for g in (10, 100) for P in ps]
        print(f"| {name}, {what} ({step1:.3g} s) | " + " | ".join(f"{s:.1f}" for s in cells) + " |")
    print("\nStrong scaling of the seed-000 Net (global batch 64 split over P machines; "
          "speed-up step(1)/step(P)):\n")
    print("| network | " + " | ".join(f"P={p}" for p in (2, 4, 8, 16, 64)) + " |")
    print("|---|" + "---|" * 5)
    for g in (10, 100):
        cells = [a_.step1 / 1e3 / ((a + c / P) / 1e3 + allreduce_s(4 * 225_034, P, g))
                 for P in (2, 4, 8, 16, 64)]
        print(f"| {g} Gbit/s | " + " | ".join(f"{s:.2f}" for s in cells) + " |")


if __name__ == "__main__":
    main()
