"""``galton evaluate``: measure a run's model on its test set."""
import os

from ._common import add_command, out

EXAMPLES = [
    "galton evaluate runs/mnist_cnn",
    "galton evaluate runs/mnist_cnn/model.safetensors --out reports/mnist_cnn",
    "galton evaluate runs/mnist_cnn --explain 16   # the 16 most confident mistakes, Grad-CAM",
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
    p.add_argument("--explain", type=int, default=0, metavar="N",
                   help="also draw the N most confidently wrong test images with the Grad-CAM "
                   "of the class predicted (saliency for models without convolutions) as "
                   "mistakes_explained.png")
    p.set_defaults(handler=run)


def run(args):
    from ..train.run import evaluate_run
    from ..train.models import check_exists
    check_exists(args.run, "run folder")
    if args.explain < 0:
        raise ValueError(f"--explain must be a number of images (0 or more), got {args.explain}")
    scores, report = evaluate_run(args.run, data_root=args.data_root, out=args.out,
                                  model=args.model)
    out(report)
    folder = args.out or (args.run if os.path.isdir(args.run) else os.path.dirname(args.run))
    out("")
    out(f"Wrote metrics.json, predictions.png, confusion_matrix.png to {folder or '.'}")
    if args.explain:
        out(explain_mistakes(args.run, args.data_root, folder or ".", args.explain, scores,
                            args.model))
    return 0


def confident_mistakes(probs, y_pred, y_true, n):
    """Indices of the ``n`` wrong predictions made with the highest probability, highest first."""
    import numpy as np
    wrong = np.flatnonzero(np.asarray(y_pred) != np.asarray(y_true))
    return wrong[np.argsort(-probs[wrong, y_pred[wrong]], kind="stable")][:n]


def explain_mistakes(run_path, data_root, folder, n, scores, model_spec=None):
    """Draw the ``n`` test images the model got wrong with the highest confidence, each with
    the Grad-CAM of the class it predicted (what it saw), as mistakes_explained.png."""
    import numpy as np

    from .. import explain, plot
    from ..train.run import load_run_test_set
    model, meta, test, _ = load_run_test_set(run_path, data_root, model_spec)
    if len(meta.get("input_shape") or []) != 3:
        return "--explain draws images: this model's inputs are not images; nothing drawn"
    probs, y_pred, y = scores["_probs"], scores["_y_pred"], scores["_y_true"]
    worst = confident_mistakes(probs, y_pred, y, n)
    if not len(worst):
        return "No test image is misclassified: nothing to explain"
    x = test.tensors[0]._data[worst].astype(np.float32)
    method = "gradcam" if explain.conv_layers(model) else "saliency"
    binary = meta.get("loss") == "bce"
    target = np.zeros(len(worst), np.int64) if binary else y_pred[worst]
    maps, _ = explain.attribute(model, x, method, target)
    short = [str(c).split(" - ")[0] for c in meta["classes"]]
    titles = [f"{short[y[i]]}→{short[y_pred[i]]} {100 * probs[i, y_pred[i]]:.0f}%" for i in worst]
    path = plot.inputs_grid(x, maps.numpy(), os.path.join(folder, "mistakes_explained.png"),
                            titles=titles, cols=min(8, len(worst)), mean=meta.get("mean"),
                            std=meta.get("std"), title_colors=["red"] * len(worst),
                            title=f"the {len(worst)} most confident mistakes (true→predicted, "
                                  f"confidence) with the {method} of the predicted class")
    return f"Wrote {path}: the {len(worst)} most confidently wrong test images with their {method}"
