"""Run every benchmark (galton and PyTorch alternating, each in its own process) and write
benchmarks/RESULTS.md. Run it on a quiet machine: nothing else heavy may run meanwhile.

    python benchmarks/run_all.py [--only xor,mlp] [--quick]
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# (script, target ratio galton/PyTorch, what the target is)
SUITE = [
    ("bench_xor.py", 0.3, "time"),
    ("bench_mlp.py", 0.5, "time"),
    ("bench_seed000_fashion.py", 1.0, "time"),
    ("bench_inference.py", 1.0, "time"),
    ("bench_lenet5.py", 1.0, "time"),
    ("bench_alexnet.py", 1.5, "time"),
    ("bench_resnet18.py", 1.5, "time"),
    ("bench_lstm.py", 1.5, "time"),
]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions():
    out = subprocess.run([sys.executable, "-c", "import numpy, torch, galton; print(numpy.__version__,"
                          " torch.__version__, galton.__version__)"], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else ["?", "?", "?"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated names, e.g. xor,mlp")
    p.add_argument("--quick", action="store_true", help="one round per benchmark")
    a = p.parse_args()
    rows = []
    for script, target, _ in SUITE:
        name = script[len("bench_"):-3]
        if a.only and name not in a.only.split(","):
            continue
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as tmp:
            path = tmp.name
        cmd = [sys.executable, os.path.join(HERE, script), "--json", path]
        if a.quick:
            cmd += ["--rounds", "1"]
        print(f"== {script}", flush=True)
        r = subprocess.run(cmd, text=True)
        if r.returncode == 0:
            with open(path) as f:
                row = json.loads(f.read().splitlines()[-1])
            row["target"] = target
            rows.append(row)
        os.remove(path)
    np_v, torch_v, galton_v = versions()
    lines = ["# Benchmark results", "",
             f"Measured {datetime.date.today()} on {cpu_name()} ({os.cpu_count()} cores), "
             f"NumPy {np_v}, PyTorch {torch_v} (2 threads), galton {galton_v}. "
             "Each framework runs in its own process, alternating; times are the minimum over "
             "repetitions (median in brackets). Where the time goes and what would close each "
             "gap: [PROFILE.md](PROFILE.md).", "",
             "| workload | galton s | PyTorch s | ratio | target | peak MB galton / PyTorch | notes |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        g, t = r["galton"], r["torch"]
        notes = "; ".join(f"{k}: {g[k]} vs {t.get(k)}" for k in g
                          if k not in ("min_s", "median_s", "peak_mb"))
        ok = "✓" if r["ratio_min"] <= r["target"] else "✗"
        lines.append(f"| {r['workload']} | {g['min_s']:.3f} ({g['median_s']:.3f}) | "
                     f"{t['min_s']:.3f} ({t['median_s']:.3f}) | {r['ratio_min']:.2f} {ok} | "
                     f"≤ {r['target']} | {g['peak_mb']:.0f} / {t['peak_mb']:.0f} | {notes} |")
    out = os.path.join(HERE, "RESULTS.md")
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    print("\n".join(lines))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
