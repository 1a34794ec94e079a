"""A bounded load test of the prediction service: ``galton serve`` under concurrent clients,
with micro-batching off (one forward pass per request, as before issue 14) and on.

For each count of clients (default 1, 10 and 50) it starts ``galton serve RUN`` (uvicorn) on
127.0.0.1 in its own process, once with ``--max-batch 1`` ("unbatched") and once with the
default batching ("batched"), alternating, and each time CLIENTS threads, each with its own
keep-alive HTTP connection, POST the same PNG digit to /predict/ for SECONDS seconds. It
prints a table of requests/s and p50/p99 latency per setting, and the count of non-200
answers and failed requests (all must be 0: the exit status is 1 otherwise), and the
server's CPU time per request (from /proc), which a busy machine disturbs far less than the
latencies.

    python benchmarks/serve_load.py                        # trains a small run first (~1 min)
    python benchmarks/serve_load.py --run runs/mnist_cnn --clients 1 10 50 --seconds 20

Without --run it trains ``galton train --model mnist_cnn --data mnist-sample --limit 512
--epochs 1`` into a temporary folder. The digit is an MNIST-sample test image drawn as the
page would send it: 280x280, black on white. Not a pytest test (it takes minutes).
The clients share the machine with the server, so on few cores the figures are a floor;
on a machine shared with other work, compare only the two modes of the same run.
"""
import argparse
import http.client
import io
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOUNDARY = "galtonloadtestboundary"


def _env():
    return {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}


def train_small_run(folder):
    """A small trained run folder (mnist_cnn, 512 images, 1 epoch)."""
    cmd = [sys.executable, "-m", "galton", "train", "--model", "mnist_cnn", "--data",
           "mnist-sample", "--limit", "512", "--epochs", "1", "--no-progress", "--out", folder]
    print("training:", " ".join(cmd[2:]), flush=True)
    subprocess.run(cmd, check=True, env=_env(), stdout=subprocess.DEVNULL)
    return folder


def digit_png():
    """An MNIST-sample test digit as the draw page sends it: 280x280 PNG, black on white."""
    import numpy as np
    from PIL import Image

    from galton.vision.datasets import MNISTSample
    ds = MNISTSample(train=False)
    data = ds.data
    pixels = np.asarray(data.numpy() if hasattr(data, "numpy") else data)[0].astype(np.uint8)
    img = Image.fromarray(255 - pixels).resize((280, 280), Image.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def multipart(png):
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"digit.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + png + \
        f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                  "Content-Length": str(len(body))}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(run, port, extra=()):
    cmd = [sys.executable, "-m", "galton", "serve", run, "--host", "127.0.0.1", "--port",
           str(port), "--log-level", "warning", *extra]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"galton serve exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("galton serve did not answer /health within 60 s")


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (Linux /proc; None elsewhere).
    Unlike latency, CPU time per request hardly moves when other work shares the machine."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def stop_server(proc):
    proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on Ctrl-C
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def client(port, body, headers, stop_at, results):
    """One client: POST in a loop on one keep-alive connection until ``stop_at``."""
    latencies, statuses, failures, wrong = [], {}, 0, 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < stop_at:
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/predict/", body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException):
            failures += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - t0)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        if resp.status == 200 and b'"prediction_index"' not in payload:
            wrong += 1
    conn.close()
    results.append((latencies, statuses, failures, wrong))


MODES = {"unbatched": ["--max-batch", "1"], "batched": []}


def load(run, clients, seconds, body, headers, extra):
    """Start a server with ``extra`` flags, run ``clients`` for ``seconds``: a summary."""
    port = free_port()
    proc = start_server(run, port, extra)
    try:
        results, threads = [], []
        cpu0 = cpu_seconds(proc.pid)
        stop_at = time.perf_counter() + seconds
        start = time.perf_counter()
        for _ in range(clients):
            t = threading.Thread(target=client, args=(port, body, headers, stop_at, results))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        cpu1 = cpu_seconds(proc.pid)
    finally:
        stop_server(proc)
    latencies = sorted(x for r in results for x in r[0])
    statuses = {}
    for r in results:
        for code, n in r[1].items():
            statuses[code] = statuses.get(code, 0) + n
    n = len(latencies)

    def pct(p):
        return 1000 * latencies[min(n - 1, int(p / 100 * n))] if n else float("nan")
    cpu = 1000 * (cpu1 - cpu0) / n if n and cpu0 is not None and cpu1 is not None \
        else float("nan")
    return {"requests": n, "rps": n / elapsed, "p50": pct(50), "p99": pct(99), "cpu": cpu,
            "max": 1000 * latencies[-1] if n else float("nan"),
            "mean": 1000 * statistics.fmean(latencies) if n else float("nan"),
            "non_200": sum(k for code, k in statuses.items() if code != 200),
            "failed": sum(r[2] for r in results), "wrong": sum(r[3] for r in results)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", help="a trained run folder (default: train a small one)")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--seconds", type=float, default=10.0, help="per setting (default 10)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat the alternation; the table keeps each round (default 1)")
    args = ap.parse_args(argv)

    tmp = None
    run = args.run
    if run is None:
        tmp = tempfile.mkdtemp(prefix="galton_serve_load_")
        run = train_small_run(os.path.join(tmp, "run"))
    png = digit_png()
    body, headers = multipart(png)
    rows = []
    try:
        for clients in args.clients:
            for _ in range(args.rounds):
                for mode, extra in MODES.items():  # alternating, one after the other
                    r = load(run, clients, args.seconds, body, headers, extra)
                    rows.append((clients, mode, r))
                    print(f"{clients:>3} clients  {mode:<9}  {r['rps']:7.1f} requests/s  "
                          f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
                          f"server CPU {r['cpu']:5.1f} ms/request", flush=True)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.seconds:g} s per setting against "
          f"galton serve ({os.path.basename(os.path.abspath(run))}), PNG {len(png)} bytes")
    print()
    print("| clients | forward passes | requests/s | p50 ms | p99 ms | server CPU ms/request "
          "| non-200 | failed |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for clients, mode, r in rows:
        label = "one per request (--max-batch 1)" if mode == "unbatched" else "micro-batched"
        print(f"| {clients} | {label} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
              f"{r['cpu']:.1f} | {r['non_200']} | {r['failed']} |")
    bad = sum(r["non_200"] + r["failed"] + r["wrong"] for _, _, r in rows)
    return 0 if rows and bad == 0 and all(r["requests"] for _, _, r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
