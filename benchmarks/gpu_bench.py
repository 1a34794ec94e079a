"""galton (CuPy) against PyTorch on one device: a few training steps per workload, each
framework in its own process, alternating; prints the ratio galton/PyTorch per workload.

    python benchmarks/gpu_bench.py                    # device cuda, full sizes
    python benchmarks/gpu_bench.py --device cpu --tiny   # the same logic, tiny, on the CPU (a test)

benchmarks/gpu_check.sh runs it on a GPU machine. Times are taken after a synchronize, so
queued kernels are counted.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _models import alexnet, lenet5, seed000_net  # noqa: E402

# name -> (model builder, input shape (batch first), classes); tiny: the CPU self-check sizes
WORKLOADS = {
    "seed000": (seed000_net, (64, 1, 28, 28), 10),
    "lenet5": (lenet5, (64, 1, 28, 28), 10),
    "mlp": (lambda fw: fw.nn.Sequential(fw.nn.Flatten(), fw.nn.Linear(784, 100), fw.nn.ReLU(),
                                        fw.nn.Linear(100, 10)), (64, 1, 28, 28), 10),
    "alexnet": (alexnet, (8, 3, 224, 224), 8),
    "lstm": (None, (50, 32, 64), 0),
}
TINY_BATCH = 2


def _sync(fw, device):
    if device.startswith("cuda"):
        fw.cuda.synchronize()


def _step_fn(fw, name, device, tiny):
    fw.manual_seed(0)
    build, shape, classes = WORKLOADS[name]
    rng = np.random.default_rng(0)
    if name == "lstm":
        model = fw.nn.LSTM(64, 128 if not tiny else 8).to(device)
        seq = shape if not tiny else (5, TINY_BATCH, 64)
        x = fw.from_numpy(rng.standard_normal(seq).astype(np.float32)).to(device)

        def loss():
            out, (h, c) = model(x)
            return out.sum() + h.sum()
    else:
        model = build(fw).to(device)
        shape = (TINY_BATCH,) + shape[1:] if tiny else shape
        x = fw.from_numpy(rng.standard_normal(shape).astype(np.float32)).to(device)
        y = fw.from_numpy(np.arange(shape[0]) % classes).to(device)
        loss_fn = fw.nn.CrossEntropyLoss()

        def loss():
            return loss_fn(model(x), y)
    opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad()
        loss().backward()
        opt.step()
    return step


def child(framework, name, device, reps, tiny):
    """One framework, one workload: per-step times as JSON on stdout."""
    if framework == "torch":
        import torch as fw
    else:
        import galton as fw
    step = _step_fn(fw, name, device, tiny)
    step()  # warm-up: kernels compiled, memory pool filled
    _sync(fw, device)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        _sync(fw, device)
        times.append(time.perf_counter() - t0)
    print("RESULT " + json.dumps({"times": times}))


def _run_child(framework, name, device, reps, tiny):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", framework, "--only", name,
           "--device", device, "--reps", str(reps)] + (["--tiny"] if tiny else [])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def compare(names, device, reps, rounds, tiny):
    """Rows {name, galton_s, torch_s, ratio} (min over rounds x reps), or an error per row."""
    rows = []
    for name in names:
        got = {"galton": [], "torch": []}
        err = None
        for _ in range(rounds):
            for fw in ("galton", "torch"):
                r = _run_child(fw, name, device, reps, tiny)
                if "error" in r:
                    err = f"{fw}: {r['error']}"
                    break
                got[fw] += r["times"]
            if err:
                break
        if err:
            rows.append({"workload": name, "error": err})
            continue
        g, t = min(got["galton"]), min(got["torch"])
        rows.append({"workload": name, "galton_s": g, "torch_s": t, "ratio": g / t,
                     "galton_median_s": statistics.median(got["galton"])})
    return rows


def table(rows, device):
    lines = [f"| workload ({device}, one training step) | galton s | PyTorch s | ratio |",
             "|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['workload']} | failed: {r['error'][:120]} | | |")
        else:
            lines.append(f"| {r['workload']} | {r['galton_s']:.4f} | {r['torch_s']:.4f} | "
                         f"{r['ratio']:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--only", help="comma-separated workloads: " + ",".join(WORKLOADS))
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--tiny", action="store_true", help="tiny sizes (a check that it runs)")
    p.add_argument("--child", choices=["galton", "torch"])
    p.add_argument("--json", help="write the rows to this file")
    a = p.parse_args(argv)
    names = a.only.split(",") if a.only else list(WORKLOADS)
    if a.child:
        return child(a.child, names[0], a.device, a.reps, a.tiny)
    rows = compare(names, a.device, a.reps, a.rounds, a.tiny)
    print(table(rows, a.device))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
