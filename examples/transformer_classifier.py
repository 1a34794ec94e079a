"""Balanced brackets with a small Transformer encoder: is "(()())" well nested, is "())(()" not?

Sequences of 20 brackets. Half are balanced; the other half have as many '(' as ')' but close
a bracket that was never opened somewhere, so counting brackets is not enough: the model must
track the nesting depth along the sequence. Model: Embedding + sinusoidal PositionalEncoding +
a 2-layer TransformerEncoder (d_model 32, 4 heads) + mean pooling + Linear. Prints the test
accuracy and draws one attention map of the first layer.

Run:  python examples/transformer_classifier.py [--epochs 25] [--limit 4000] [--plot attention.png]
"""
import argparse
import time

import numpy as np

import galton as torch
import galton.nn as nn

LENGTH = 20


def balanced(rng, n_pairs):
    """A uniformly shuffled valid bracket string (0 = '(', 1 = ')')."""
    while True:
        s = rng.permutation([0] * n_pairs + [1] * n_pairs)
        depth = np.cumsum(np.where(s == 0, 1, -1))
        if depth.min() >= 0:
            return s


def unbalanced(rng, n_pairs):
    """Equal counts, but the depth goes negative somewhere."""
    while True:
        s = rng.permutation([0] * n_pairs + [1] * n_pairs)
        depth = np.cumsum(np.where(s == 0, 1, -1))
        if depth.min() < 0:
            return s


def make_data(n, rng, exclude=None):
    """n sequences, half balanced; none of those in ``exclude`` (so test sequences are unseen)."""
    seen = set() if exclude is None else {tuple(r) for r in exclude.tolist()}
    xs, ys = [], []
    while len(xs) < n:
        label = len(xs) % 2
        s = balanced(rng, LENGTH // 2) if label else unbalanced(rng, LENGTH // 2)
        if tuple(s.tolist()) in seen:
            continue
        xs.append(s)
        ys.append(label)
    order = rng.permutation(n)
    return (torch.tensor(np.array(xs)[order].astype(np.int64)),
            torch.tensor(np.array(ys)[order].astype(np.int64)))


class BracketClassifier(nn.Module):
    def __init__(self, d_model=32, nhead=4, layers=2):
        super().__init__()
        self.embed = nn.Embedding(2, d_model)
        self.pos = nn.PositionalEncoding(d_model, max_len=64, batch_first=True)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=64, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d_model, 2)

    def features(self, x):
        return self.pos(self.embed(x))

    def forward(self, x):
        return self.head(self.encoder(self.features(x)).mean(dim=1))


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def plot_attention(model, x, path):
    """Head-averaged attention of the first encoder layer on one balanced test sequence."""
    from galton.plot._mpl import finish, pyplot
    plt = pyplot()
    with torch.no_grad():
        h = model.features(x[None])
        _, weights = model.encoder.layers[0].self_attn(h, h, h, need_weights=True)
    w = weights[0].numpy()
    labels = ["(" if v == 0 else ")" for v in x.tolist()]
    fig, ax = plt.subplots(figsize=(5, 4.5))
    im = ax.imshow(w, cmap="viridis")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("attended position (key)")
    ax.set_ylabel("position (query)")
    ax.set_title("layer 1 attention, mean over heads")
    fig.colorbar(im, ax=ax, fraction=0.046)
    return finish(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--limit", type=int, default=4000, help="number of training sequences")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default="transformer_attention.png", help="PNG path ('' to skip)")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    x, y = make_data(args.limit, rng)
    x_test, y_test = make_data(1000, rng, exclude=x)
    model = BracketClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=64,
                                         shuffle=True)
    print(f"{sum(q.numel() for q in model.parameters()):,} parameters")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        if epoch == 1 or epoch % 5 == 0 or epoch == args.epochs:
            print(f"epoch {epoch:3d}  loss {total / len(x):.4f}  "
                  f"test accuracy {100 * accuracy(model, x_test, y_test):.1f}%")
    model.eval()
    acc = accuracy(model, x_test, y_test)
    print(f"Final test accuracy: {100 * acc:.1f}% on {len(x_test)} unseen sequences "
          f"({time.perf_counter() - start:.1f} s)")
    if args.plot:
        sample = x_test[int(np.flatnonzero(y_test.numpy() == 1)[0])]
        print(f"Attention map: {plot_attention(model, sample, args.plot)}")


if __name__ == "__main__":
    main()
