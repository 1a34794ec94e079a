"""The pictures of docs/explain.md: every method of galton.explain on the same three test
digits (the seed-000 CNN trained 2 epochs on the shipped MNIST sample) and on one
Fashion-MNIST image (a LeNet-5 trained 1 epoch on 12,000 Fashion-MNIST images, when
Debian's dataset-fashion-mnist is installed).

    python scripts/explain_pictures.py [OUT_DIR]     (default docs/img; about a minute)
"""
import os
import sys
import tempfile

import numpy as np

import galton
from galton import explain, plot
from galton.train.run import load_run_test_set, train_run

METHODS = ["saliency", "input_x_gradient", "smoothgrad", "ig", "gradcam", "gradcam++",
           "occlusion", "shap"]


def trained(config, folder):
    if not os.path.isfile(os.path.join(folder, "model.safetensors")):
        train_run(config, folder, progress=False)
    model, meta, test, _ = load_run_test_set(folder)
    return model, meta, test


def pictures(model, meta, x, y, prefix, out):
    """One methods grid per image, and one inputs grid per method family."""
    mean, std = meta.get("mean"), meta.get("std")
    short = [c.split(" - ")[0] for c in meta["classes"]]
    probs = galton.train.models.probabilities(model, x)
    pred = probs.argmax(1)
    maps = {m: explain.attribute(model, x, m, pred, mean=mean, std=std)[0].numpy()
            for m in METHODS}
    for i in range(len(x)):
        path = plot.methods_grid(x[i], {m: maps[m][i] for m in METHODS},
                                 os.path.join(out, f"{prefix}_{i}_methods.png"), mean=mean,
                                 std=std, title=f"true {short[y[i]]}, predicted {short[pred[i]]} "
                                 f"({100 * probs[i, pred[i]]:.0f}%)")
        print("wrote", path)
    path = plot.inputs_grid(x, maps["gradcam"], os.path.join(out, f"{prefix}_gradcam.png"),
                            titles=[f"{short[p]} {100 * probs[i, p]:.0f}%"
                                    for i, p in enumerate(pred)], mean=mean, std=std,
                            title="Grad-CAM of the predicted class")
    print("wrote", path)


def main(out="docs/img"):
    os.makedirs(out, exist_ok=True)
    runs = tempfile.mkdtemp(prefix="galton-explain-")
    model, meta, test = trained({"model": "mnist_cnn", "data": "mnist-sample", "epochs": 2,
                                 "optimizer": "sgd", "lr": 0.01, "momentum": 0.9},
                                os.path.join(runs, "mnist"))
    x, y = test.tensors[0]._data[:3].astype(np.float32), test.tensors[1]._data[:3]
    pictures(model, meta, x, y, "explain_digit", out)
    print("wrote", plot.first_filters(model, os.path.join(out, "explain_filters.png")))
    print("wrote", plot.feature_maps(model, x[0], "conv2",
                                     os.path.join(out, "explain_feature_maps.png")))
    if os.path.isdir("/usr/share/datasets/fashion-mnist"):
        model, meta, test = trained({"model": "lenet5", "data": "fashion-mnist", "epochs": 1,
                                     "optimizer": "adam", "limit": 12000},
                                    os.path.join(runs, "fashion"))
        x, y = test.tensors[0]._data[:1].astype(np.float32), test.tensors[1]._data[:1]
        pictures(model, meta, x, y, "explain_fashion", out)
    else:
        print("no /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist): "
              "the Fashion-MNIST picture is skipped")


if __name__ == "__main__":
    main(*sys.argv[1:])
