"""``galton evaluate``: measure a run's model on its test set."""
import os

from ._common import add_command, out

EXAMPLES = [
    "galton evaluate runs/mnist_cnn",
    "galton evaluate runs/mnist_cnn/model.safetensors --out reports/mnist_cnn",
]


def add_parser(sub):
    p = add_command(sub, "evaluate", "report a trained model's test metrics and pictures",
                    "Evaluate a run's model.safetensors on the test split of the dataset it was "
                    "trained on: a per-class table (precision, recall, F1, support), the "
                    "confusion matrix, metrics.json and the pictures.", EXAMPLES)
    p.add_argument("run", metavar="RUN", help="a run folder (or its model.safetensors)")
    p.add_argument("--data-root", help="where downloaded datasets live (default: the run's)")
    p.add_argument("--out", help="where metrics.json and the pictures go (default: the run folder)")
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="the architecture, when the run's model is a class of your own "
                        "(path/to/file.py:ClassName): galton never imports a file because a "
                        "run folder names it")
    p.set_defaults(handler=run)


def run(args):
    from ..train.run import evaluate_run
    if not os.path.exists(args.run):
        raise FileNotFoundError(f"run folder {args.run} not found (train one with galton train)")
    scores, report = evaluate_run(args.run, data_root=args.data_root, out=args.out,
                                  model=args.model)
    out(report)
    folder = args.out or (args.run if os.path.isdir(args.run) else os.path.dirname(args.run))
    out("")
    out(f"Wrote metrics.json, predictions.png, confusion_matrix.png to {folder or '.'}")
    return 0
