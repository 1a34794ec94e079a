"""Does Fashion-MNIST help with digits? Transfer learning on the seed-000 CNN (book lesson 19).

1. Pretrain the seed-000 Net (Conv 32 - Conv 64 - Linear 128 - Linear 10) on Fashion-MNIST.
2. On the MNIST digits shipped with galton (MNISTSample: 8,000 train / 2,000 test), train with
   50, 100, 500 and 8,000 labelled images, three ways:
   (a) scratch:   random weights, everything trains;
   (b) frozen:    the Fashion weights, frozen; only a new head (Linear 128->10, 1,290 params);
   (c) fine-tune: the Fashion weights as the start, a new head, everything trains.
   and report test accuracy on the 2,000 test digits (the mean over --seeds seeds).

The labelled subsets are class-balanced draws from the training split. Each run takes at
least --min-steps SGD steps (lr 0.01, momentum 0.9, batch 64 or the whole subset) so that the
tiny subsets get trained too. Writes a Markdown table to stdout and a plot (accuracy vs
labelled images) to --plot.

Data: datasets.FashionMNIST (Debian's dataset-fashion-mnist, under
/usr/share/datasets/fashion-mnist/; `apt-get install dataset-fashion-mnist`) and
datasets.MNISTSample. --pretrain-data mnist-sample pretrains on digits instead (for tests).

Run:  OMP_NUM_THREADS=1 python examples/transfer.py [--pretrain-limit 20000] [--plot FILE]
"""
import argparse
import json

import numpy as np

import galton
import galton.nn as nn
from galton.train.transfer import freeze, init_from
from galton.vision import datasets, models

MODES = ("scratch", "frozen", "fine-tune")


def arrays(ds, limit=None):
    """(images float32 (N,1,28,28) normalised as seed 000 does, labels int64)."""
    x = ds.data._data if hasattr(ds.data, "_data") else np.asarray(ds.data)
    y = ds.targets._data if hasattr(ds.targets, "_data") else np.asarray(ds.targets)
    if limit:
        x, y = x[:limit], y[:limit]
    x = (x.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0 - 0.5) / 0.5
    return x, y.astype(np.int64)


def balanced_subset(y, n, rng):
    """n indices, as equal per class as n allows, drawn at random."""
    per = [rng.permutation(np.flatnonzero(y == c)) for c in range(10)]
    take = [p[:n // 10 + (1 if c < n % 10 else 0)] for c, p in enumerate(per)]
    return rng.permutation(np.concatenate(take))


def train(model, x, y, epochs, min_steps, seed, batch=64):
    """SGD lr 0.01 momentum 0.9 (seed 000) over the trainable parameters."""
    rng = np.random.default_rng(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = galton.optim.SGD(params, lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batch = min(batch, len(x))
    per_epoch = -(-len(x) // batch)
    steps = max(epochs * per_epoch, min_steps)
    model.train()
    done = 0
    while done < steps:
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            if done == steps:
                break
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(galton.tensor(x[idx])), galton.tensor(y[idx])).backward()
            opt.step()
            done += 1
    return model


def accuracy(model, x, y):
    model.eval()
    with galton.no_grad():
        pred = np.concatenate([model(galton.tensor(x[i:i + 500])).argmax(1).numpy()
                               for i in range(0, len(x), 500)])
    return float((pred == y).mean())


def pretrain(args):
    if args.pretrain_data == "mnist-sample":
        ds, test = datasets.MNISTSample(train=True), datasets.MNISTSample(train=False)
    else:
        ds = datasets.FashionMNIST(root=args.root, train=True, download=True)
        test = datasets.FashionMNIST(root=args.root, train=False, download=True)
    x, y = arrays(ds, args.pretrain_limit)
    galton.manual_seed(0)
    model = train(models.mnist_cnn(), x, y, args.pretrain_epochs, 0, seed=0)
    xt, yt = arrays(test, 2000)
    print(f"Pretrained on {len(x)} {args.pretrain_data} images, {args.pretrain_epochs} "
          f"epoch(s): {100 * accuracy(model, xt, yt):.1f}% on 2,000 of its test images")
    return model.state_dict()


def run(args):
    source = pretrain(args)
    x, y = arrays(datasets.MNISTSample(train=True))
    xt, yt = arrays(datasets.MNISTSample(train=False), args.test_limit)
    results = {m: {} for m in MODES}
    for n in args.sizes:
        for mode in MODES:
            accs = []
            for seed in range(args.seeds):
                idx = balanced_subset(y, n, np.random.default_rng(seed))
                galton.manual_seed(100 + seed)
                model = models.mnist_cnn()
                if mode != "scratch":
                    init_from(model, source)  # copies conv1..fc1; fc2 (the head) stays fresh
                if mode == "frozen":
                    freeze(model)
                train(model, x[idx], y[idx], args.epochs, args.min_steps, seed)
                accs.append(accuracy(model, xt, yt))
            results[mode][n] = float(np.mean(accs))
            print(f"  {n:>5} labelled, {mode:<9}: {100 * results[mode][n]:.1f}%", flush=True)
    return results


def table(results, sizes):
    lines = ["| labelled digits | " + " | ".join(MODES) + " |", "|---:|---:|---:|---:|"]
    for n in sizes:
        lines.append(f"| {n:,} | " + " | ".join(f"{100 * results[m][n]:.1f}%" for m in MODES)
                     + " |")
    return "\n".join(lines)


def plot(results, sizes, path):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for mode, marker in zip(MODES, "osd"):
        ax.plot(sizes, [100 * results[mode][n] for n in sizes], marker=marker, label=mode)
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{n:,}" for n in sizes])
    ax.set_xlabel("labelled MNIST training images")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("seed-000 CNN: Fashion-MNIST pretraining -> digits")
    ax.grid(alpha=0.3)
    ax.legend()
    finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pretrain-data", default="fashion-mnist",
                   choices=["fashion-mnist", "mnist-sample"])
    p.add_argument("--root", default="./data")
    p.add_argument("--pretrain-limit", type=int, default=20000)
    p.add_argument("--pretrain-epochs", type=int, default=2)
    p.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")],
                   default=[50, 100, 500, 8000])
    p.add_argument("--epochs", type=int, default=3, help="epochs over each labelled subset")
    p.add_argument("--min-steps", type=int, default=150)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--plot", default="docs/img/transfer_accuracy.png")
    p.add_argument("--json", help="also write the results here")
    args = p.parse_args(argv)
    results = run(args)
    print(table(results, args.sizes))
    if args.plot:
        plot(results, args.sizes, args.plot)
        print(f"Plot: {args.plot}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({m: {str(k): v for k, v in r.items()} for m, r in results.items()}, f)


if __name__ == "__main__":
    main()
