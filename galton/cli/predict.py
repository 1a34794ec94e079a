"""``galton predict``: label images with a trained model."""
import json

import numpy as np

from ._common import add_command, out

EXAMPLES = [
    "galton predict runs/mnist_cnn digit.png",
    "galton predict runs/mnist_cnn photo1.jpg photo2.png --top 3",
    "galton predict runs/mnist_cnn/model.safetensors *.png --json",
]


def add_parser(sub):
    p = add_command(sub, "predict", "label image files with a trained model",
                    "Label PNG/JPEG images of any size and mode. Each is prepared as the "
                    "model's training data was: for digits, grey, inverted when the background "
                    "is light, the ink fitted into 20x20 and centred in 28x28 like MNIST; then "
                    "normalised with the run's mean and std.", EXAMPLES)
    p.add_argument("run", metavar="RUN", help="a run folder (or its model.safetensors)")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    p.add_argument("--top", type=int, default=1, metavar="K", help="show the K likeliest labels")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="the architecture, when the run's model is a class of your own "
                        "(path/to/file.py:ClassName): galton never imports a file because a "
                        "run folder names it")
    p.set_defaults(handler=run)


def run(args):
    from ..train.models import classify, load_model
    from ..vision.preprocess import load_image, prepare
    from ..train.models import check_exists
    check_exists(args.run, "run folder")
    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}")
    model, meta = load_model(args.run, model=args.model)
    shape = meta.get("input_shape") or []
    if len(shape) != 3:
        raise ValueError(f"this model was trained on {meta.get('dataset')}, whose inputs are "
                         f"{len(shape)}-D vectors, not images")
    # read every image first: one unreadable file stops the command before any output
    images = [load_image(path) for path in args.images]
    batch = np.stack([prepare(img, shape, meta.get("preprocess") or "resize", meta.get("mean"),
                              meta.get("std")) for img in images])
    results = classify(model, meta, batch)
    for path, r in zip(args.images, results):
        # JSON cannot hold NaN, and a NaN "prediction" is no answer: refuse, as galton serve
        # refuses to start on such a run
        if not np.all(np.isfinite(r["probabilities"])):
            raise ValueError(f"{args.run}: the model gave non-finite probabilities (NaN/inf) "
                             f"for {path}; its weights or normalisation are broken")
    classes = meta.get("classes") or []
    rows = []
    for path, r in zip(args.images, results):
        order = np.argsort(r["probabilities"])[::-1][:args.top]
        top = [{"index": int(i), "label": classes[i] if i < len(classes) else str(i),
                "confidence": round(r["probabilities"][i], 6)} for i in order]
        rows.append({"file": path, "index": r["index"], "label": r["label"],
                     "confidence": round(r["confidence"], 6), "top": top})
    if args.json:
        out(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        text = f"{row['file']}: {row['label']} ({100 * row['confidence']:.1f}%)"
        if args.top > 1:
            text += "  [" + ", ".join(f"{t['label']} {100 * t['confidence']:.1f}%"
                                      for t in row["top"]) + "]"
        out(text)
    return 0
