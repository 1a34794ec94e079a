"""A bounded load test of the prediction service: ``galton serve`` under concurrent clients.

Starts ``galton serve RUN`` (uvicorn) on 127.0.0.1 in its own process, then CLIENTS threads,
each with its own keep-alive HTTP connection, POST the same PNG digit to /predict/ for
SECONDS seconds. Prints requests/s, p50/p90/p99/max latency and the count of non-200 answers
and failed requests (both must be 0: the exit status is 1 otherwise), then stops the server.

    python benchmarks/serve_load.py                        # trains a small run first (~1 min)
    python benchmarks/serve_load.py --run runs/mnist_cnn --clients 50 --seconds 30

Without --run it trains ``galton train --model mnist_cnn --data mnist-sample --limit 512
--epochs 1`` into a temporary folder. The digit is an MNIST-sample test image drawn as the
page would send it: 280x280, black on white. Not a pytest test (it takes 30 s and more).
The clients share the machine with the server, so on few cores the figures are a floor.
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


def start_server(run, port):
    cmd = [sys.executable, "-m", "galton", "serve", run, "--host", "127.0.0.1", "--port",
           str(port), "--log-level", "warning"]
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", help="a trained run folder (default: train a small one)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args(argv)

    tmp = None
    run = args.run
    if run is None:
        tmp = tempfile.mkdtemp(prefix="galton_serve_load_")
        run = train_small_run(os.path.join(tmp, "run"))
    png = digit_png()
    body, headers = multipart(png)
    port = free_port()
    proc = start_server(run, port)
    try:
        results, threads = [], []
        stop_at = time.perf_counter() + args.seconds
        start = time.perf_counter()
        for _ in range(args.clients):
            t = threading.Thread(target=client, args=(port, body, headers, stop_at, results))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        stop_server(proc)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    latencies = sorted(x for r in results for x in r[0])
    statuses = {}
    for r in results:
        for code, n in r[1].items():
            statuses[code] = statuses.get(code, 0) + n
    failures = sum(r[2] for r in results)
    wrong = sum(r[3] for r in results)
    non_200 = sum(n for code, n in statuses.items() if code != 200)
    n = len(latencies)

    def pct(p):
        return 1000 * latencies[min(n - 1, int(p / 100 * n))] if n else float("nan")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{args.clients} clients for {elapsed:.1f} s against galton serve "
          f"({os.path.basename(os.path.abspath(run))}), PNG {len(png)} bytes")
    print(f"requests: {n}  ({n / elapsed:.1f} requests/s)")
    if n:
        print(f"latency: p50 {pct(50):.1f} ms  p90 {pct(90):.1f} ms  p99 {pct(99):.1f} ms  "
              f"max {1000 * latencies[-1]:.1f} ms  "
              f"mean {1000 * statistics.fmean(latencies):.1f} ms")
    print(f"status codes: {dict(sorted(statuses.items()))}")
    print(f"non-200 answers: {non_200}  failed requests: {failures}  "
          f"200s without a prediction: {wrong}")
    return 0 if n and non_200 == 0 and failures == 0 and wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
