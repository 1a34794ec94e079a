"""``galton serve RUN_DIR``: the prediction web service, with a page to draw a digit on."""
from ..serve.app import MAX_UPLOAD_BYTES
from ..serve.model import MAX_PIXELS
from ..serve.server import LIMIT_CONCURRENCY, TIMEOUT_KEEP_ALIVE, TIMEOUT_REQUEST
from ._common import add_command, out

COMMAND = "serve"


def add_parser(subparsers):
    """Register ``galton serve`` on the ``subparsers`` of the main parser."""
    p = add_command(
        subparsers, COMMAND,
        help="serve a trained model over HTTP, with a page to draw a digit on",
        description="Serve the model of a run folder (written by `galton train`) over HTTP: "
                    "GET / is a page to draw a digit (or pick a picture) and see the "
                    "prediction; POST /predict/ takes an image file (multipart field 'file') "
                    "and answers JSON {prediction_index, label, confidence, probabilities}; "
                    "GET /model describes the model, GET /health answers when it is up. "
                    "Needs the serve extra: pip install 'galton[serve]'.",
        examples=["galton serve runs/mnist",
                  "galton serve runs/mnist --host 0.0.0.0 --port 8080",
                  "galton serve weights.safetensors --model mnist_cnn",
                  "galton serve runs/mnist --max-pixels 1e6 --timeout-request 5",
                  "curl -F file=@seven.png http://127.0.0.1:8000/predict/"])
    p.add_argument("run_dir", metavar="RUN_DIR",
                   help="a run folder written by galton train (or its model.safetensors, or a "
                        "checkpoint of bare weights with --model)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; "
                        "0.0.0.0: every network interface)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--model", dest="model_name", default=None, metavar="NAME",
                   help="the architecture of a checkpoint of bare weights (a galton.vision."
                        "models name or file.py:ClassName); a run folder records it")
    p.add_argument("--classes", default=None, metavar="A,B,...",
                   help="comma-separated class names, replacing those the run recorded")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default info: one line per request)")
    limits = p.add_argument_group(
        "limits", "what one client may cost the service (see README: behind a reverse proxy)")
    limits.add_argument("--max-pixels", type=float, default=MAX_PIXELS, metavar="N",
                        help=f"refuse (413) images with more pixels than this, read from the "
                             f"header before decoding (default {MAX_PIXELS:,})")
    limits.add_argument("--max-upload-mb", type=float, default=MAX_UPLOAD_BYTES / 2 ** 20,
                        metavar="MB", help="refuse (413) larger uploads (default "
                                           f"{MAX_UPLOAD_BYTES / 2 ** 20:g})")
    limits.add_argument("--timeout-request", type=float, default=TIMEOUT_REQUEST, metavar="S",
                        help="seconds a client has to send a whole request, headers and body; "
                             f"then 408 and the connection is closed (default "
                             f"{TIMEOUT_REQUEST:g})")
    limits.add_argument("--timeout-keep-alive", type=float, default=TIMEOUT_KEEP_ALIVE,
                        metavar="S", help="seconds an idle keep-alive connection stays open "
                                          f"(default {TIMEOUT_KEEP_ALIVE})")
    limits.add_argument("--limit-concurrency", type=int, default=LIMIT_CONCURRENCY, metavar="N",
                        help="open connections served at once; above, requests get 503 "
                             f"(default {LIMIT_CONCURRENCY})")
    batching = p.add_argument_group(
        "batching", "requests that arrive together share one forward pass")
    batching.add_argument("--max-batch", type=int, default=32, metavar="N",
                          help="largest batch of requests in one forward pass (1: no "
                               "batching; default 32)")
    batching.add_argument("--batch-window-ms", type=float, default=5.0, metavar="MS",
                          help="how long a batch waits for requests still being decoded "
                               "(default 5)")
    batching.add_argument("--workers", type=int, default=2, metavar="N",
                          help="threads decoding uploads (default 2)")
    p.set_defaults(handler=run)
    return p


def run(args):
    """Load and check the model, take the port, then serve until Ctrl-C; returns the exit
    status.

    Bad input (a missing run folder, bare weights without --model, a model that gives NaN,
    a port in use, a missing extra) raises the error that ``galton.cli.main`` reports as
    one line, before anything is printed.
    """
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be between 0 and 65535, got {args.port}")
    for flag, value in (("--max-pixels", args.max_pixels), ("--max-upload-mb", args.max_upload_mb),
                        ("--timeout-request", args.timeout_request),
                        ("--timeout-keep-alive", args.timeout_keep_alive),
                        ("--limit-concurrency", args.limit_concurrency),
                        ("--max-batch", args.max_batch), ("--workers", args.workers)):
        if not value > 0:
            raise ValueError(f"{flag} must be positive, got {value}")
    if not args.batch_window_ms >= 0:
        raise ValueError(f"--batch-window-ms must be >= 0, got {args.batch_window_ms}")
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError("the service runs on uvicorn, which is not installed: pip install "
                          "'galton[serve]' (fastapi, uvicorn, python-multipart)") from None
    from ..serve import create_app
    from ..serve.server import listen
    from ..serve.server import run as run_server
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    app = create_app(args.run_dir, model_name=args.model_name, classes=classes,
                     max_upload_bytes=int(args.max_upload_mb * 2 ** 20),
                     max_pixels=int(args.max_pixels), max_batch=args.max_batch,
                     batch_window=args.batch_window_ms / 1000, workers=args.workers)
    predictor = app.state.predictor
    try:
        sock = listen(args.host, args.port)
    except OSError:
        predictor.close()
        raise
    port = sock.getsockname()[1]  # --port 0: the port the system chose
    out(f"Serving {predictor.name} ({len(predictor.classes)} classes, input "
        f"{'x'.join(map(str, predictor.input_shape))}) from {args.run_dir}")
    out(f"Open http://{args.host}:{port}/ to draw a digit; "
        f"POST an image to http://{args.host}:{port}/predict/ (Ctrl-C stops)")
    try:
        ok = run_server(app, sock, timeout_request=args.timeout_request,
                        timeout_keep_alive=args.timeout_keep_alive,
                        limit_concurrency=args.limit_concurrency, log_level=args.log_level)
    except KeyboardInterrupt:  # uvicorn stopped gracefully and re-raised the Ctrl-C
        ok = True
    finally:
        sock.close()
    return 0 if ok else 1
