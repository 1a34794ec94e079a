"""A denoising convolutional autoencoder: noisy MNIST digits in, clean digits out.

Encoder: Conv2d(1,16,3,stride 2) -> ReLU -> Conv2d(16,32,3,stride 2) -> ReLU (28x28 -> 7x7).
Decoder: ConvTranspose2d(32,16,3,stride 2) -> ReLU -> ConvTranspose2d(16,1,3,stride 2) ->
Sigmoid (7x7 -> 28x28). Each training image gets fresh Gaussian noise (sigma 0.5, clipped to
[0, 1]); the loss is the MSE to the clean image. Trained on galton's shipped MNIST sample;
prints the test MSE (and PSNR) of the noisy input and of the denoised output against the
clean digits, and draws noisy / denoised / clean rows.

Run:  python examples/conv_autoencoder.py [--epochs 5] [--limit 8000] [--noise 0.5] [--out denoise]
"""
import argparse
import math
import os
import time

import galton as torch
import galton.nn as nn
from galton.vision.datasets import MNISTSample


def load(train, limit=None):
    x = MNISTSample(train=train).data.numpy().astype("f4")[:, None] / 255.0
    return torch.tensor(x[:limit] if limit else x)


def add_noise(x, sigma):
    return (x + sigma * torch.randn_like(x)).clamp(0.0, 1.0)


class DenoisingAutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),       # 28 -> 14
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())      # 14 -> 7
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def psnr(mse):
    return 10 * math.log10(1.0 / mse)


def plot_rows(noisy, denoised, clean, path, n=10):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    fig, axes = plt.subplots(3, n, figsize=(n * 1.1, 3.6))
    for row, (name, imgs) in enumerate((("noisy", noisy), ("denoised", denoised),
                                        ("clean", clean))):
        for i in range(n):
            axes[row, i].imshow(imgs[i, 0], cmap="gray", vmin=0, vmax=1)
            axes[row, i].axis("off")
        axes[row, 0].set_title(name, fontsize=9, loc="left")
    return finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--limit", type=int, default=None, help="use only this many training images")
    p.add_argument("--noise", type=float, default=0.5, help="std of the Gaussian noise")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="denoise", help="folder for the picture ('' to skip)")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x = load(True, args.limit)
    x_test = load(False, 500)
    noisy_test = add_noise(x_test, args.noise)
    model = DenoisingAutoEncoder()
    print(f"{sum(q.numel() for q in model.parameters()):,} parameters")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x),
                                         batch_size=args.batch_size, shuffle=True)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for (xb,) in loader:
            opt.zero_grad()
            loss = loss_fn(model(add_noise(xb, args.noise)), xb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        print(f"epoch {epoch:3d}  train MSE {total / len(x):.4f}")
    model.eval()
    with torch.no_grad():
        denoised = model(noisy_test)
        mse_in = loss_fn(noisy_test, x_test).item()
        mse_out = loss_fn(denoised, x_test).item()
    print(f"Test MSE to the clean digits: noisy input {mse_in:.4f} ({psnr(mse_in):.1f} dB), "
          f"denoised {mse_out:.4f} ({psnr(mse_out):.1f} dB)  "
          f"({time.perf_counter() - start:.1f} s of training)")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        print("Pictures:", plot_rows(noisy_test.numpy(), denoised.numpy(), x_test.numpy(),
                                     os.path.join(args.out, "denoising.png")))


if __name__ == "__main__":
    main()
