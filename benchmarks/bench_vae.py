"""The VAE of examples/vae_mnist.py: one epoch over MNISTSample's 8,000 images, batch 128, Adam."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import maybe_compile  # noqa: E402

WORKLOAD = "VAE 784-400-8 (examples/vae_mnist.py), 1 epoch of MNISTSample (8,000), batch 128, Adam"


def _images():
    from galton.vision.datasets import MNISTSample  # the shipped sample (galton loads it for both)
    return MNISTSample(train=True).data.numpy().reshape(-1, 784).astype("f4") / 255.0


def setup(fw):
    nn, F = fw.nn, fw.nn.functional

    class VAE(nn.Module):
        def __init__(self, latent=8, hidden=400):
            super().__init__()
            self.fc1 = nn.Linear(784, hidden)
            self.fc_mu = nn.Linear(hidden, latent)
            self.fc_logvar = nn.Linear(hidden, latent)
            self.fc2 = nn.Linear(latent, hidden)
            self.fc3 = nn.Linear(hidden, 784)

        def forward(self, x):
            h = F.relu(self.fc1(x))
            mu, logvar = self.fc_mu(h), self.fc_logvar(h)
            std = fw.exp(0.5 * logvar)
            z = mu + std * fw.randn_like(std)
            return fw.sigmoid(self.fc3(F.relu(self.fc2(z)))), mu, logvar

    X = fw.from_numpy(_images())
    fw.manual_seed(0)
    model = maybe_compile(fw, VAE())
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    state = {}

    def step():
        for i in range(0, len(X), 128):
            x = X[i:i + 128]
            recon, mu, logvar = model(x)
            loss = (F.binary_cross_entropy(recon, x, reduction="sum")
                    - 0.5 * fw.sum(1 + logvar - mu.pow(2) - logvar.exp()))
            opt.zero_grad()
            loss.backward()
            opt.step()
        state["loss_per_image"] = round(loss.item() / len(x), 2)
    state["step"] = step
    return state


def extra(fw, state):
    return {"last_loss_per_image": state.get("loss_per_image")}


if __name__ == "__main__":
    from harness import main
    main(sys.modules[__name__], rounds=2, reps=2, warmup=1)
