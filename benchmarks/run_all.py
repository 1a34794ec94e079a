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

# (script, target ratio galton/PyTorch, what the target is): issue 18's targets; every row's
# peak memory is also held to MEMORY_TARGET x PyTorch's
MEMORY_TARGET = 0.5
SUITE = [
    ("bench_xor.py", 0.15, "time"),
    ("bench_mlp.py", 0.5, "time"),
    ("bench_seed000_fashion.py", 0.8, "time"),
    ("bench_inference.py", 0.7, "time"),
    ("bench_lenet5.py", 0.8, "time"),
    ("bench_alexnet.py", 1.0, "time"),
    ("bench_resnet18.py", 1.0, "time"),
    ("bench_lstm.py", 1.0, "time"),
    ("bench_transformer.py", 1.0, "time"),
    ("bench_vae.py", 1.0, "time"),
    ("bench_word_lm.py", 1.0, "time"),
    # galton.compile's training step against eager PyTorch, torch.compile beside it (issue 18)
    ("bench_seed000_fashion.py", 0.6, "compile"),
    ("bench_lenet5.py", 0.6, "compile"),
    ("bench_mlp.py", 0.4, "compile"),
    ("bench_lstm.py", 0.8, "compile"),
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


def _memory(g, t):
    """Peak resident MB of both, their ratio, and whether it meets MEMORY_TARGET."""
    ratio = g["peak_mb"] / t["peak_mb"]
    ok = "✓" if ratio <= MEMORY_TARGET else "✗"
    return f"{g['peak_mb']:.0f} / {t['peak_mb']:.0f} = {ratio:.2f} {ok}"


def _compile_line(r):
    """A table row: galton.compile against eager PyTorch, torch.compile in the notes."""
    c, t, tc = r["galton_compile"], r["torch"], r.get("torch_compile", {})
    if "failed" in c:
        return f"| {r['workload']}, galton.compile | failed: {c['failed']} | | | ≤ {r['target']} | | |"
    ok = "✓" if c["ratio_vs_torch_eager"] <= r["target"] else "✗"
    if "failed" in tc:
        note = f"torch.compile failed: {tc['failed']}"
    else:
        note = (f"torch.compile {tc['min_s']:.3f} s ({tc['ratio_vs_torch_eager']:.2f}× eager "
                f"PyTorch), compile ≈ {tc['compile_s'] or 0:.1f} s")
    note += f"; galton.compile compile ≈ {c['compile_s'] or 0:.2f} s"
    if "ratio_min" in r:  # eager galton in the same run: what the fusion itself saves
        note += f"; eager galton {r['ratio_min']:.2f}× eager PyTorch in the same run"
    return (f"| {r['workload']}, galton.compile | {c['min_s']:.3f} ({c['median_s']:.3f}) | "
            f"{t['min_s']:.3f} ({t['median_s']:.3f}) | {c['ratio_vs_torch_eager']:.2f} {ok} | "
            f"≤ {r['target']} | {_memory(c, t)} | {note} |")


def versions():
    out = subprocess.run([sys.executable, "-c", "import numpy, torch, galton; print(numpy.__version__,"
                          " torch.__version__, galton.__version__)"], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else ["?", "?", "?"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated names, e.g. xor,mlp (mlp:compile: that "
                   "compile row only)")
    p.add_argument("--quick", action="store_true", help="one round per benchmark")
    a = p.parse_args()
    rows = []
    for script, target, kind in SUITE:
        name = script[len("bench_"):-3]
        if a.only and name not in a.only.split(",") and f"{name}:{kind}" not in a.only.split(","):
            continue
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as tmp:
            path = tmp.name
        cmd = [sys.executable, os.path.join(HERE, script), "--json", path]
        if a.quick:
            cmd += ["--rounds", "1"]
        if kind == "compile":
            cmd += ["--compile"]
        print(f"== {script}", flush=True)
        r = subprocess.run(cmd, text=True)
        if r.returncode == 0:
            with open(path) as f:
                row = json.loads(f.read().splitlines()[-1])
            row["target"], row["kind"] = target, kind
            rows.append(row)
        os.remove(path)
    np_v, torch_v, galton_v = versions()
    lines = ["# Benchmark results", "",
             f"Measured {datetime.date.today()} on {cpu_name()} ({os.cpu_count()} cores), "
             f"NumPy {np_v}, PyTorch {torch_v} (2 threads), galton {galton_v}. "
             "Each framework runs in its own process, alternating; times are the minimum over "
             "repetitions (median in brackets). Where the time goes and what would close each "
             "gap: [PROFILE.md](PROFILE.md).", "",
             f"| workload | galton s | PyTorch s | ratio | target | peak MB galton / PyTorch "
             f"(target ≤ {MEMORY_TARGET}×) | notes |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["kind"] == "compile":
            lines.append(_compile_line(r))
            continue
        g, t = r["galton"], r["torch"]
        notes = "; ".join(f"{k}: {g[k]} vs {t.get(k)}" for k in g
                          if k not in ("min_s", "median_s", "peak_mb"))
        ok = "✓" if r["ratio_min"] <= r["target"] else "✗"
        lines.append(f"| {r['workload']} | {g['min_s']:.3f} ({g['median_s']:.3f}) | "
                     f"{t['min_s']:.3f} ({t['median_s']:.3f}) | {r['ratio_min']:.2f} {ok} | "
                     f"≤ {r['target']} | {_memory(g, t)} | {notes} |")
    out = os.path.join(HERE, "RESULTS.md")
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(out + ".tmp", out)
    print("\n".join(lines))
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main()
