"""The book's MNIST autoencoder: 784-128-64-2-64-128-784, 218,514 parameters, a 2-D code.

Trained on galton's shipped MNIST sample (8,000 train / 2,000 test digits, no download) with
MSE and Adam. Prints the parameter count and the test reconstruction MSE; draws the 2-D codes
of the test digits coloured by their label, and a grid of originals over reconstructions.

Run:  python examples/autoencoder_mnist.py [--epochs 20] [--limit 8000] [--out autoencoder]
"""
import argparse
import os
import time

import galton as torch
import galton.nn as nn
from galton.vision.datasets import MNISTSample


def load(train, limit=None):
    ds = MNISTSample(train=train)
    x = ds.data.numpy().reshape(-1, 784).astype("f4") / 255.0
    y = ds.targets.numpy()
    if limit:
        x, y = x[:limit], y[:limit]
    return torch.tensor(x), y


class AutoEncoder(nn.Module):
    """784 -> 128 -> 64 -> 2 (the code) -> 64 -> 128 -> 784, ReLU between, Sigmoid at the end."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                                     nn.Linear(64, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(),
                                     nn.Linear(128, 784), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def plot_codes(codes, labels, path):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    sc = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6, alpha=0.8)
    fig.colorbar(sc, ax=ax, ticks=range(10), label="digit")
    ax.set_title("2-D codes of the test digits")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
    return finish(fig, path)


def plot_reconstructions(originals, recons, path, n=10):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, axes = plt.subplots(2, n, figsize=(n * 1.1, 2.5))
    for i in range(n):
        for row, img in ((0, originals[i]), (1, recons[i])):
            axes[row, i].imshow(img.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[row, i].axis("off")
    axes[0, 0].set_title("original", fontsize=9, loc="left")
    axes[1, 0].set_title("reconstruction", fontsize=9, loc="left")
    return finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--limit", type=int, default=None, help="use only this many training images")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="autoencoder", help="folder for the pictures ('' to skip)")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x, _ = load(True, args.limit)
    x_test, y_test = load(False)
    model = AutoEncoder()
    print(f"AutoEncoder 784-128-64-2-64-128-784: {sum(q.numel() for q in model.parameters()):,} "
          "parameters")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x),
                                         batch_size=args.batch_size, shuffle=True)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for (xb,) in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch:3d}  train MSE {total / len(x):.4f}")
    model.eval()
    with torch.no_grad():
        codes = model.encoder(x_test)
        recon = model.decoder(codes)
        test_mse = loss_fn(recon, x_test).item()
    print(f"Final test reconstruction MSE: {test_mse:.4f} "
          f"({time.perf_counter() - start:.1f} s of training)")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        print("Codes:", plot_codes(codes.numpy(), y_test, os.path.join(args.out, "codes.png")))
        print("Reconstructions:", plot_reconstructions(x_test.numpy(), recon.numpy(),
                                                       os.path.join(args.out,
                                                                    "reconstructions.png")))


if __name__ == "__main__":
    main()
