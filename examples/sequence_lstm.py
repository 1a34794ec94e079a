"""Sine-wave forecasting with RNN, LSTM and GRU side by side (the recurrent lesson of seed 002).

Each model reads 40 noisy samples of a sine wave (random frequency and phase) and predicts the
next clean value. The same data, seed, hidden size and optimiser for all three; the script
prints each model's final test MSE and draws a 60-step free-running forecast (each prediction
fed back as the next input) for every model in one picture.

Run:  python examples/sequence_lstm.py [--epochs 30] [--limit 1024] [--plot sequence_lstm.png]
"""
import argparse
import time

import numpy as np

import galton as torch
import galton.nn as nn

WINDOW = 40


def make_waves(n, rng, length=WINDOW + 1, noise=0.05):
    """n windows of sin(f t + phase) (plus noise on the inputs); the target is the clean value
    right after the window."""
    t = np.arange(length)[None, :]
    freq = rng.uniform(0.1, 0.3, (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    clean = np.sin(freq * t + phase)
    x = clean[:, :-1] + noise * rng.standard_normal((n, length - 1))
    return (torch.tensor(x[..., None].astype("f4")),
            torch.tensor(clean[:, -1:].astype("f4")), freq, phase)


class Forecaster(nn.Module):
    """A recurrent layer (RNN, LSTM or GRU) reading the window, then a linear head on the
    last hidden state."""

    def __init__(self, kind, hidden=32):
        super().__init__()
        self.rnn = getattr(nn, kind)(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def train(kind, data, epochs, hidden, lr, seed):
    torch.manual_seed(seed)
    x, y, x_test, y_test = data
    model = Forecaster(kind, hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=64,
                                         shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
    with torch.no_grad():
        test_mse = loss_fn(model(x_test), y_test).item()
    return model, test_mse


def rollout(model, seed_window, steps):
    """Feed each prediction back as the next input for ``steps`` steps."""
    window = list(seed_window)
    preds = []
    with torch.no_grad():
        for _ in range(steps):
            x = torch.tensor(np.array(window[-WINDOW:], dtype="f4")[None, :, None])
            p = model(x).item()
            preds.append(p)
            window.append(p)
    return np.array(preds)


def plot(models, path, steps=60, seed=123):
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    rng = np.random.default_rng(seed)
    f, ph = rng.uniform(0.1, 0.3), rng.uniform(0, 2 * np.pi)
    t = np.arange(WINDOW + steps)
    truth = np.sin(f * t + ph)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(t, truth, color="black", lw=2, alpha=0.4, label="true wave")
    ax.axvline(WINDOW - 0.5, color="grey", ls=":")
    for kind, model in models.items():
        ax.plot(t[WINDOW:], rollout(model, truth[:WINDOW], steps), label=f"{kind} forecast")
    ax.set_xlabel("time step")
    ax.set_title(f"{steps}-step free-running forecast after a {WINDOW}-step window")
    ax.legend()
    return finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--limit", type=int, default=1024, help="number of training windows")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default="sequence_lstm.png", help="PNG path ('' to skip)")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, y, _, _ = make_waves(args.limit, rng)
    x_test, y_test, _, _ = make_waves(512, rng)
    data = (x, y, x_test, y_test)
    models = {}
    for kind in ("RNN", "LSTM", "GRU"):
        start = time.perf_counter()
        model, mse = train(kind, data, args.epochs, args.hidden, args.lr, args.seed)
        models[kind] = model
        n = sum(q.numel() for q in model.parameters())
        print(f"{kind:4s}  {n:5d} parameters  final test MSE {mse:.5f}  "
              f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        print(f"Forecasts: {plot(models, args.plot)}")


if __name__ == "__main__":
    main()
