"""XOR, as in seeds/003: Dense(2,3)-tanh-Dense(3,1)-tanh, MSE, per-sample SGD, lr 0.1, 1000 epochs.

The seed's NumPy project, grown up: the same network in a few lines of galton.
Run:  python examples/xor.py [--seed 0] [--epochs 1000] [--plot xor.png]
"""
import argparse
import time

import galton as torch
import galton.nn as nn


def train_xor(seed=0, epochs=1000, lr=0.1):
    """Train the seed-003 XOR network; return the model and the mean loss of the last epoch."""
    torch.manual_seed(seed)
    X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
    Y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float32)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        error = 0.0
        for x, y in zip(X, Y):  # one sample per step, as the seed does
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            error += loss.item()
    return model, error / len(X)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--plot", help="write the decision surface to this PNG (needs matplotlib)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    model, error = train_xor(args.seed, args.epochs, args.lr)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        out = model(torch.tensor([1.0, 0.0])).item()
        table = model(torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))
    print(f"Prediction: {round(out)}")
    print(f"Confidence: {100 * (out if out >= 0.5 else 1 - out):.1f}%")
    print(f"Error: {error:.4f}")
    print("Truth table:", " ".join(f"{v:.3f}" for v in table.reshape(-1).tolist()))
    print(f"Trained {args.epochs} epochs x 4 samples in {seconds:.2f} s")
    if args.plot:
        from galton.plot import decision_surface
        decision_surface(model, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], path=args.plot)
        print(f"Decision surface: {args.plot}")


if __name__ == "__main__":
    main()
