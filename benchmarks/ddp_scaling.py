"""Data-parallel scaling of the seed-000 Net: 1 process vs 2 (DistributedDataParallel through
mpiexec), each with one BLAS thread; the gradient bytes all-reduced per step; the time the
all-reduce takes per bucket size (``bucket_cap_mb`` 25, 0.25, 0.01). Prints one table.

    python benchmarks/ddp_scaling.py              # about a minute; --steps N for longer runs

Data: Fashion-MNIST's 60,000 training images from Debian's dataset-fashion-mnist when
installed, else random images of the same shape (the timing is the same; the header says
which). Global batch 64 (32 per process with 2), SGD lr 0.01 momentum 0.9, the batches drawn
by a DistributedSampler. A fixed number of steps is timed after a warm-up, and the epoch time
is extrapolated from it (938 steps of 64): labelled as such. Measure on a quiet machine; a
busy one measures its neighbours.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

BATCH, WARMUP, EPOCH_IMAGES = 64, 5, 60000
# the gradients are 0.9 MB, 0.82 MB of them fc1.weight: 25 MB (PyTorch's default) is one
# bucket, 0.25 three, 0.01 one per parameter
BUCKETS = (25.0, 0.25, 0.01)


def worker(out, steps):
    """One rank of the measurement: 1 process trains the plain model; with several, DDP at
    each bucket size in turn. Rank 0 writes the results as JSON."""
    import galton
    import galton.distributed as dist
    from _data import fashion, normalize
    from _models import seed000_net
    from galton.nn.parallel import DistributedDataParallel as DDP
    from galton.utils.data import DataLoader, TensorDataset
    from galton.utils.data.distributed import DistributedSampler

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    x, y, real = fashion(True)
    data = TensorDataset(galton.from_numpy(x), galton.from_numpy(y))
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, seed=0)
    loader = DataLoader(data, batch_size=BATCH // world, sampler=sampler)
    loss_fn = galton.nn.CrossEntropyLoss()
    results = {"real": real, "world": world, "steps": steps, "runs": []}

    def run(model, params):
        opt = galton.optim.SGD(params, lr=0.01, momentum=0.9)
        batches = iter(loader)
        for i in range(WARMUP + steps):
            if i == WARMUP:
                dist.barrier()
                start = time.perf_counter()
            xb, yb = next(batches)
            opt.zero_grad()
            loss_fn(model(normalize(xb)), yb).backward()
            opt.step()
        dist.barrier()
        return (time.perf_counter() - start) / steps

    galton.manual_seed(0)
    net = seed000_net(galton)
    grad_bytes = sum(p._data.nbytes for p in net.parameters())
    results["grad_bytes"] = grad_bytes
    results["params"] = sum(p._data.size for p in net.parameters())
    if world == 1:
        results["runs"].append({"bucket": None, "step": run(net, net.parameters())})
    else:
        for cap in BUCKETS:
            galton.manual_seed(0)
            ddp = DDP(seed000_net(galton), bucket_cap_mb=cap)
            waited = [0.0]
            finish = ddp._finish

            def timed_finish(finish=finish, waited=waited):
                t = time.perf_counter()
                finish()
                waited[0] += time.perf_counter() - t
            ddp._finish = timed_finish  # the wait for the buckets at the end of backward
            step = run(ddp, ddp.parameters())
            waited[0] = 0.0
            step = run(ddp, ddp.parameters())  # again, with the wait counted for these steps
            results["runs"].append({"bucket": cap, "buckets": len(ddp._buckets), "step": step,
                                    "waited": waited[0] / steps,
                                    "allreduce": _allreduce_alone(dist, ddp, steps)})
    if rank == 0:
        with open(out, "w") as f:
            json.dump(results, f)


def _allreduce_alone(dist, ddp, reps):
    """Seconds to all-reduce one step's gradients in ``ddp``'s buckets, blocking, with no
    computation to hide behind (the communication's own cost)."""
    import numpy as np

    from galton.tensor import Tensor
    flats = [Tensor._wrap(np.zeros(sum(p._data.size for p in b.params), np.float32))
             for b in ddp._buckets]
    for t in flats:  # warm-up
        dist.all_reduce(t)
    dist.barrier()
    start = time.perf_counter()
    for _ in range(reps):
        for t in flats:
            dist.all_reduce(t)
    dist.barrier()
    return (time.perf_counter() - start) / reps


def launch(n, steps):
    """Run the worker on ``n`` processes through the launcher's mpiexec; its results."""
    from galton.run._launch import find_mpiexec
    exe = find_mpiexec()
    if exe is None:
        sys.exit("ddp_scaling: needs mpiexec: pip install 'galton[distributed]'")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   MKL_NUM_THREADS="1")
        env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
        cmd = [exe, "-n", str(n), sys.executable, os.path.abspath(__file__), "--worker", out,
               "--steps", str(steps)]
        subprocess.run(cmd, check=True, env=env)
        with open(out) as f:
            return json.load(f)


def table(one, two):
    steps = one["steps"]
    epoch_steps = -(-EPOCH_IMAGES // BATCH)
    data = ("Fashion-MNIST, 60,000 training images (/usr/share/datasets/fashion-mnist)"
            if one["real"] else "synthetic images of Fashion-MNIST's shape (60,000 x 1x28x28; "
            "dataset-fashion-mnist is not installed)")
    b = one["grad_bytes"]
    lines = [
        f"seed-000 Net ({one['params']:,} parameters), {data}; global batch {BATCH}, SGD "
        f"0.01 momentum 0.9; 1 BLAS thread per process; {steps} steps timed after {WARMUP} "
        f"of warm-up; epoch = {epoch_steps} steps, extrapolated from the steps timed",
        f"gradient bytes all-reduced per step: {b:,} (float32); a ring all-reduce on P "
        f"processes sends 2(P-1)/P of them from each: {b:,} bytes per process per step at P=2",
        "",
        "| processes | bucket_cap_mb | buckets | ms per step | images/s | epoch s (extrapolated) "
        "| speed-up | all-reduce alone, ms per step | waited at end of backward, ms per step "
        "(not hidden by backward, or waiting for the slower rank) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    base = one["runs"][0]["step"]
    lines.append(f"| 1 | - (no DDP) | - | {1e3 * base:.1f} | {BATCH / base:,.0f} | "
                 f"{epoch_steps * base:.1f} | 1.00 | - | - |")
    for r in two["runs"]:
        s = r["step"]
        lines.append(f"| {two['world']} | {r['bucket']:g} | {r['buckets']} | {1e3 * s:.1f} | "
                     f"{BATCH / s:,.0f} | {epoch_steps * s:.1f} | {base / s:.2f} | "
                     f"{1e3 * r['allreduce']:.2f} | {1e3 * r['waited']:.2f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60, help="steps timed per configuration")
    ap.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.steps)
    start = time.perf_counter()
    one, two = launch(1, args.steps), launch(2, args.steps)
    print(table(one, two))
    print(f"\n(measured in {time.perf_counter() - start:.0f} s; load average "
          f"{os.getloadavg()[0]:.1f} at the end: a busy machine measures its neighbours)")


if __name__ == "__main__":
    main()
