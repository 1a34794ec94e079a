"""``galton explain``: where did the model look? Attributions of image files drawn over them."""
import os

import numpy as np

from ._common import add_command, out

EXAMPLES = [
    "galton explain runs/mnist_cnn digit.png",
    "galton explain runs/mnist_cnn seven.png --method ig --target 7 --out why/",
    "galton explain runs/mnist_cnn a.png b.png --method gradcam --layer conv1",
    "galton explain runs/mnist_cnn digit.png --method all   # every method side by side",
]
CLI_METHODS = ["saliency", "ig", "gradcam", "occlusion", "shap", "smoothgrad",
               "input_x_gradient", "gradcam++", "guided"]


def add_parser(sub):
    p = add_command(sub, "explain", "show where a trained model looked in image files",
                    "Prepare each image as `galton predict` does, print the predicted class "
                    "with its probability, and write the attribution of the target class "
                    "(default: the predicted one) drawn over the image, as DIR/NAME_METHOD.png. "
                    "Methods: saliency (|gradient|), ig (Integrated Gradients from a black "
                    "image; prints the completeness delta), gradcam (last conv layer, or "
                    "--layer), occlusion, shap (Partition explainer), smoothgrad, "
                    "input_x_gradient, gradcam++, guided; 'all' draws every one side by side.",
                    EXAMPLES)
    p.add_argument("run", metavar="RUN", help="a run folder (or its model.safetensors)")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    p.add_argument("--method", default="saliency", choices=CLI_METHODS + ["all"],
                   metavar="METHOD", help="saliency (default), ig, gradcam, occlusion, shap, "
                   "smoothgrad, input_x_gradient, gradcam++, guided or all")
    p.add_argument("--target", metavar="CLASS",
                   help="the class to explain: an index or a class name (default: predicted)")
    p.add_argument("--layer", help="the layer for gradcam (default: the last conv layer)")
    p.add_argument("--out", default="explanations", metavar="DIR",
                   help="where the pictures go (default: ./explanations)")
    p.add_argument("--model", default=None, metavar="SPEC",
                   help="the architecture, when the run's model is a class of your own "
                        "(path/to/file.py:ClassName): galton never imports a file because a "
                        "run folder names it")
    p.add_argument("--alpha", type=float, default=0.7,
                   help="heat map opacity where it is strongest (default 0.7)")
    p.set_defaults(handler=run)


def target_index(target, classes):
    """--target as a class index: a number, or a class name (exact, or before ' - ')."""
    if target is None:
        return None
    names = [str(c) for c in classes]
    short = [n.split(" - ")[0] for n in names]
    for table in (names, short):
        if target in table:
            return table.index(target)
    try:
        i = int(target)
    except ValueError:
        raise ValueError(f"--target {target!r} is neither a class index nor a class name "
                         f"({', '.join(names)})") from None
    if not 0 <= i < len(names):
        raise ValueError(f"--target {i} is out of range: the model has {len(names)} classes "
                         f"(0..{len(names) - 1})")
    return i


def run(args):
    from .. import plot
    from ..explain import attribute
    from ..train.models import classify, load_model
    from ..vision.preprocess import load_image, prepare
    from ..train.models import check_exists
    check_exists(args.run, "run folder")
    if not 0 <= args.alpha <= 1:
        raise ValueError(f"--alpha must be between 0 and 1, got {args.alpha}")
    model, meta = load_model(args.run, model=args.model)
    shape = meta.get("input_shape") or []
    if len(shape) != 3:
        raise ValueError(f"this model was trained on {meta.get('dataset')}, whose inputs are "
                         f"{len(shape)}-D vectors, not images: use galton.explain's "
                         "permutation_importance or shap_values from Python")
    images = [load_image(path) for path in args.images]
    mean, std = meta.get("mean"), meta.get("std")
    batch = np.stack([prepare(img, shape, meta.get("preprocess") or "resize", mean, std)
                      for img in images]).astype(np.float32)
    results = classify(model, meta, batch)
    classes = meta.get("classes") or [str(i) for i in range(len(results[0]["probabilities"]))]
    target = target_index(args.target, classes)
    targets = [r["index"] if target is None else target for r in results]
    if meta.get("loss") == "bce":  # one logit: its gradient speaks for class 1
        targets = [0] * len(results)
    methods = CLI_METHODS[:5] if args.method == "all" else [args.method]
    maps, extras = {}, {}
    for m in methods:
        maps[m], extras[m] = attribute(model, batch, m, targets, args.layer, mean, std)
    os.makedirs(args.out, exist_ok=True)
    for i, (path, r) in enumerate(zip(args.images, results)):
        stem = os.path.splitext(os.path.basename(path))[0]
        t = targets[i] if meta.get("loss") != "bce" else target or r["index"]
        name = classes[t].split(" - ")[0]
        line = f"{path}: {r['label']} ({100 * r['confidence']:.1f}%)"
        if target is not None:
            line += f"; explaining class {name} ({100 * r['probabilities'][t]:.1f}%)"
        out(line)
        title = f"{name} {100 * r['probabilities'][t]:.1f}%"
        if args.method == "all":
            dest = os.path.join(args.out, f"{stem}_all.png")
            plot.methods_grid(batch[i], {m: maps[m].numpy()[i] for m in methods}, dest,
                              alpha=args.alpha, mean=mean, std=std, title=f"class {title}")
        else:
            m = methods[0]
            dest = os.path.join(args.out, f"{stem}_{m.replace('+', 'pp')}.png")
            if m == "ig":
                out(f"  Integrated Gradients: attributions sum to f(x) - f(black) "
                    f"{'+' if extras[m]['delta'][i] >= 0 else '-'} "
                    f"{abs(extras[m]['delta'][i]):.2g} (the completeness delta)")
            plot.heatmap(batch[i], maps[m].numpy()[i], dest, alpha=args.alpha, mean=mean,
                         std=std, title=f"{m}: {title}")
        out(f"  wrote {dest}")
    return 0
