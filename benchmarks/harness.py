"""Run a workload in galton and in PyTorch, each in its own process, alternating, and compare.

A benchmark module defines ``WORKLOAD`` (a title), ``setup(fw, args)`` returning a callable
``step()`` that does one timed repetition, where ``fw`` is the imported framework module
(``galton`` or ``torch``), and optionally ``extra(fw, state)`` for figures such as accuracy.

    python benchmarks/bench_xor.py            # alternates galton / torch, prints the ratio
    python benchmarks/bench_xor.py --child galton --reps 3   # one framework (what the parent runs)

Each child reports its per-repetition wall times and peak RSS as JSON. Separate processes
matter: in one process OpenBLAS's idle spinning threads steal a core from PyTorch.

``--compile`` (benchmarks whose ``setup`` wraps its model in ``maybe_compile``) adds two more
children, galton with ``galton.compile`` and PyTorch with ``torch.compile``; their ratio is
taken against eager PyTorch, and each one's compile time is its first (warm-up) repetition
minus its fastest one.
"""
import argparse
import importlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time


def maybe_compile(fw, model):
    """``fw.compile(model)`` in a ``--compile`` child, else the model."""
    return fw.compile(model) if os.environ.get("BENCH_COMPILE") == "1" else model


def _child(mod, framework, reps, warmup):
    if framework.endswith("+compile"):
        os.environ["BENCH_COMPILE"] = "1"
        framework = framework[:-len("+compile")]
    if framework == "torch":
        import torch
        torch.set_num_threads(int(os.environ.get("BENCH_TORCH_THREADS", "2")))
        fw = torch
    else:
        import galton as fw
    state = mod.setup(fw)
    first = []
    for _ in range(warmup):
        t0 = time.perf_counter()
        state["step"]()
        first.append(time.perf_counter() - t0)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        state["step"]()
        times.append(time.perf_counter() - t0)
    extra = mod.extra(fw, state) if hasattr(mod, "extra") else {}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"framework": framework, "times": times, "peak_mb": peak_mb,
                                  "extra": extra, "first": first[:1]}))


def _run_child(script, framework, reps, warmup):
    out = subprocess.run([sys.executable, script, "--child", framework, "--reps", str(reps),
                          "--warmup", str(warmup)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{framework} child failed:\n{out.stderr[-3000:]}")
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def compare(script, mod, rounds, reps, warmup, compiled=False):
    kinds = ("galton", "torch") + (("galton+compile", "torch+compile") if compiled else ())
    res = {fw: [] for fw in kinds}
    peaks = {fw: 0.0 for fw in kinds}
    extras, firsts, failed = {}, {fw: [] for fw in kinds}, {}
    for _ in range(rounds):
        for fw in kinds:
            try:
                r = _run_child(script, fw, reps, max(warmup, 1) if "+" in fw else warmup)
            except RuntimeError as exc:
                if "+" not in fw:
                    raise
                failed[fw] = str(exc).splitlines()[-1][:200]  # e.g. no C compiler for inductor
                continue
            res[fw] += r["times"]
            firsts[fw] += r.get("first", [])
            peaks[fw] = max(peaks[fw], r["peak_mb"])
            extras[fw] = r["extra"]
    row = {"workload": mod.WORKLOAD}
    for fw in ("galton", "torch"):
        row[fw] = {"min_s": min(res[fw]), "median_s": statistics.median(res[fw]),
                   "peak_mb": round(peaks[fw], 1), **extras.get(fw, {})}
    for fw in kinds[2:]:
        key = fw.replace("+", "_")
        if not res[fw]:
            row[key] = {"failed": failed.get(fw, "no result")}
            continue
        best = min(res[fw])
        row[key] = {"min_s": best, "median_s": statistics.median(res[fw]),
                    "peak_mb": round(peaks[fw], 1),
                    "compile_s": max(0.0, max(firsts[fw]) - best) if firsts[fw] else None,
                    "ratio_vs_torch_eager": best / row["torch"]["min_s"]}
    row["ratio_min"] = row["galton"]["min_s"] / row["torch"]["min_s"]
    row["ratio_median"] = row["galton"]["median_s"] / row["torch"]["median_s"]
    row["memory_ratio"] = peaks["galton"] / peaks["torch"] if peaks["torch"] else None
    return row


def describe(row):
    g, t = row["galton"], row["torch"]
    lines = [f"{row['workload']}",
             f"  galton: min {g['min_s']:.4f} s  median {g['median_s']:.4f} s  peak {g['peak_mb']} MB"
             + "".join(f"  {k} {v}" for k, v in g.items() if k not in ("min_s", "median_s", "peak_mb")),
             f"  torch : min {t['min_s']:.4f} s  median {t['median_s']:.4f} s  peak {t['peak_mb']} MB"
             + "".join(f"  {k} {v}" for k, v in t.items() if k not in ("min_s", "median_s", "peak_mb")),
             f"  ratio galton/torch: {row['ratio_min']:.3f} (min)  {row['ratio_median']:.3f} (median)"
             f"  memory {row['memory_ratio']:.2f}" if row["memory_ratio"] else ""]
    for key in ("galton_compile", "torch_compile"):
        c = row.get(key)
        if c is None:
            continue
        lines.append(f"  {key}: failed: {c['failed']}" if "failed" in c else
                     f"  {key}: min {c['min_s']:.4f} s  median {c['median_s']:.4f} s  "
                     f"compile ~{c['compile_s'] or 0:.2f} s  ratio vs eager torch "
                     f"{c['ratio_vs_torch_eager']:.3f}")
    return "\n".join(lines)


def main(module_name, rounds=3, reps=3, warmup=1):
    mod = importlib.import_module(module_name) if isinstance(module_name, str) else module_name
    p = argparse.ArgumentParser()
    p.add_argument("--child", choices=["galton", "torch", "galton+compile", "torch+compile"])
    p.add_argument("--reps", type=int, default=reps)
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--rounds", type=int, default=rounds)
    p.add_argument("--json", help="append the result row to this JSON-lines file")
    p.add_argument("--compile", action="store_true",
                   help="also time galton.compile and torch.compile (see maybe_compile)")
    a = p.parse_args()
    script = os.path.abspath(sys.modules[mod.__name__].__file__)
    if a.child:
        _child(mod, a.child, a.reps, a.warmup)
        return None
    row = compare(script, mod, a.rounds, a.reps, a.warmup, compiled=a.compile)
    row["machine"] = platform.processor() or platform.machine()
    print(describe(row))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(row) + "\n")
    return row
