"""``galton serve RUN_DIR``: the prediction web service, with a page to draw a digit on."""
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
    p.set_defaults(handler=run)
    return p


def run(args):
    """Load the model, then serve until Ctrl-C; returns the exit status.

    Bad input (a missing run folder, bare weights without --model, a missing extra) raises
    the error that ``galton.cli.main`` reports as one line.
    """
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be between 0 and 65535, got {args.port}")
    try:
        import uvicorn
    except ImportError:
        raise ImportError("the service runs on uvicorn, which is not installed: pip install "
                          "'galton[serve]' (fastapi, uvicorn, python-multipart)") from None
    from ..serve import create_app
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    app = create_app(args.run_dir, model_name=args.model_name, classes=classes)
    predictor = app.state.predictor
    out(f"Serving {predictor.name} ({len(predictor.classes)} classes, input "
        f"{'x'.join(map(str, predictor.input_shape))}) from {args.run_dir}")
    out(f"Open http://{args.host}:{args.port}/ to draw a digit; "
        f"POST an image to http://{args.host}:{args.port}/predict/ (Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
