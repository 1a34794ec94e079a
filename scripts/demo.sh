#!/usr/bin/env bash
# `make demo` (after installing): train the seed-000 CNN on the MNIST sample shipped with galton,
# evaluate it, and label a few test digits saved as PNG files, as a user would give them.
# Everything lands in runs/demo/ (OUT=... to change). Expected: >= 93.5% test accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
OUT=${OUT:-runs/demo}
GALTON="$BIN/galton"
if [ ! -x "$GALTON" ]; then
    echo "demo: $GALTON not found; run 'make demo' (it installs galton into .venv first)" >&2
    exit 1
fi
start=$(date +%s)

echo "== galton train: the seed-000 CNN, MNIST sample (8,000 train / 2,000 test), 2 epochs"
"$GALTON" train --model mnist_cnn --data mnist-sample --epochs 2 --batch-size 64 \
    --optimizer sgd --lr 0.01 --momentum 0.9 --seed 0 --out "$OUT"

echo
echo "== galton evaluate"
"$GALTON" evaluate "$OUT"

echo
echo "== galton predict: test digits saved as PNG (some as dark ink on white paper, larger)"
"$BIN/python" - "$OUT/samples" <<'PY'
import os, sys
import numpy as np
from PIL import Image
from galton.vision.datasets import MNISTSample

folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
for name in os.listdir(folder):  # only this demo's pictures live here
    if name.endswith(".png"):
        os.remove(os.path.join(folder, name))
test = MNISTSample(train=False)
for i in range(6):
    img, label = test.data[i].numpy(), int(test.targets[i])
    if i % 2:  # as a user would draw it: black on white, bigger, not centred
        ink = Image.fromarray(255 - img).resize((112, 112), Image.Resampling.BILINEAR)
        pic = Image.new("L", (160, 140), 255)
        pic.paste(ink, (10 + 5 * i, 14))
    else:
        pic = Image.fromarray(img)
    pic.save(os.path.join(folder, f"test{i:02d}_label{label}.png"))
PY
"$GALTON" predict "$OUT" "$OUT"/samples/*.png

accuracy=$("$BIN/python" -c "import json,sys; print(f\"{100*json.load(open(sys.argv[1]))['accuracy']:.2f}\")" \
    "$OUT/metrics.json")
echo
echo "Done in $(( $(date +%s) - start )) s. Test accuracy ${accuracy}% (target >= 93.5%)."
echo "Results in $OUT/:"
echo "  model.safetensors       the trained model (galton predict $OUT IMAGE.png)"
echo "  metrics.json            test metrics; history.csv: loss and accuracy per epoch"
echo "  training_curves.png     loss and accuracy per epoch"
echo "  predictions.png         test digits with predicted labels (green right, red wrong)"
echo "  confusion_matrix.png    which digits are taken for which"
echo "  samples/*.png           the pictures labelled above"
if ! "$BIN/python" -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))['accuracy'] < 0.935)" \
    "$OUT/metrics.json"; then
    echo "demo: test accuracy below the 93.5% this demo expects" >&2
    exit 1
fi
