"""A variational autoencoder on MNIST: reparameterisation, a KL term, samples from the prior.

Encoder 784-400 -> (mu, log sigma^2) of a latent Gaussian; decoder latent-400-784 with a
Sigmoid. The loss per image is the negative ELBO: binary cross-entropy of the reconstruction
(summed over pixels) plus KL(q(z|x) || N(0, I)) in closed form. Trained on galton's shipped
MNIST sample; prints the train ELBO of every epoch and the test ELBO (in nats per image, higher
is better), then decodes z ~ N(0, I) into a grid of new digits.

Run:  python examples/vae_mnist.py [--epochs 20] [--latent 8] [--limit 8000] [--out vae]
"""
import argparse
import os
import time

import galton as torch
import galton.nn as nn
import galton.nn.functional as F
from galton.vision.datasets import MNISTSample


def load(train, limit=None):
    x = MNISTSample(train=train).data.numpy().reshape(-1, 784).astype("f4") / 255.0
    return torch.tensor(x[:limit] if limit else x)


class VAE(nn.Module):
    def __init__(self, latent=8, hidden=400):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc_mu = nn.Linear(hidden, latent)
        self.fc_logvar = nn.Linear(hidden, latent)
        self.fc2 = nn.Linear(latent, hidden)
        self.fc3 = nn.Linear(hidden, 784)
        self.latent = latent

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc_mu(h), self.fc_logvar(h)

    def reparameterize(self, mu, logvar):
        """z = mu + sigma * eps with eps ~ N(0, I): the sample stays differentiable in mu, sigma."""
        std = torch.exp(0.5 * logvar)
        return mu + std * torch.randn_like(std)

    def decode(self, z):
        return torch.sigmoid(self.fc3(F.relu(self.fc2(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def negative_elbo(recon, x, mu, logvar):
    """Summed over the batch: reconstruction BCE + KL(N(mu, sigma^2) || N(0, I))."""
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld, kld


def plot_samples(model, path, n=8, seed=0):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    torch.manual_seed(seed)
    with torch.no_grad():
        imgs = model.decode(torch.randn(n * n, model.latent)).numpy()
    fig, axes = plt.subplots(n, n, figsize=(n, n))
    for ax, img in zip(axes.ravel(), imgs):
        ax.imshow(img.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    fig.suptitle("decoded samples z ~ N(0, I)")
    return finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--latent", type=int, default=8)
    p.add_argument("--limit", type=int, default=None, help="use only this many training images")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="vae", help="folder for the pictures ('' to skip)")
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    x = load(True, args.limit)
    x_test = load(False)
    model = VAE(args.latent)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x),
                                         batch_size=args.batch_size, shuffle=True)
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = kl_total = 0.0
        for (xb,) in loader:
            opt.zero_grad()
            loss, kld = negative_elbo(*_forward(model, xb))
            (loss / len(xb)).backward()
            opt.step()
            total += loss.item()
            kl_total += kld.item()
        print(f"epoch {epoch:3d}  ELBO {-total / len(x):8.2f} nats/image  "
              f"(KL {kl_total / len(x):5.2f})")
    model.eval()
    with torch.no_grad():
        test_loss, _ = negative_elbo(*_forward(model, x_test))
    print(f"Final test ELBO: {-test_loss.item() / len(x_test):.2f} nats/image "
          f"({time.perf_counter() - start:.1f} s of training)")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        print("Samples from the prior:", plot_samples(model, os.path.join(args.out, "samples.png")))


def _forward(model, xb):
    recon, mu, logvar = model(xb)
    return recon, xb, mu, logvar


if __name__ == "__main__":
    main()
